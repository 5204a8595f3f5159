"""The run flow: plan, open the context, schedule, observe.

Loading and validating happen before this (see :mod:`f0.validate`); this
module starts from a valid recipe.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from contextlib import closing
from typing import TYPE_CHECKING, Any

from f0.context import Context, normalize_value
from f0.model import Delta, RunInfo, RunResult, RunStatus, SchedulerOptions, StepResult, StepStatus
from f0.plan import build_plan
from f0.session import RunSession

if TYPE_CHECKING:
    from f0.hooks import Hooks
    from f0.model import Recipe

__all__ = ["new_run_id", "run_recipe", "run_status"]


def new_run_id() -> str:
    """A sortable, unique run id: ``20261126-125001-3fa2c1``."""
    return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)


def run_status(
    results: Mapping[str, StepResult], *, cancelled: bool, continue_on_error: bool
) -> RunStatus:
    """The run's status from its steps' results."""
    statuses = {r.status for r in results.values()}
    if cancelled or StepStatus.CANCELLED in statuses:
        return RunStatus.CANCELLED
    if StepStatus.FAILED in statuses:
        return RunStatus.PARTIAL if continue_on_error else RunStatus.FAILED
    return RunStatus.COMPLETED


def run_recipe(
    hooks: Hooks,
    recipe: Recipe,
    *,
    scheduler: str = "local",
    options: SchedulerOptions | None = None,
    context_url: str = "memory://",
    seed: Mapping[str, Any] | None = None,
    run_id: str | None = None,
) -> RunResult:
    """Run a *valid* recipe to the end and return its result.

    *seed* values are put into the context before the first step (``--set``).
    Ctrl-C cancels: steps not yet finished end CANCELLED.
    """
    options = options or SchedulerOptions()
    plan = build_plan(recipe)
    # Seed values come from callers too, not only --set: store them as JSON like Context.set.
    seed_changes = {key: normalize_value(key, value) for key, value in (seed or {}).items()}
    sched = hooks.scheduler(scheduler, options)
    context = Context(store=hooks.context_store(context_url))
    with closing(context):  # the store is closed even when a scheduler or observer raises
        info = RunInfo(
            run_id=run_id or new_run_id(),
            recipe=recipe,
            started_at=time.time(),
            scheduler=scheduler,
        )
        context.apply_delta(
            Delta(
                changes={
                    "recipe.path": str(recipe.path) if recipe.path else None,
                    "recipe.name": recipe.name,
                    "recipe.version": str(recipe.metadata.get("version", "1.0")),
                    "recipe.started_at": info.started_at,
                }
            ),
            who="f0",
        )
        if seed_changes:
            context.apply_delta(Delta(changes=seed_changes), who="cli")
        session = RunSession(
            hooks=hooks, recipe=recipe, plan=plan, context=context, info=info, options=options
        )
        hooks.run_started(info)
        try:
            sched.run(session)
        except KeyboardInterrupt:
            session.cancel()
        # A scheduler interrupted by Ctrl-C may leave steps unreported. (Any other
        # exception is a bug and propagates; observers are not called again then.)
        for step in plan.order:
            if step.name not in session.results:
                session.skip(step, "run cancelled before the step finished", StepStatus.CANCELLED)
        results = {s.name: session.results[s.name] for s in plan.order}
        result = RunResult(
            run_id=info.run_id,
            recipe_name=recipe.name,
            recipe_path=str(recipe.path) if recipe.path else None,
            status=run_status(
                results, cancelled=session.cancelled, continue_on_error=options.continue_on_error
            ),
            steps=results,
            context=context.snapshot(),  # the run is over: nothing mutates these values now
            started_at=info.started_at,
            finished_at=time.time(),
        )
        hooks.run_finished(info, result)
    return result
