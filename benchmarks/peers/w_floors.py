"""Worker: the floors, reused from ``benchmarks/overhead.py`` (plain loop; graphlib + TPE(2))."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import shapes

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from overhead import graphlib_pool, plain_loop  # benchmarks/ is not a package


def run_one(case: dict[str, Any]) -> float:
    steps = [SimpleNamespace(name=n, depends_on=d) for n, d in case["graph"]]
    fn = shapes.step_fn(case["sleep_s"])
    floor = {"loop": plain_loop, "tpe": graphlib_pool}[case["variant"]]
    t0 = time.perf_counter()
    results = floor(steps, fn)  # type: ignore[arg-type]
    run_s = time.perf_counter() - t0
    assert len(results) == len(steps)
    return run_s


if __name__ == "__main__":
    shapes.run_cases(run_one)
