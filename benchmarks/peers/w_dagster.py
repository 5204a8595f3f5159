"""Worker: Dagster, one job per graph, ``execute_in_process`` on an ephemeral instance.

One op definition (a ``Nothing`` fan-in input ``after``) invoked once per step
under the step's name; dependencies are ``MultiDependencyDefinition``s. The
in-process executor runs ops one at a time. DAGSTER_HOME is a temp folder.
The clock covers building the job and running it.
"""

from __future__ import annotations

import time
from typing import Any

import shapes
from dagster import (
    DagsterInstance,
    DependencyDefinition,
    GraphDefinition,
    In,
    MultiDependencyDefinition,
    NodeInvocation,
    Nothing,
    op,
)

INSTANCE = DagsterInstance.ephemeral()


def run_one(case: dict[str, Any]) -> float:
    fn = shapes.step_fn(case["sleep_s"])
    t0 = time.perf_counter()

    @op(name="step", ins={"after": In(Nothing)})
    def step() -> None:
        fn()

    deps: dict[Any, Any] = {}
    for name, after in case["graph"]:
        node = NodeInvocation("step", alias=name)
        deps[node] = (
            {"after": MultiDependencyDefinition([DependencyDefinition(d) for d in after])}
            if after
            else {}
        )
    job = GraphDefinition(name="dag", node_defs=[step], dependencies=deps).to_job()
    result = job.execute_in_process(instance=INSTANCE)
    run_s = time.perf_counter() - t0
    assert result.success
    return run_s


if __name__ == "__main__":
    shapes.run_cases(run_one)
