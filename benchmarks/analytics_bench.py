"""f0-plugin-analytics: report, graph and stats times; the observer's cost per step.

Run with ``python benchmarks/analytics_bench.py [--json]`` in the dev venv.
Everything goes through real files in a temporary folder:

1. a 1,000-step recipe (100 layers of 10 no-op python steps, each depending on
   two steps of the layer before) is run once with the real ``f0 run``
   (subprocess), then in-process (``f0.engine.run_recipe`` with a SQLite run
   store) with and without the analytics plugin: the difference is what the
   observer costs per step;
2. ``f0 report last`` on that run (subprocess wall time, and the in-process
   ``build_report`` time), and ``f0 graph`` of the recipe (Graphviz ``dot`` and
   the built-in layout);
3. 1,000 runs of a 7-step recipe made with the real engine in-process
   (``f0.engine.run_recipe`` with the SQLite run store and the analytics
   observer), then ``f0 stats`` over them (subprocess wall, and in-process),
   also with the analytics file moved away (every run read back through
   ``RunStore.get_run``).

Goals (issue 13): report of a 1,000-step run < 2 s; ``f0 stats`` over 1,000
runs < 1 s; a 1,000-step graph < 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

F0 = Path(sys.executable).with_name("f0")
STEPS_PY = "def noop(context, params):\n    return None\n"


def big_recipe(width: int = 10, depth: int = 100) -> str:
    lines = ["metadata: {name: big}", "steps:"]
    idx = 0
    for layer in range(depth):
        for col in range(width):
            idx += 1
            deps = ""
            if layer:
                a = f"s{layer - 1}_{col}"
                b = f"s{layer - 1}_{(col + 1) % width}"
                deps = f", depends_on: [{a}, {b}]"
            lines.append(
                f"  - {{name: s{layer}_{col}, idx: {idx}, module: steps, function: noop{deps}}}"
            )
    return "\n".join(lines) + "\n"


SMALL = """
metadata: {name: small}
steps:
  - {name: load, idx: 1, module: steps, function: noop}
  - {name: clean, idx: 2, module: steps, function: noop, depends_on: [load]}
  - {name: left, idx: 3, module: steps, function: noop, depends_on: [clean]}
  - {name: right, idx: 4, module: steps, function: noop, depends_on: [clean]}
  - {name: join, idx: 5, module: steps, function: noop, depends_on: [left, right]}
  - {name: write, idx: 6, module: steps, function: noop, depends_on: [join]}
  - {name: done, idx: 7, module: steps, function: noop, depends_on: [write]}
