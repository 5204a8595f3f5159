"""One attempt of one step, the same for every scheduler.

:func:`run_attempt` calls the step runner, turns an escaped exception into a
failed outcome and applies the step's ``success_criteria``. It runs wherever
the step runs (a thread, a worker process, a remote worker), so it only
touches its arguments.
"""

from __future__ import annotations

import reprlib
import traceback
from typing import TYPE_CHECKING

import attrs

from f0.log import RUN_IDS, apply_log_config, current_log_config
from f0.model import StepOutcome

if TYPE_CHECKING:
    from collections.abc import Callable

    from f0.context import StepContext
    from f0.model import Step
    from f0.protocols import AttemptWrapper, StepEnv, StepRunner

__all__ = ["check_success_criteria", "frame_locals", "run_attempt"]

#: At most this many locals are kept of a failing frame (``f0 run --trace``).
MAX_LOCALS = 50
_repr = reprlib.Repr()
# Short enough to store a failing frame of every step, long enough to recognise a value.
_repr.maxstring = 200
_repr.maxother = 200
_repr.maxlist = _repr.maxtuple = _repr.maxset = _repr.maxdict = 20
_repr.maxlevel = 3


def frame_locals(exc: BaseException) -> dict[str, str]:
    """``repr`` of each local variable of the frame *exc* was raised in (size-capped).

    The innermost frame of the traceback is where the step failed; reprs are
    cut (``reprlib``) so a huge value cannot blow up the run store; a broken
    ``__repr__`` gives ``<Type instance at 0x...>`` (reprlib's fallback). Called
    only under ``f0 run --trace``.
    """
    tb = exc.__traceback__
    if tb is None:
        return {}
    while tb.tb_next is not None:
        tb = tb.tb_next
    names = list(tb.tb_frame.f_locals.items())[:MAX_LOCALS]
    return {name: _repr.repr(value) for name, value in names}


def run_attempt(runner: StepRunner, step: Step, context: StepContext, env: StepEnv) -> StepOutcome:
    """Make one attempt of *step*; never raises for the step's own failures.

    While it runs, log events carry the run's ids (:mod:`f0.log`) and the
    plugins' ``env.wrappers`` (``f0_attempt_wrappers``) surround it.
    """
    if not env.correlation_id and not env.wrappers:
        return _attempt(runner, step, context, env)  # a bare env: called outside a run
    config = env.log_config
    if config is not None and config is not current_log_config():
        apply_log_config(config)  # a worker process: log as the f0 command does
    token = RUN_IDS.set(
        {
            "run_id": env.run_id,
            "recipe": env.recipe,
            "step": step.name,
            "attempt": env.attempt,
            "correlation_id": env.correlation_id,
        }
    )
    try:
        if not env.wrappers:
            return _attempt(runner, step, context, env)

        def call() -> StepOutcome:
            return _attempt(runner, step, context, env)

        for wrapper in reversed(env.wrappers):  # the first wrapper ends up outermost
            call = _wrapped(wrapper, step, env, call)
        return call()
    finally:
        RUN_IDS.reset(token)


def _wrapped(
    wrapper: AttemptWrapper, step: Step, env: StepEnv, inner: Callable[[], StepOutcome]
) -> Callable[[], StepOutcome]:
    def call() -> StepOutcome:
        try:
            return wrapper.wrap_attempt(step, env, inner)
        except Exception as exc:  # noqa: BLE001 - a broken wrapper fails the attempt, not the run
            return StepOutcome(
                success=False,
                exit_code=1,
                error=f"attempt wrapper {type(wrapper).__name__} failed: "
                f"{type(exc).__name__}: {exc}",
                traceback=traceback.format_exc(),
            )

    return call


def _attempt(runner: StepRunner, step: Step, context: StepContext, env: StepEnv) -> StepOutcome:
    try:
        outcome = runner.run(step, context, env)
    except Exception as exc:  # noqa: BLE001 - a step's exception is its failure
        return StepOutcome(
            success=False,
            exit_code=1,
            error=f"{type(exc).__name__}: {exc}",
            traceback=traceback.format_exc(),
            frame_locals=frame_locals(exc) if env.trace else None,
        )
    if outcome.success and step.success_criteria:
        return check_success_criteria(step, context, outcome)
    return outcome


def check_success_criteria(step: Step, context: StepContext, outcome: StepOutcome) -> StepOutcome:
    """Fail a successful *outcome* that misses ``exit_code`` or ``context_keys`` criteria."""
    criteria = step.success_criteria
    expected = criteria.get("exit_code", 0)
    if outcome.exit_code != expected:
        return attrs.evolve(
            outcome,
            success=False,
            error=f"success_criteria: exit code {outcome.exit_code}, expected {expected}",
        )
    missing = [k for k in criteria.get("context_keys", ()) if k not in context]
    if missing:
        return attrs.evolve(
            outcome,
            success=False,
            exit_code=outcome.exit_code or 1,
            error=f"success_criteria: context keys missing after the step: {', '.join(missing)}",
        )
    return outcome
