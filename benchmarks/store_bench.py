"""Per-step cost of recording runs in the SQLite run store (f0-plugin-store).

Run with ``nox -s bench`` or ``python benchmarks/store_bench.py [--json]``.

In one process, best of ``--repeats`` rounds (candidates take turns within a
round), microseconds per step:

``in-memory``      ``f0.engine.run_recipe`` on a chain of ``--chain`` no-op steps
                   with the ``local`` scheduler and no run store
``sqlite store``   the same run with a ``SqliteRunStore`` on a real file in a
                   temporary folder: ``start_run``, one ``record_step``
                   transaction per step, ``finish_run``
``record_step``    ``SqliteRunStore.record_step`` alone (one transaction,
                   a small delta), the store's floor per step

and, separately, the time to resume a ``--resume-steps`` chain whose last step
failed (resolve ``last``, load the run, replay every recorded delta, run the
one remaining step). Goals (issue 5): sqlite <= 3x in-memory and <= 300 us/step;
resume of 1,000 steps with 999 done under 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from f0 import (
    Delta,
    Recipe,
    RunStatus,
    SchedulerOptions,
    Step,
    StepOutcome,
    StepRecord,
    StepResult,
    StepStatus,
    hookimpl,
)
from f0.engine import run_recipe
from f0.hooks import Hooks
from f0.manager import PluginSelection, make_plugin_manager
from f0_store import SqliteRunStore

_OK = StepOutcome(success=True)
FLAKY = {"fail": True}


class NoopRunner:
    """Steps that do nothing and succeed (type ``noop``), or fail while FLAKY says so (``flaky``)."""

    option_keys: frozenset[str] = frozenset()

    def __init__(self, flaky: bool = False) -> None:
        self.flaky = flaky

    def prepare(self, step: Step, recipe: Recipe) -> list[Any]:  # noqa: ARG002 - protocol
        return []

    def run(self, step: Step, context: Any, env: Any) -> StepOutcome:  # noqa: ARG002 - protocol
        if self.flaky and FLAKY["fail"]:
            return StepOutcome(success=False, error="flaky")
        return _OK


class BenchPlugin:
    @hookimpl
    def f0_step_runner(self, step_type: str) -> NoopRunner | None:
        if step_type in {"noop", "flaky"}:
            return NoopRunner(flaky=step_type == "flaky")
        return None


def chain(n: int, last: str = "noop") -> Recipe:
    steps = [
        Step(
            name=f"s{i}",
            idx=i,
            type=last if i == n - 1 else "noop",
            depends_on=[f"s{i - 1}"] if i else [],
        )
        for i in range(n)
    ]
    return Recipe(name="bench", steps=steps, path=Path("bench.yaml"))


def best_of(repeats: int, fns: dict[str, Any]) -> dict[str, float]:
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(repeats):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t0)
    return best


def measure(hooks: Hooks, folder: Path, n: int, repeats: int, workers: int) -> dict[str, Any]:
    recipe = chain(n)
    options = SchedulerOptions(workers=workers)
    store = SqliteRunStore(folder / "bench.db")
    counter = iter(range(10**9))

    def in_memory() -> None:
        result = run_recipe(hooks, recipe, options=options)
        assert result.status is RunStatus.COMPLETED

    def with_store() -> None:
        result = run_recipe(hooks, recipe, options=options, store=store)
        assert result.status is RunStatus.COMPLETED

    def record_only() -> None:
        run_id = f"rec-{next(counter)}"
        now = time.time()
        for i in range(n):
            store.record_step(
                run_id,
                StepRecord(
                    result=StepResult(
                        name=f"s{i}",
                        status=StepStatus.COMPLETED,
                        attempts=1,
                        started_at=now,
                        finished_at=now,
                    ),
                    delta=Delta(changes={f"k{i}": i}, who=f"s{i}"),
                    fingerprint="0" * 64,
                    seq=i + 1,
                    recorded_at=now,
                ),
            )

    # record_step needs its run row (steps reference runs): create them up front.
    from f0 import RunInfo

    for k in range(repeats):
        info = RunInfo(run_id=f"rec-{k}", recipe=recipe, started_at=time.time())
        store.start_run(info, recipe_hash="", params={})
    in_memory()  # warm-up: imports, the thread pool, the file
    with_store()
    best = best_of(repeats, {"memory": in_memory, "sqlite": with_store, "record": record_only})
    store.close()
    us = {k: v / n * 1e6 for k, v in best.items()}
    return {
        "steps": n,
        "in_memory_us": round(us["memory"], 1),
        "sqlite_store_us": round(us["sqlite"], 1),
        "store_overhead_us": round(us["sqlite"] - us["memory"], 1),
        "ratio": round(us["sqlite"] / us["memory"], 2),
        "record_step_us": round(us["record"], 1),
    }


def measure_resume(hooks: Hooks, folder: Path, n: int, repeats: int) -> dict[str, Any]:
    recipe = chain(n, last="flaky")
    store = SqliteRunStore(folder / "resume.db")
    FLAKY["fail"] = True
    failed = run_recipe(hooks, recipe, store=store)
    assert failed.status is RunStatus.FAILED
    FLAKY["fail"] = False
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        record = store.get_run(store.resolve_run(failed.run_id))
        assert record is not None
        result = run_recipe(hooks, recipe, store=store, resume=record)
        best = min(best, time.perf_counter() - t0)
        assert result.status is RunStatus.COMPLETED
        assert result.steps["s0"].attempts == 0
    store.close()
    return {"steps": n, "done": n - 1, "resume_s": round(best, 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chain", type=int, default=500, help="steps in the chain")
    parser.add_argument("--resume-steps", type=int, default=1000, help="steps of the resumed run")
    parser.add_argument("--repeats", type=int, default=7, help="rounds (best-of)")
    parser.add_argument("--workers", type=int, default=2, help="local scheduler workers")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)

    pm = make_plugin_manager(PluginSelection(autoload=False, load=("local", "context")))
    pm.register(BenchPlugin(), name="bench")
    hooks = Hooks(pm)
    with tempfile.TemporaryDirectory(prefix="f0-store-bench-") as tmp:
        row = measure(hooks, Path(tmp), args.chain, args.repeats, args.workers)
        resume = measure_resume(hooks, Path(tmp), args.resume_steps, min(args.repeats, 3))
    meta = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "repeats": args.repeats,
        "workers": args.workers,
    }
    if args.json:
        print(json.dumps({"meta": meta, "run": row, "resume": resume}, indent=2))
        return 0
    print(
        f"chain of {row['steps']} no-op steps, us/step, best of {meta['repeats']} "
        f"(Python {meta['python']}, {meta['cpus']} CPUs, workers={meta['workers']})"
    )
    print(f"  in-memory      {row['in_memory_us']:>8.1f}")
    print(
        f"  sqlite store   {row['sqlite_store_us']:>8.1f}   "
        f"(+{row['store_overhead_us']:.1f}, x{row['ratio']:.2f}; goal <= 3x and <= 300)"
    )
    print(f"  record_step    {row['record_step_us']:>8.1f}   (one transaction, alone)")
    print(
        f"resume of {resume['steps']} steps with {resume['done']} done: "
        f"{resume['resume_s']:.3f} s (goal < 1 s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
