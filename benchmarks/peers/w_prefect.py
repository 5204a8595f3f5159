"""Worker: Prefect 3, a flow whose tasks are submitted to ThreadPoolTaskRunner(2).

Offline and local: PREFECT_HOME is a temp folder (the harness sets it and the
other settings), the API is Prefect's ephemeral server on SQLite in that
folder, telemetry and result persistence are off, tasks use
``cache_policy=NO_CACHE``. Each step is submitted with ``wait_for`` its
dependencies' futures. A one-task flow runs first, before any clock, so the
server is up; each clock covers one flow run.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import shapes
from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import wait
from prefect.task_runners import ThreadPoolTaskRunner


@flow(
    task_runner=ThreadPoolTaskRunner(max_workers=shapes.WORKERS),
    persist_result=False,
    log_prints=False,
)
def dag(graph: list[tuple[str, list[str]]], sleep_s: float) -> int:
    step = task(shapes.step_fn(sleep_s), name="step", cache_policy=NO_CACHE, persist_result=False)
    futures: dict[str, Any] = {}
    for name, deps in graph:
        futures[name] = step.with_options(task_run_name=name).submit(
            wait_for=[futures[d] for d in deps]
        )
    done, not_done = wait(list(futures.values()))
    assert not not_done
    failed = [f for f in done if not f.state.is_completed()]
    assert not failed, failed[:3]
    return len(done)


def run_one(case: dict[str, Any]) -> float:
    t0 = time.perf_counter()
    n = dag(case["graph"], case["sleep_s"])
    run_s = time.perf_counter() - t0
    assert n == len(case["graph"])
    return run_s


if __name__ == "__main__":
    logging.getLogger("prefect").setLevel(logging.WARNING)
    dag([("warmup", [])], 0.0)
    shapes.run_cases(run_one)
