"""Records and runs for the store tests (importable by worker processes too)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from f0 import Delta, Recipe, RunInfo, Step, StepRecord, StepResult, StepStatus

T0 = 1_800_000_000.0


def recipe(name: str = "r", steps: list[str] | None = None, path: str = "recipe.yaml") -> Recipe:
    names = steps if steps is not None else ["a", "b", "c"]
    return Recipe(
        name=name, steps=[Step(name=n, idx=i) for i, n in enumerate(names, 1)], path=Path(path)
    )


def start(store: Any, run_id: str, *, started_at: float = T0, **kwargs: Any) -> RunInfo:
    info = RunInfo(run_id=run_id, recipe=recipe(**kwargs), started_at=started_at)
    store.start_run(info, recipe_hash="h", params={})
    return info


def record(
    name: str,
    status: str = "COMPLETED",
    *,
    seq: int = 0,
    changes: dict[str, Any] | None = None,
    removed: tuple[str, ...] = (),
    attempts: int = 1,
    error: str | None = None,
) -> StepRecord:
    now = time.time()
    return StepRecord(
        result=StepResult(
            name=name,
            status=StepStatus(status),
            attempts=attempts,
            started_at=now,
            finished_at=now + 0.001,
            error=error,
        ),
        delta=Delta(changes=changes or {}, removed=removed, who=name),
        seq=seq,
    )
