"""How long `f0 --help` takes with every installed plugin (budget: 200 ms).

Runs the installed console script N times and prints the best and median
wall-clock times next to the floor of starting Python itself.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

BUDGET_MS = 200.0


def _time(cmd: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    f0 = str(Path(sys.executable).with_name("f0"))
    _time([f0, "--help"], 2)  # warm the .pyc and OS caches
    f0_ms = _time([f0, "--help"], args.runs)
    python_ms = _time([sys.executable, "-c", "pass"], args.runs)
    result = {
        "f0_help_best_ms": round(min(f0_ms), 1),
        "f0_help_median_ms": round(statistics.median(f0_ms), 1),
        "python_floor_median_ms": round(statistics.median(python_ms), 1),
        "budget_ms": BUDGET_MS,
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"f0 --help: best {result['f0_help_best_ms']} ms, median {result['f0_help_median_ms']} ms"
        )
        print(f"python -c pass (floor): median {result['python_floor_median_ms']} ms")
        print(
            f"budget {BUDGET_MS:.0f} ms: {'OK' if result['f0_help_median_ms'] <= BUDGET_MS else 'OVER'}"
        )
    return 0 if result["f0_help_median_ms"] <= BUDGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
