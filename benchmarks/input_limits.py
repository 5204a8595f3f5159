"""How fast, and in how much memory, ``f0 validate`` refuses oversized recipes (issue 19).

Before the input limits, a 7.7 MB recipe took 65 s and 1.4 GB to be refused,
a 42 MB one 297 s and 6.7 GB, a 50 MB one was still going after 300 s. The
goal: any input refused in under 2 s and under 200 MB, whatever the loader.

Each case writes a recipe, runs the installed ``f0 validate`` on it in a
subprocess and reports wall-clock time and the child's peak RSS (from
``wait4``), and the first line it printed; ``load s`` is the time of
``Hooks.load_recipe`` alone in a fresh process (no interpreter or plugin
start-up, which dominate on a busy machine):

* ``plain N MB``: N MB of ordinary steps (the fast yaml-rs reader's input).
  8 MB is under the 10 MiB byte limit, so it is refused by the node count;
  42 and 50 MB by the file size, unread.
* ``anchored 8 MB``: the same with an anchor on the first line, which sends
  the file to the positioned (ruamel.yaml) reader.
* ``json 8 MB``: the same recipe as JSON.
* ``floor``: a valid three-step recipe: what any ``f0 validate`` costs
  (interpreter, plugins); on a busy machine the refusals sit just above it.
* ``billion laughs``: nine levels of ten aliases (10^9 values expanded), a
  few hundred bytes.

Usage: ``python benchmarks/input_limits.py [--sizes 8,42,50] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

F0 = Path(sys.executable).with_name("f0")
GOAL_S = 2.0
GOAL_MB = 200.0


def plain(size_mb: float, *, anchored: bool = False) -> str:
    lines = ["metadata: &m {name: big}" if anchored else "metadata: {name: big}", "steps:"]
    total, i = 0, 0
    target = int(size_mb * 1_000_000)
    while total < target:
        line = (
            f"  - {{name: s{i}, idx: {i}, module: steps, function: ok, args: {{a: 1, b: [1, 2]}}}}"
        )
        lines.append(line)
        total += len(line) + 1
        i += 1
    return "\n".join(lines) + "\n"


def as_json(size_mb: float) -> str:
    steps, total, i = [], 0, 0
    target = int(size_mb * 1_000_000)
    while total < target:
        step = {"name": f"s{i}", "idx": i, "module": "steps", "function": "ok", "args": {"a": 1}}
        steps.append(step)
        total += 80
        i += 1
    return json.dumps({"metadata": {"name": "big"}, "steps": steps})


def bomb(levels: int = 9) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{k}: &a{k} [" + ", ".join([f"*a{k - 1}"] * 10) + "]" for k in range(1, levels + 1)]
    return "\n".join(lines) + f"\nsteps: [*a{levels}]\n"


def measure(path: Path) -> dict[str, object]:
    """Run ``f0 validate path``: seconds, peak RSS in MB, exit code, first output line."""
    # Through a small launcher: a child forked from this process (which
    # held the recipe text) would inherit its peak RSS across exec.
    launcher = (
        "import os, subprocess, sys, time\n"
        "start = time.perf_counter()\n"
        "proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)\n"
        "out = proc.stdout.read()\n"
        "_, status, usage = os.wait4(proc.pid, 0)\n"
        "print(time.perf_counter() - start, usage.ru_maxrss, os.waitstatus_to_exitcode(status))\n"
        "sys.stdout.flush(); os.write(1, out)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", launcher, str(F0), "validate", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    first, _, output = done.stdout.partition("\n")
    seconds, rss_kb, code = first.split()
    return {
        "file": path.name,
        "bytes": path.stat().st_size,
        "seconds": round(float(seconds), 3),
        "rss_mb": round(int(rss_kb) / 1024, 1),
        "exit": int(code),
        "message": (output.splitlines() or [""])[0][:160],
    }


_IN_PROCESS = """
import sys, time
from f0.hooks import Hooks
from f0.manager import PluginSelection, make_plugin_manager
from f0.errors import F0Error
hooks = Hooks(make_plugin_manager(PluginSelection(autoload=False, load=("yaml",))))
start = time.perf_counter()
try:
    hooks.load_recipe(sys.argv[1])
except F0Error:
    pass
print(time.perf_counter() - start)
"""


def load_seconds(path: Path) -> float:
    """Seconds ``Hooks.load_recipe`` takes to refuse (or read) *path*, start-up excluded."""
    done = subprocess.run(
        [sys.executable, "-c", _IN_PROCESS, str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return round(float(done.stdout.split()[-1]), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="8,42,50", help="plain recipe sizes in MB")
    parser.add_argument("--json", action="store_true", help="one JSON object")
    args = parser.parse_args()
    sizes = [float(s) for s in args.sizes.split(",") if s]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        cases: list[tuple[str, str]] = [("floor-tiny.yaml", plain(0.0001))]
        cases += [(f"plain-{s:g}MB.yaml", plain(s)) for s in sizes]
        cases += [
            ("anchored-8MB.yaml", plain(8, anchored=True)),
            ("json-8MB.json", as_json(8)),
            ("billion-laughs.yaml", bomb()),
        ]
        for name, text in cases:
            path = root / name
            path.write_text(text, encoding="utf-8")
            del text
            rows.append({**measure(path), "load_s": load_seconds(path)})
            path.unlink()
    if args.json:
        print(json.dumps({"goal": {"seconds": GOAL_S, "rss_mb": GOAL_MB}, "rows": rows}))
        return
    floor = float(rows[0]["seconds"])  # type: ignore[arg-type]
    print(
        f"{'file':<22} {'MB':>6} {'s':>7} {'-floor':>7} {'load s':>7} {'RSS MB':>7} exit  first line"
    )
    for row in rows:
        ok = row["seconds"] < GOAL_S and row["rss_mb"] < GOAL_MB  # type: ignore[operator]
        print(
            f"{row['file']:<22} {row['bytes'] / 1e6:>6.1f} {row['seconds']:>7.2f} "  # type: ignore[operator]
            f"{float(row['seconds']) - floor:>7.2f} {row['load_s']:>7.3f} "  # type: ignore[arg-type]
            f"{row['rss_mb']:>7.1f} {row['exit']:>4}  {'' if ok else '(over goal) '}{row['message']}"
        )


if __name__ == "__main__":
    main()