"""


def f0(*args: str, cwd: Path, env: dict[str, str] | None = None) -> tuple[float, str]:
    started = time.perf_counter()
    proc = subprocess.run(
        [str(F0), *args],
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    took = time.perf_counter() - started
    if proc.returncode != 0:
        msg = f"f0 {' '.join(args)} failed: {proc.stderr}"
        raise SystemExit(msg)
    return took, proc.stdout


def best(fn: Any, repeats: int) -> float:
    return min(fn() for _ in range(repeats))


def timed(fn: Any) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def bench_big(root: Path, repeats: int) -> dict[str, float]:
    (root / "steps.py").write_text(STEPS_PY)
    recipe = root / "big.yaml"
    recipe.write_text(big_recipe())
    out: dict[str, float] = {}
    f0("run", str(recipe), "-q", cwd=root)  # the run the report is about
    out["engine_1000_without_analytics_s"] = best(lambda: engine_run(root, recipe, False), repeats)
    out["engine_1000_with_analytics_s"] = best(lambda: engine_run(root, recipe, True), repeats)
    out["observer_us_per_step"] = (
        (out["engine_1000_with_analytics_s"] - out["engine_1000_without_analytics_s"]) / 1000 * 1e6
    )
    report = root / "report.html"
    out["report_1000_cli_s"] = best(
        lambda: f0("report", "last", "-o", str(report), cwd=root)[0], repeats
    )
    out["report_1000_kib"] = report.stat().st_size / 1024
    out["report_1000_build_s"] = best(lambda: timed(lambda: build_report_in_process(root)), repeats)
    out["graph_1000_dot_cli_s"] = best(
        lambda: f0("graph", str(recipe), "-o", str(root / "g.svg"), cwd=root)[0], repeats
    )
    out["graph_1000_builtin_cli_s"] = best(
        lambda: f0(
            "graph", str(recipe), "--layout", "builtin", "-o", str(root / "b.svg"), cwd=root
        )[0],
        repeats,
    )
    out["f0_help_s"] = best(lambda: f0("--help", cwd=root)[0], repeats)
    return out


def engine_run(root: Path, recipe_path: Path, analytics: bool) -> float:
    """Seconds of one in-process run of *recipe_path* with a SQLite store, with or without the observer."""
    from f0.builtin.commands import load_valid_recipe
    from f0.engine import run_recipe

    hooks = _hooks(analytics=analytics)
    recipe, _, _ = load_valid_recipe(hooks, recipe_path)
    store = hooks.run_store(f"sqlite:///{root / 'engine' / 'f0.db'}")
    try:
        return timed(lambda: run_recipe(hooks, recipe, store=store))
    finally:
        store.close()


def _hooks(*, analytics: bool = True) -> Any:
    from f0.hooks import Hooks
    from f0.manager import PluginSelection, make_plugin_manager

    plugins = ("yaml", "python", "local", "context", "store") + (
        ("analytics",) if analytics else ()
    )
    return Hooks(make_plugin_manager(PluginSelection(autoload=False, load=plugins, strict=True)))


def build_report_in_process(root: Path) -> None:
    from f0_analytics._db import analytics_path
    from f0_analytics._history import open_analytics
    from f0_analytics._report import build_report

    url = f"sqlite:///{root / '.f0' / 'f0.db'}"
    store = _hooks().run_store(url)
    analytics = open_analytics(analytics_path(url))
    try:
        build_report(store, store.get_run(store.resolve_run("last")), analytics=analytics)
    finally:
        store.close()
        if analytics is not None:
            analytics.close()


def bench_stats(root: Path, runs: int, repeats: int) -> dict[str, float]:
    from f0.builtin.commands import load_valid_recipe
    from f0.engine import run_recipe

    (root / "steps.py").write_text(STEPS_PY)
    recipe_path = root / "small.yaml"
    recipe_path.write_text(SMALL.lstrip())
    hooks = _hooks()
    recipe, _, _ = load_valid_recipe(hooks, recipe_path)
    url = f"sqlite:///{root / '.f0' / 'f0.db'}"
    started = time.perf_counter()
    for _ in range(runs):
        store = hooks.run_store(url)
        try:
            run_recipe(hooks, recipe, store=store)
        finally:
            store.close()
    out: dict[str, float] = {"make_runs_s": time.perf_counter() - started}
    args = ("stats", str(recipe_path), "--json", "--last", str(runs))
    _, text = f0(*args, cwd=root)
    assert json.loads(text)["runs"] == runs
    out["stats_cli_s"] = best(lambda: f0(*args, cwd=root)[0], repeats)
    out["stats_in_process_s"] = best(
        lambda: timed(lambda: stats_in_process(hooks, url, recipe_path, runs)), repeats
    )
    moved = root / ".f0" / "f0.analytics.db"
    moved.rename(root / "away.db")
    out["stats_cli_store_only_s"] = best(lambda: f0(*args, cwd=root)[0], repeats)
    (root / "away.db").rename(moved)
    return out


def stats_in_process(hooks: Any, url: str, recipe_path: Path, runs: int) -> None:
    from f0_analytics._analysis import recipe_stats
    from f0_analytics._db import analytics_path
    from f0_analytics._history import load_history, open_analytics

    store = hooks.run_store(url)
    analytics = open_analytics(analytics_path(url))
    try:
        history = load_history(
            store, recipe_path=str(recipe_path.resolve()), last=runs, analytics=analytics
        )
        recipe_stats(history)
    finally:
        store.close()
        if analytics is not None:
            analytics.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--runs", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        big = bench_big(Path(a), args.repeats)
        stats = bench_stats(Path(b), args.runs, args.repeats)
    result = {
        "meta": {
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "repeats": args.repeats,
        },
        **big,
        **stats,
    }
    if args.json:
        print(json.dumps(result, indent=1))
        return
    for key, value in result.items():
        if key != "meta":
            print(f"{key:32} {value:10.3f}")


if __name__ == "__main__":
    main()
