"""Helpers of the analytics tests: a real SQLite run store filled through its API."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from f0 import RunInfo, RunResult, RunStatus, StepRecord, StepResult, StepStatus
from f0.hooks import Hooks
from f0.testing import FIRST_PARTY_PLUGINS, make_test_plugin_manager

PLUGINS = (*FIRST_PARTY_PLUGINS, "analytics")
T0 = 1_800_000_000.0

#: a -> b, a -> c, (b, c) -> d
RECIPE = """
metadata: {name: demo}
steps:
  - {name: a, idx: 1, module: steps, function: nap}
  - {name: b, idx: 2, module: steps, function: nap, depends_on: [a]}
  - {name: c, idx: 3, module: steps, function: nap, depends_on: [a]}
  - {name: d, idx: 4, module: steps, function: nap, depends_on: [b, c]}
"""

STEPS = """
import time

def nap(context, params):
    time.sleep(params.get("seconds", 0))
"""


def hooks() -> Hooks:
    return Hooks(make_test_plugin_manager(PLUGINS))


def write_recipe(folder: Path, text: str = RECIPE, name: str = "demo.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "steps.py").write_text(textwrap.dedent(STEPS), encoding="utf-8")
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def record_run(
    store: Any,
    recipe: Any,
    run_id: str,
    steps: Mapping[str, tuple[str, float]],
    *,
    started_at: float,
    status: str = "COMPLETED",
    attempts: int = 1,
) -> None:
    """Record a run whose steps ran one after another: ``{step: (status, seconds)}``."""
    info = RunInfo(run_id=run_id, recipe=recipe, started_at=started_at)
    store.start_run(info, recipe_hash=recipe.file_hash, params={})
    now = started_at
    results: dict[str, StepResult] = {}
    for seq, (name, (step_status, seconds)) in enumerate(steps.items(), 1):
        result = StepResult(
            name=name,
            status=StepStatus(step_status),
            attempts=attempts if step_status != "SKIPPED" else 0,
            started_at=now,
            finished_at=now + seconds,
            exit_code=0 if step_status == "COMPLETED" else 1,
            error=None if step_status == "COMPLETED" else f"{name} broke",
        )
        now += seconds
        results[name] = result
        step = recipe.step(name)
        store.record_step(
            run_id,
            StepRecord(
                result=result,
                seq=seq,
                recorded_at=now,
                definition={"type": step.type, "depends_on": sorted(step.depends_on)},
            ),
        )
    store.finish_run(
        RunResult(
            run_id=run_id,
            recipe_name=recipe.name,
            recipe_path=str(recipe.path),
            status=RunStatus(status),
            steps=results,
            context={"answer": 42},
            started_at=started_at,
            finished_at=now,
        )
    )
