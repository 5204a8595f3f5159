"""Worker: f0 in-process through the kernel API (load, validate, run), threads or processes.

The recipe is the same generated YAML file the CLI runs; all installed plugins
load as in ``f0 run`` (``PluginSelection.from_env()``); no run store. The clock
covers load + validate + run.
"""

from __future__ import annotations

import time
from typing import Any

import shapes
from f0 import SchedulerOptions
from f0.engine import run_recipe
from f0.hooks import Hooks
from f0.manager import PluginSelection, make_plugin_manager
from f0.validate import validate_recipe

HOOKS = Hooks(make_plugin_manager(PluginSelection.from_env()))


def run_one(case: dict[str, Any]) -> float:
    pool = {"threads": "thread", "processes": "process"}[case["variant"]]
    t0 = time.perf_counter()
    recipe = HOOKS.load_recipe(case["recipe"])
    problems = [p for p in validate_recipe(HOOKS, recipe) if p.is_error]
    assert not problems, problems[:3]
    options = SchedulerOptions(workers=shapes.WORKERS, pool=pool)
    result = run_recipe(HOOKS, recipe, options=options)
    run_s = time.perf_counter() - t0
    assert result.status.name == "COMPLETED", result.status
    assert len(result.steps) == len(case["graph"])
    return run_s


if __name__ == "__main__":
    shapes.run_cases(run_one)
