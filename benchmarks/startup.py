"""How long `f0 --help` takes with every installed plugin, and with 50 more.

Runs the installed console script N times (alternating the variants, so
machine load hits all alike) and prints best and median wall-clock times
beside the floors measured in the same run: starting Python, and importing
typer (the CLI library every f0 command pays for).

``--dummies N`` (default 50) also times ``f0 --help`` with N extra plugin
distributions: each a ``*.dist-info`` with an ``f0`` entry point and a module
implementing a hook and a command, found through ``PYTHONPATH`` exactly as
installed ones are. Goals (issue 9): ``f0 --help`` <= 150 ms with the
first-party plugins; 50 dummies add < 60 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BUDGET_MS = 150.0
DUMMY_BUDGET_MS = 60.0

_DUMMY_MODULE = '''
from __future__ import annotations

import typer
from f0 import hookimpl


@hookimpl
def f0_step_types() -> list[str]:
    return ["dummy{n}"]


@hookimpl
def f0_register_commands(app: typer.Typer) -> None:
    @app.command(name="dummy{n}")
    def dummy() -> None:
        """A dummy plugin's command."""
'''


def write_dummies(root: Path, count: int) -> None:
    """*count* fake installed distributions ``f0-plugin-dummyN`` under *root*."""
    for n in range(count):
        (root / f"f0_dummy{n}.py").write_text(_DUMMY_MODULE.format(n=n), encoding="utf-8")
        info = root / f"f0_plugin_dummy{n}-0.1.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: f0-plugin-dummy{n}\nVersion: 0.1\n", encoding="utf-8"
        )
        (info / "entry_points.txt").write_text(f"[f0]\ndummy{n} = f0_dummy{n}\n", encoding="utf-8")


def _time_once(cmd: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    return (time.perf_counter() - start) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--dummies", type=int, default=50)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    f0 = str(Path(sys.executable).with_name("f0"))
    with tempfile.TemporaryDirectory() as tmp:
        write_dummies(Path(tmp), args.dummies)
        dummy_env = {**os.environ, "PYTHONPATH": tmp}
        variants = {
            "python -c pass": ([sys.executable, "-c", "pass"], None),
            "python -c 'import typer'": ([sys.executable, "-c", "import typer"], None),
            "f0 --help": ([f0, "--help"], None),
            f"f0 --help (+{args.dummies} plugins)": ([f0, "--help"], dummy_env),
        }
        times: dict[str, list[float]] = {name: [] for name in variants}
        for cmd, env in variants.values():  # warm .pyc files and OS caches
            _time_once(cmd, env)
        for _ in range(args.runs):
            for name, (cmd, env) in variants.items():
                times[name].append(_time_once(cmd, env))
    medians = {name: statistics.median(t) for name, t in times.items()}
    help_ms = medians["f0 --help"]
    added_ms = medians[f"f0 --help (+{args.dummies} plugins)"] - help_ms
    result = {
        "median_ms": {k: round(v, 1) for k, v in medians.items()},
        "best_ms": {k: round(min(t), 1) for k, t in times.items()},
        "dummies_added_ms": round(added_ms, 1),
        "budget_ms": BUDGET_MS,
        "dummy_budget_ms": DUMMY_BUDGET_MS,
        "load": os.getloadavg()[0],
    }
    ok = help_ms <= BUDGET_MS and added_ms < DUMMY_BUDGET_MS
    if args.json:
        print(json.dumps(result))
    else:
        for name in variants:
            print(f"{name:<34} median {medians[name]:7.1f} ms   best {min(times[name]):7.1f} ms")
        print(f"{args.dummies} extra plugins add {added_ms:.1f} ms (budget {DUMMY_BUDGET_MS:.0f})")
        print(f"f0 --help budget {BUDGET_MS:.0f} ms: {'OK' if help_ms <= BUDGET_MS else 'OVER'}")
        print(f"(1-minute load average {result['load']:.2f} on {os.cpu_count()} CPUs)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
