"""Worker: doit, tasks from a dict loader; ``-n 2 -P thread``; its state DB in a temp folder.

Each step is a task (``basename``) with a Python action and ``task_dep`` on its
dependencies; no file_dep or targets, so every task runs. The clock covers one
``doit run`` (load tasks, build the graph, run, save the DB).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import shapes
from doit.cmd_base import ModuleTaskLoader
from doit.doit_cmd import DoitMain


def run_one(case: dict[str, Any]) -> float:
    fn = shapes.step_fn(case["sleep_s"])

    def task_steps() -> Any:
        for name, deps in case["graph"]:
            yield {"basename": name, "actions": [(fn,)], "task_dep": deps, "verbosity": 0}

    db = Path(case["tmp"]) / f"doit-{case['id']}.db"
    argv = ["run", "--db-file", str(db), "-n", str(shapes.WORKERS), "-P", "thread"]
    t0 = time.perf_counter()
    rc = DoitMain(ModuleTaskLoader({"task_steps": task_steps})).run(
        [*argv, "--verbosity", "0", "--reporter", "zero"]
    )
    run_s = time.perf_counter() - t0
    assert rc == 0, rc
    return run_s


if __name__ == "__main__":
    shapes.run_cases(run_one)
