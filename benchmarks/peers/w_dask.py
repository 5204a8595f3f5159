"""Worker: Dask, a raw task graph ``{name: (fn, *deps)}``; sync, threads(2) or LocalCluster(2x1).

The LocalCluster (2 worker processes, 1 thread each, no dashboard) starts once,
before the first clock; each clock covers one ``get`` of every key.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

import shapes

CLIENT: Any = None


def run_one(case: dict[str, Any]) -> float:
    fn = shapes.step_fn(case["sleep_s"])
    dsk = {name: (fn, *deps) for name, deps in case["graph"]}
    keys = [name for name, _ in case["graph"]]
    if case["variant"] == "sync":
        import dask

        get = dask.get
    elif case["variant"] == "threads":
        from dask.threaded import get as threaded_get

        def get(dsk: Any, keys: Any) -> Any:
            return threaded_get(dsk, keys, num_workers=shapes.WORKERS)
    else:
        get = CLIENT.get
    t0 = time.perf_counter()
    results = get(dsk, keys)
    run_s = time.perf_counter() - t0
    assert len(results) == len(keys)
    return run_s


def main() -> None:
    global CLIENT  # noqa: PLW0603 - one cluster per worker process
    with contextlib.ExitStack() as stack:
        if '"cluster"' in __import__("sys").argv[1]:
            from dask.distributed import Client, LocalCluster

            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=shapes.WORKERS,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                )
            )
            CLIENT = stack.enter_context(Client(cluster))
        shapes.run_cases(run_one)


if __name__ == "__main__":
    main()
