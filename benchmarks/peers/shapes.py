"""The DAG shapes every system runs, and the tiny protocol between harness and workers.

Standard library only: every peer's virtual environment imports this module
(the worker scripts sit next to it, so ``sys.path[0]`` finds it).

A graph is a list of ``(name, depends_on)`` in topological order.
"""

from __future__ import annotations

import json
import random
import resource
import sys
import time
from collections.abc import Callable
from typing import Any

Graph = list[tuple[str, list[str]]]

#: shape -> (description, full size, sleep-run size, quick size). Sizes are step counts.
SHAPES: dict[str, tuple[str, int, int, int]] = {
    "chain": ("chain of N", 500, 100, 50),
    "fan": ("fan 1 -> N-2 -> 1", 1002, 202, 52),
    "grid": ("layers of 50, each step after 3 random steps of the layer before", 1000, 200, 100),
    "independent": ("N independent steps", 10_000, 200, 200),
}
GRID_WIDTH = 50
SLEEP_GRID_WIDTH = 20
GRID_SEED = 9
SLEEP_S = 0.01
WORKERS = 2


def grid_width(size: int, sleep_s: float) -> int:
    """Layer width of the grid: 50 (no-op runs) or 20 (sleep runs, a smaller grid)."""
    return min(size, SLEEP_GRID_WIDTH if sleep_s else GRID_WIDTH)


def build(shape: str, size: int, sleep_s: float = 0.0) -> Graph:
    """The graph of *shape* with *size* steps (``single`` is one step, for T(1))."""
    if shape == "single" or size == 1:
        return [("s0", [])]
    if shape == "chain":
        return [(f"s{i}", [f"s{i - 1}"] if i else []) for i in range(size)]
    if shape == "fan":
        middle = [f"m{i}" for i in range(size - 2)]
        return [("root", []), *((m, ["root"]) for m in middle), ("sink", middle)]
    if shape == "independent":
        return [(f"s{i}", []) for i in range(size)]
    if shape == "grid":
        width = grid_width(size, sleep_s)
        rng = random.Random(GRID_SEED)
        graph: Graph = []
        for layer in range(size // width):
            for i in range(width):
                deps = (
                    [f"g{layer - 1}_{j}" for j in sorted(rng.sample(range(width), 3))]
                    if layer
                    else []
                )
                graph.append((f"g{layer}_{i}", deps))
        return graph
    msg = f"unknown shape {shape!r}"
    raise ValueError(msg)


def ideal_s(shape: str, graph: Graph, sleep_s: float, workers: int = WORKERS) -> float:
    """Shortest possible wall time of *graph* with *workers* slots, if every step sleeps."""
    if shape == "chain":
        return len(graph) * sleep_s
    levels: dict[str, int] = {}
    for name, deps in graph:
        levels[name] = 1 + max((levels[d] for d in deps), default=-1)
    per_level: dict[int, int] = {}
    for level in levels.values():
        per_level[level] = per_level.get(level, 0) + 1
    return sum(-(-count // workers) for count in per_level.values()) * sleep_s


def sinks(graph: Graph) -> list[str]:
    """Steps nothing depends on (what a pull-based system is asked to build)."""
    needed = {d for _, deps in graph for d in deps}
    return [name for name, _ in graph if name not in needed]


# -- worker side --------------------------------------------------------------------
# A worker script is started once per (system, variant, repetition) as
# ``python w_x.py '{"variant": ..., "tmp": ..., "cases": [{"id", "shape", "size", "sleep_s"}]}'``
# and prints one ``F0BENCH {json}`` line per case as it finishes it.


def run_cases(run_one: Callable[[dict[str, Any]], float]) -> None:
    """Run every case of ``sys.argv[1]`` through *run_one* (returns seconds) and report each."""
    job = json.loads(sys.argv[1])
    for one in job["cases"]:
        case = {**job, **one, "cases": None}
        case["graph"] = build(case["shape"], case["size"], case["sleep_s"])
        run_s = run_one(case)
        maxrss_kb = max(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
        )
        line = {"id": case["id"], "run_s": run_s, "maxrss_kb": maxrss_kb}
        # sys.__stdout__: a system may leave sys.stdout redirected (doit's threads do).
        print("F0BENCH " + json.dumps(line), file=sys.__stdout__, flush=True)


def step_fn(sleep_s: float) -> Callable[..., None]:
    """The step body: do nothing, or sleep *sleep_s*. Accepts and ignores any arguments."""
    if not sleep_s:

        def noop(*_args: Any, **_kwargs: Any) -> None:
            return None

        return noop

    def nap(*_args: Any, **_kwargs: Any) -> None:
        time.sleep(sleep_s)

    return nap
