"""The run flow: plan, open the context, decide, schedule, persist, observe.

Loading and validating happen before this (see :mod:`f0.validate`); this
module starts from a valid recipe. With a run store, each step is recorded
as it completes; steps whose outcome can be reused (``cache: true`` with an
unchanged fingerprint, or completed in the run being resumed) are not
scheduled: their recorded deltas are replayed instead.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Mapping
from contextlib import closing
from typing import TYPE_CHECKING, Any

import attrs

from f0.context import Context, normalize_value
from f0.log import run_log_context
from f0.model import Recipe, RunInfo, RunResult, RunStatus, SchedulerOptions, StepResult, StepStatus
from f0.plan import Plan, build_plan
from f0.session import RunSession, StoreRecorder

if TYPE_CHECKING:
    import threading
    from collections.abc import Callable

    from f0.decisions import Decision
    from f0.hooks import Hooks
    from f0.model import Step
    from f0.records import RunRecord
    from f0.stores import RunStore

__all__ = ["initial_context", "new_run_id", "run_recipe", "run_status"]


#: Characters of a run id's random part (36**4: 1.7 million ids per second).
_ID_CHARS = "0123456789abcdefghijklmnopqrstuvwxyz"


def new_run_id() -> str:
    """A short, sortable, unique run id: ``20261204-153012-a1b2`` (20 characters).

    The time to the second, then four random characters; ids of older f0
    versions (six hex characters) stay valid everywhere an id is accepted.
    """
    suffix = "".join(secrets.choice(_ID_CHARS) for _ in range(4))
    return time.strftime("%Y%m%d-%H%M%S") + "-" + suffix


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


def _recipe_keys(recipe: Recipe, started_at: float) -> dict[str, Any]:
    """The spec's ``recipe.*`` keys, written before the first step."""
    return {
        "recipe.path": str(recipe.path) if recipe.path else None,
        "recipe.name": recipe.name,
        "recipe.version": str(recipe.metadata.get("version", "1.0")),
        "recipe.started_at": started_at,
    }


def _seed_values(seed: Mapping[str, Any] | None) -> dict[str, Any]:
    # Seed values come from callers too, not only --set: store them as JSON like Context.set.
    return {key: normalize_value(key, value) for key, value in (seed or {}).items()}


def initial_context(
    recipe: Recipe, seed: Mapping[str, Any] | None, started_at: float
) -> dict[str, Any]:
    """The context before the first step: ``recipe.*`` keys, then *seed* (``--set``)."""
    return {**_recipe_keys(recipe, started_at), **_seed_values(seed)}


def _remaining(recipe: Recipe, done: set[str]) -> Recipe:
    """*recipe* without the *done* steps, and without dependencies on them."""
    if not done:
        return recipe
    steps = [
        attrs.evolve(s, depends_on=[d for d in s.depends_on if d not in done])
        if done.intersection(s.depends_on)
        else s
        for s in recipe.steps
        if s.name not in done
    ]
    return attrs.evolve(recipe, steps=steps)


def _replayed(
    order: tuple[Step, ...], decisions: Mapping[str, Decision], resume: RunRecord | None
) -> list[Step]:
    """DONE steps in their recorded completion order, then CACHED ones in plan order."""
    done = [s for s in order if decisions[s.name].action == "DONE"]
    if resume is not None:
        done.sort(key=lambda s: resume.steps[s.name].seq)
    return done + [s for s in order if decisions[s.name].action == "CACHED"]


def run_recipe(
    hooks: Hooks,
    recipe: Recipe,
    *,
    scheduler: str = "local",
    options: SchedulerOptions | None = None,
    context_url: str = "memory://",
    seed: Mapping[str, Any] | None = None,
    run_id: str | None = None,
    store: RunStore | None = None,
    resume: RunRecord | None = None,
    force: bool = False,
    use_cache: bool = True,
    cancel_event: threading.Event | None = None,
    on_decisions: Callable[[Mapping[str, Decision]], None] | None = None,
    correlation_id: str | None = None,
) -> RunResult:
    """Run a *valid* recipe to the end and return its result.

    *seed* values are put into the context before the first step (``--set``).
    With *store*, every step is recorded as it completes and ``cache: true``
    steps may be reused; with *resume* (a recorded run), its completed steps
    are replayed instead of run (:class:`~f0.errors.ResumeRefusedError`
    if one changed, unless *force*). Which steps run, are replayed or reuse
    the cache is the ``f0_step_decisions`` plugin's call (f0-plugin-cache);
    *on_decisions* is told the decisions before the first step starts. Ctrl-C
    cancels: steps not yet finished end CANCELLED, and so does setting
    *cancel_event* (from any thread). While the run is active, every log event
    carries its ``run_id``, ``recipe`` and *correlation_id* (default:
    ``F0_CORRELATION_ID`` or a fresh id), and events of a step attempt its
    ``step`` and ``attempt``.
    """
    options = options or SchedulerOptions()
    full_plan = build_plan(recipe)
    if resume is not None:
        seed = {**resume.params, **(seed or {})}
    info = RunInfo(
        run_id=run_id or new_run_id(),
        recipe=recipe,
        started_at=time.time(),
        scheduler=scheduler,
        options=options.extra,
        store_url=store.url if store is not None else None,
        **_correlation(correlation_id),
    )
    with run_log_context(info.run_id, recipe.name, info.correlation_id):
        return _run(
            hooks,
            recipe,
            info,
            full_plan,
            sched_name=scheduler,
            options=options,
            seed=seed,
            context_url=context_url,
            store=store,
            resume=resume,
            force=force,
            use_cache=use_cache,
            cancel_event=cancel_event,
            on_decisions=on_decisions,
        )


