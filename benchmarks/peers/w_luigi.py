"""Worker: Luigi with its local scheduler, 1 worker (in-process; more workers fork per task).

One ``Step`` task class, parameterised by name; ``requires`` follows the graph;
``complete`` reads an in-memory set (no output files), so the cost measured is
Luigi's scheduling, not the file system. The clock covers ``luigi.build`` of
every sink.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import luigi
import shapes

DEPS: dict[str, list[str]] = {}
DONE: set[str] = set()
FN: list[Callable[..., None]] = []


class Step(luigi.Task):
    name = luigi.Parameter()

    def requires(self) -> list[Step]:
        return [Step(name=d) for d in DEPS[self.name]]

    def complete(self) -> bool:
        return self.name in DONE

    def run(self) -> None:
        FN[0]()
        DONE.add(self.name)


def run_one(case: dict[str, Any]) -> float:
    DEPS.clear()
    DEPS.update(case["graph"])
    DONE.clear()
    FN[:] = [shapes.step_fn(case["sleep_s"])]
    t0 = time.perf_counter()
    ok = luigi.build(
        [Step(name=s) for s in shapes.sinks(case["graph"])],
        local_scheduler=True,
        workers=1,
        log_level="WARNING",
        detailed_summary=False,
    )
    run_s = time.perf_counter() - t0
    assert ok, "luigi.build failed"
    assert len(DONE) == len(DEPS), (len(DONE), len(DEPS))
    return run_s


if __name__ == "__main__":
    logging.getLogger("luigi-interface").setLevel(logging.WARNING)
    shapes.run_cases(run_one)
