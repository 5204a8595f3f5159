"""The dask scheduler against the local one, and f0's per-step cost on Dask against Dask's floor.

Two measurements, in one run, on clusters this script starts on 127.0.0.1
(their start-up is not timed):

1. **Sleep steps**: ``--steps`` (200) independent python steps that each
   ``time.sleep(0.05)``: the ``local`` scheduler with 2 worker threads, then
   the ``dask`` scheduler on a cluster of 2 and of 4 worker processes (one
   thread each). The ideal is ``steps x 0.05 s / workers``.
2. **Overhead per step**: the same number of no-op python steps on the
   2-worker cluster through f0 (``f0.engine.run_recipe``, scheduler
   ``dask``), against Dask's own floor on that cluster: ``client.submit`` of
   the same number of no-op tasks and waiting for all of them (fan), and a
   chain where each task depends on the one before (chain).

Best of ``--repeats`` rounds. Usage::

    python benchmarks/dask_bench.py [--steps 200] [--repeats 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

from f0 import RunStatus, SchedulerOptions
from f0.engine import run_recipe
from f0.hooks import Hooks
from f0.manager import PluginSelection, make_plugin_manager

STEPS_PY = """
import time

def nap(seconds):
    time.sleep(seconds)

def noop():
    return None
"""

SLEEP_S = 0.05


def _noop(*_: Any) -> None:
    return None


def write_recipe(folder: Path, name: str, steps: int, *, chain: bool, sleep: float | None) -> Path:
    """A recipe of *steps* python steps (``nap`` if *sleep*, else ``noop``), independent or a chain."""
    lines = [f"metadata: {{name: {name}}}", "steps:"]
    for n in range(steps):
        call = f"function: nap, args: [{sleep}]" if sleep else "function: noop"
        after = f", depends_on: [s{n - 1}]" if chain and n else ""
        lines.append(f"  - {{name: s{n}, idx: {n + 1}, module: steps, {call}{after}}}")
    path = folder / f"{name}.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def timed_run(hooks: Hooks, recipe_path: Path, scheduler: str, options: SchedulerOptions) -> float:
    recipe = hooks.load_recipe(recipe_path)
    start = time.perf_counter()
    result = run_recipe(hooks, recipe, scheduler=scheduler, options=options)
    seconds = time.perf_counter() - start
    if result.status is not RunStatus.COMPLETED:
        msg = f"benchmark run did not complete: {result.status}"
        raise RuntimeError(msg)
    return seconds


def dask_floor(client: Any, steps: int, *, chain: bool) -> float:
    """Dask alone: *steps* no-op tasks submitted one by one, all waited for."""
    start = time.perf_counter()
    if chain:
        future = client.submit(_noop, 0, pure=False)
        for _ in range(steps - 1):
            future = client.submit(_noop, future, pure=False)
        future.result()
    else:
        futures = [client.submit(_noop, n, pure=False) for n in range(steps)]
        client.gather(futures)
    return time.perf_counter() - start


def best_of(repeats: int, fn: Any) -> float:
    """The shortest of *repeats* timings of ``fn()``."""
    return float(min(fn() for _ in range(repeats)))


def on_cluster(
    hooks: Hooks, workers: int, recipes: dict[str, Path], steps: int, repeats: int
) -> dict[str, float]:
    """Time the sleep recipe (and, for 2 workers, the overhead pairs) on a fresh LocalCluster."""
    from distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True,
        host="127.0.0.1", dashboard_address=None, silence_logs=logging.ERROR,
    )  # fmt: skip
    client = Client(cluster, set_as_default=False)
    options = SchedulerOptions(
        extra={"dask_address": cluster.scheduler_address, "dask_shared": True}
    )
    rows: dict[str, float] = {}
    try:
        rows[f"sleep: dask, {workers} workers"] = best_of(
            repeats, lambda: timed_run(hooks, recipes["sleepy"], "dask", options)
        )
        if workers == 2:
            for shape in ("fan", "chain"):
                rows[f"noop {shape}: f0 on dask"] = best_of(
                    repeats,
                    lambda: timed_run(hooks, recipes[shape], "dask", options),  # noqa: B023
                )
                rows[f"noop {shape}: client.submit"] = best_of(
                    repeats,
                    lambda: dask_floor(client, steps, chain=shape == "chain"),  # noqa: B023
                )
    finally:
        client.close()
        cluster.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    warnings.simplefilter("ignore")  # dask's own start-up chatter is not what we measure
    pm = make_plugin_manager(
        PluginSelection(autoload=True, load=("yaml", "python", "local", "context", "dask"))
    )
    hooks = Hooks(pm)
    rows: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="f0-dask-bench-") as tmp:
        folder = Path(tmp)
        (folder / "steps.py").write_text(STEPS_PY, encoding="utf-8")
        recipes = {
            "sleepy": write_recipe(folder, "sleepy", args.steps, chain=False, sleep=SLEEP_S),
            "fan": write_recipe(folder, "noop_fan", args.steps, chain=False, sleep=None),
            "chain": write_recipe(folder, "noop_chain", args.steps, chain=True, sleep=None),
        }
        rows["sleep: local, 2 threads"] = best_of(
            args.repeats,
            lambda: timed_run(hooks, recipes["sleepy"], "local", SchedulerOptions(workers=2)),
        )
        for workers in (2, 4):
            rows.update(on_cluster(hooks, workers, recipes, args.steps, args.repeats))

    meta = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "steps": args.steps,
        "repeats": args.repeats,
        "sleep_s": SLEEP_S,
    }
    per_step = {
        shape: {
            "f0_ms": rows[f"noop {shape}: f0 on dask"] / args.steps * 1e3,
            "dask_ms": rows[f"noop {shape}: client.submit"] / args.steps * 1e3,
        }
        for shape in ("fan", "chain")
    }
    if args.json:
        json.dump({"meta": meta, "seconds": rows, "per_step": per_step}, sys.stdout, indent=2)
        print()
        return
    ideal = args.steps * SLEEP_S
    print(
        f"{args.steps} steps, best of {args.repeats}; python {meta['python']}, {meta['cpus']} CPUs"
    )
    for name, seconds in rows.items():
        if name.startswith("sleep"):
            workers = 4 if "4 workers" in name else 2
            print(f"  {name:<28} {seconds:7.2f} s   (ideal {ideal / workers:.2f} s)")
    for shape, figures in per_step.items():
        f0_ms, dask_ms = figures["f0_ms"], figures["dask_ms"]
        print(
            f"  per step, {shape:<5}: f0 on dask {f0_ms:6.2f} ms, client.submit {dask_ms:6.2f} ms, "
            f"f0 adds {f0_ms - dask_ms:6.2f} ms ({f0_ms / dask_ms:.1f}x)"
        )


if __name__ == "__main__":
    main()