def _correlation(given: str | None) -> dict[str, str]:
    # Absent: RunInfo makes a fresh one.
    found = given or os.environ.get("F0_CORRELATION_ID")
    return {"correlation_id": found} if found else {}


def _run(
    hooks: Hooks,
    recipe: Recipe,
    info: RunInfo,
    full_plan: Plan,
    *,
    sched_name: str,
    options: SchedulerOptions,
    seed: Mapping[str, Any] | None,
    context_url: str,
    store: RunStore | None,
    resume: RunRecord | None,
    force: bool,
    use_cache: bool,
    cancel_event: threading.Event | None,
    on_decisions: Callable[[Mapping[str, Decision]], None] | None,
) -> RunResult:
    recipe_keys = _recipe_keys(recipe, info.started_at)
    seed_values = _seed_values(seed)  # a bad seed fails before anything else
    # Plugins' starting values (f0_context_seed) come first: recipe.* and --set win.
    seeded = [(name, _seed_values(values)) for name, values in hooks.context_seed(info)]
    initial = {k: v for _, values in seeded for k, v in values.items()}
    initial.update(recipe_keys)
    initial.update(seed_values)
    sched = hooks.scheduler(sched_name, options)
    decisions = hooks.step_decisions(
        recipe,
        full_plan.order,
        initial=initial,
        store=store,
        use_cache=use_cache,
        resume=resume,
        force=force,
    )
    if on_decisions is not None:
        on_decisions(decisions)
    replay = _replayed(full_plan.order, decisions, resume)
    remaining = _remaining(recipe, {s.name for s in replay})
    plan: Plan = build_plan(remaining) if replay else full_plan
    context = Context(store=hooks.context_store(context_url))
    with closing(context):  # the store is closed even when a scheduler or observer raises
        for name, values in seeded:
            context.apply_changes(values, who=name)
        context.apply_changes(recipe_keys, who="f0")
        context.apply_changes(seed_values, who="cli")
        recorder = None
        if store is not None:
            fingerprints = {n: d.fingerprint for n, d in decisions.items()}
            recorder = StoreRecorder(store, fingerprints=fingerprints, recipe=recipe)
            recorder.start(
                info,
                params=dict(seed or {}),
                resumed_from=resume.run_id if resume is not None else None,
            )
        session = RunSession(
            hooks=hooks,
            recipe=remaining,
            plan=plan,
            context=context,
            info=info,
            options=options,
            recorder=recorder,
            cancel_event=cancel_event,
        )
        hooks.run_started(info)
        for step in replay:
            decision = decisions[step.name]
            status = StepStatus.CACHED if decision.action == "CACHED" else StepStatus.COMPLETED
            now = time.time()
            session.finished(
                step,
                StepResult(
                    name=step.name,
                    status=status,
                    attempts=0,
                    started_at=now,
                    finished_at=now,
                    exit_code=0,
                    result=decision.result,
                ),
                decision.delta,
            )
        try:
            sched.run(session)
        except KeyboardInterrupt:
            session.cancel()
        # A scheduler interrupted by Ctrl-C may leave steps unreported. (Any other
        # exception is a bug and propagates; observers are not called again then.)
        for step in plan.order:
            if step.name not in session.results:
                session.skip(step, "run cancelled before the step finished", StepStatus.CANCELLED)
        results = {s.name: session.results[s.name] for s in full_plan.order}
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
            resumed_from=resume.run_id if resume is not None else None,
            replayed=tuple(s.name for s in replay if decisions[s.name].action == "DONE"),
        )
        if recorder is not None:
            recorder.finish(result)
        hooks.run_finished(info, result)
    problem = recorder.not_recorded() if recorder is not None else None
    if problem is not None:
        from f0.errors import StoreError

        error = StoreError(problem)
        error.result = result
        raise error
    return result
