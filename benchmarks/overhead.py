"""Per-step overhead of the local scheduler on no-op steps, beside in-process floors.

Run with ``nox -s bench`` or ``python benchmarks/overhead.py [--json]``.

Shapes: a linear chain of 500 steps and a fan-out/fan-in 1 -> 1000 -> 1.
For each shape, best of ``--repeats`` runs, in microseconds per step:

``f0 local``       the real engine: ``f0.engine.run_recipe`` with the ``local``
                   scheduler, observer hooks registered, context history on,
                   every step's delta and ``steps.<name>.*`` keys applied.
``kernel only``    the same engine and hooks with a trivial sequential
                   scheduler (the kernel's per-step cost: session.started,
                   view, env, run_attempt, delta, StepResult, session.finished);
                   ``f0 local`` minus this is the scheduler's own overhead.
``plain loop``     the steps called in dependency order, results in a dict.
``graphlib+TPE``   ``graphlib.TopologicalSorter`` driving a
                   ``ThreadPoolExecutor(2)``.

The no-op step type, the observers and the trivial scheduler are registered by
this script; nothing else is loaded but ``local`` and ``context``.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import graphlib
import json
import os
import platform
import sys
import time
from typing import TYPE_CHECKING, Any

from f0 import (
    Recipe,
    RunStatus,
    SchedulerOptions,
    Step,
    StepOutcome,
    StepResult,
    StepStatus,
    hookimpl,
    run_attempt,
)
from f0.engine import run_recipe
from f0.hooks import Hooks
from f0.manager import PluginSelection, make_plugin_manager

if TYPE_CHECKING:
    from collections.abc import Callable

_OK = StepOutcome(success=True)


class NoopRunner:
    """A step type whose steps do nothing and succeed."""

    option_keys: frozenset[str] = frozenset()

    def prepare(self, step: Step, recipe: Recipe) -> list[Any]:  # noqa: ARG002 - protocol
        return []

    def run(self, step: Step, context: Any, env: Any) -> StepOutcome:  # noqa: ARG002 - protocol
        return _OK


class KernelOnly:
    """The cheapest correct scheduler: session.order, one step after another, inline."""

    def run(self, session: Any) -> None:
        for step in session.order:
            runner = session.runner(step)
            started = time.time()
            session.started(step, 1)
            view = session.view(step)
            outcome = run_attempt(runner, step, view, session.env(step, 1))
            result = StepResult(
                name=step.name,
                status=StepStatus.COMPLETED if outcome.success else StepStatus.FAILED,
                attempts=1,
                started_at=started,
                finished_at=time.time(),
                exit_code=outcome.exit_code,
            )
            session.finished(step, result, view.delta())


class BenchPlugin:
    """The no-op step type, no-op observers (so hooks are really called), the floor scheduler."""

    @hookimpl
    def f0_step_runner(self, step_type: str) -> NoopRunner | None:
        return NoopRunner() if step_type == "noop" else None

    @hookimpl
    def f0_scheduler(self, name: str, options: SchedulerOptions) -> KernelOnly | None:  # noqa: ARG002
        return KernelOnly() if name == "kernel-only" else None

    @hookimpl
    def f0_step_started(self, run: Any, step: Step, attempt: int) -> None:
        pass

    @hookimpl
    def f0_step_finished(self, run: Any, step: Step, result: Any, delta: Any) -> None:
        pass


# -- shapes -----------------------------------------------------------------------
def chain(n: int) -> list[Step]:
    """s0 <- s1 <- ... <- s(n-1)."""
    return [
        Step(name=f"s{i}", idx=i, type="noop", depends_on=[f"s{i - 1}"] if i else [])
        for i in range(n)
    ]


def fan(width: int) -> list[Step]:
    """root -> m0..m(width-1) -> sink."""
    middle = [Step(name=f"m{i}", idx=i + 1, type="noop", depends_on=["root"]) for i in range(width)]
    return [
        Step(name="root", idx=0, type="noop"),
        *middle,
        Step(name="sink", idx=width + 1, type="noop", depends_on=[s.name for s in middle]),
    ]


# -- measurements ------------------------------------------------------------------
def best_of(repeats: int, fns: dict[str, Callable[[], object]]) -> dict[str, float]:
    """Fastest wall-clock seconds of each of *fns* over *repeats* rounds.

    The candidates take turns within each round, so a burst of load from
    other processes hits all of them rather than one.
    """
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(repeats):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t0)
    return best


def _noop() -> bool:
    return True


def plain_loop(steps: list[Step], fn: Callable[[], object] = _noop) -> dict[str, bool]:
    """Floor (a): call each step in dependency order (the list is already in it)."""
    results: dict[str, bool] = {}
    for step in steps:
        if all(results[d] for d in step.depends_on):
            results[step.name] = fn() or True
    return results


def graphlib_pool(steps: list[Step], fn: Callable[[], object] = _noop) -> dict[str, object]:
    """Floor (b): TopologicalSorter + ThreadPoolExecutor(2), the textbook way."""
    sorter = graphlib.TopologicalSorter({s.name: s.depends_on for s in steps})
    sorter.prepare()
    results: dict[str, object] = {}
    with cf.ThreadPoolExecutor(2) as pool:
        running: dict[cf.Future[object], str] = {}
        while sorter.is_active():
            for name in sorter.get_ready():
                running[pool.submit(fn)] = name
            done, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
            for future in done:
                name = running.pop(future)
                results[name] = future.result()
                sorter.done(name)
    return results


def f0_run(hooks: Hooks, steps: list[Step], scheduler: str, options: SchedulerOptions) -> None:
    """One real run through the kernel engine."""
    result = run_recipe(
        hooks, Recipe(name="bench", steps=steps), scheduler=scheduler, options=options
    )
    if result.status is not RunStatus.COMPLETED:
        msg = f"benchmark run did not complete: {result.status}"
        raise RuntimeError(msg)


def measure(
    shape: str, steps: list[Step], hooks: Hooks, options: SchedulerOptions, repeats: int
) -> dict[str, Any]:
    """Every column for one shape, in microseconds per step."""
    best = best_of(
        repeats,
        {
            "local": lambda: f0_run(hooks, steps, "local", options),
            "kernel": lambda: f0_run(hooks, steps, "kernel-only", options),
            "plain": lambda: plain_loop(steps),
            "pool": lambda: graphlib_pool(steps),
        },
    )
    us = {name: seconds / len(steps) * 1e6 for name, seconds in best.items()}
    return {
        "shape": shape,
        "steps": len(steps),
        "f0_local_us": round(us["local"], 2),
        "kernel_only_us": round(us["kernel"], 2),
        "scheduler_us": round(us["local"] - us["kernel"], 2),
        "plain_loop_us": round(us["plain"], 3),
        "graphlib_tpe_us": round(us["pool"], 2),
        "ratio_vs_plain": round(us["local"] / us["plain"], 1),
        "ratio_vs_graphlib_tpe": round(us["local"] / us["pool"], 2),
    }


_COLUMNS = (
    # (title, row key, format)
    ("shape", "shape", "<16"),
    ("f0 local", "f0_local_us", ">9.1f"),
    ("kernel only", "kernel_only_us", ">12.1f"),
    ("scheduler", "scheduler_us", ">10.1f"),
    ("plain loop", "plain_loop_us", ">11.2f"),
    ("graphlib+TPE", "graphlib_tpe_us", ">13.1f"),
    ("x plain", "ratio_vs_plain", ">8.0f"),
    ("x TPE", "ratio_vs_graphlib_tpe", ">6.2f"),
)


def print_table(rows: list[dict[str, Any]], meta: dict[str, Any]) -> None:
    """The human-readable report."""
    print(
        f"f0 local scheduler, us/step, best of {meta['repeats']} "
        f"({meta['pool']} pool, workers={meta['workers']}, "
        f"Python {meta['python']}, {meta['cpus']} CPUs)"
    )
    print(" ".join(format(title, fmt.split(".")[0]) for title, _, fmt in _COLUMNS))
    for row in rows:
        print(" ".join(format(row[key], fmt) for _, key, fmt in _COLUMNS))
    print("scheduler = f0 local - kernel only; x = f0 local / floor")


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, measure every shape, print a table or JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="runs per measurement (best-of)")
    parser.add_argument("--chain", type=int, default=500, help="length of the linear chain")
    parser.add_argument("--width", type=int, default=1000, help="width of the fan-out/fan-in")
    parser.add_argument("--workers", type=int, default=2, help="local scheduler workers")
    parser.add_argument("--pool", choices=("thread", "process"), default="thread")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)

    pm = make_plugin_manager(PluginSelection(autoload=False, load=("local", "context")))
    pm.register(BenchPlugin(), name="bench")
    hooks = Hooks(pm)
    options = SchedulerOptions(workers=args.workers, pool=args.pool)
    shapes = {
        f"chain {args.chain}": chain(args.chain),
        f"fan 1->{args.width}->1": fan(args.width),
    }
    f0_run(hooks, chain(20), "local", options)  # warm up imports, caches, the pool start-up
    rows = [measure(name, steps, hooks, options, args.repeats) for name, steps in shapes.items()]
    meta = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "repeats": args.repeats,
        "workers": args.workers,
        "pool": args.pool,
    }
    if args.json:
        print(json.dumps({"meta": meta, "results": rows}, indent=2))
    else:
        print_table(rows, meta)
    return 0


if __name__ == "__main__":
    sys.exit(main())
