"""Protocols a provider hook must return.

A plugin returns an object with these methods from its provider hook; it
does not subclass anything of the kernel's.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import attrs

from f0.stores import ContextStore, RunStore

if TYPE_CHECKING:
    from collections.abc import Callable

    from f0.context import StepContext
    from f0.log import LogConfig
    from f0.model import Delta, Problem, Recipe, Step, StepOutcome, StepResult, StepStatus

__all__ = [
    "AttemptWrapper",
    "BundleTarget",
    "ContextStore",
    "RunStore",
    "Scheduler",
    "Session",
    "StepEnv",
    "StepRunner",
]


@attrs.frozen(kw_only=True)
class StepEnv:
    """Facts about the attempt a step runner is asked to make (picklable)."""

    run_id: str
    base_dir: Path
    attempt: int = 1
    #: Seconds the attempt may take, or None; runners that start subprocesses
    #: should kill them at this limit.
    timeout: float | None = None
    #: The recipe's ``workdir:`` (resolved), or None. Added in 0.3.
    workdir: Path | None = None
    #: The run's recipe name and correlation id: with ``run_id``, the step's
    #: name and ``attempt``, the ids every log event of the attempt carries.
    #: Added in 0.3.
    recipe: str = ""
    correlation_id: str = ""
    #: How the ``f0`` process logs (None: not configured), so that a worker
    #: process logs the same way. Added in 0.3.
    log_config: LogConfig | None = None
    #: What plugins wrap this attempt in (``f0_attempt_wrappers``), applied
    #: by :func:`f0.run_attempt` wherever the attempt runs. Added in 0.3.
    wrappers: tuple[AttemptWrapper, ...] = ()
    #: ``f0 run --trace``: a runner that catches a step's exception itself
    #: should put :func:`f0.attempt.frame_locals` in ``StepOutcome.frame_locals``.
    #: Added in 0.3.
    trace: bool = False

    @property
    def data_dir(self) -> Path:
        """Where relative path arguments resolve: ``workdir:``, else the recipe's folder.

        Step modules are still found from :attr:`base_dir`. Added in 0.3.
        """
        return self.workdir if self.workdir is not None else self.base_dir


@runtime_checkable
class AttemptWrapper(Protocol):
    """Wraps one step attempt where it runs (``f0_attempt_wrappers``).

    Must be picklable: it travels with the attempt to a worker process or a
    remote worker, where the plugin's module is imported to unpickle it.
    """

    def wrap_attempt(
        self, step: Step, env: StepEnv, attempt: Callable[[], StepOutcome]
    ) -> StepOutcome:
        """Call *attempt* (the step runner, or the next wrapper) and return its outcome.

        Do something around it (open a span, bind log fields); return the
        outcome unchanged or an evolved copy. Exceptions from *attempt* are
        already outcomes: do not raise.
        """
        ...


@runtime_checkable
class StepRunner(Protocol):
    """Runs steps of one ``type``; returned by ``f0_step_runner``.

    Must be picklable: process pools and remote schedulers send it to workers.
    """

    #: Step keys, beyond the common ones, that this step type understands.
    option_keys: frozenset[str]

    def prepare(self, step: Step, recipe: Recipe) -> list[Problem]:
        """Check *step* before anything runs (import its code, check its options).

        Return every problem found; an empty list means the step can run.
        """
        ...

    def run(self, step: Step, context: StepContext, env: StepEnv) -> StepOutcome:
        """Make one attempt of *step*, reading and writing through *context*.

        Exceptions from the step's own code should be turned into a failed
        :class:`~f0.model.StepOutcome`; anything that escapes fails the step too.
        """
        ...


class Session(Protocol):
    """What a scheduler is given to run: the kernel's :class:`~f0.session.RunSession`.

    A scheduler decides *when* and *where* each step runs; the session does
    everything else (the context, deltas, retries' bookkeeping, observers, the
    run store), so every scheduler behaves the same.
    """

    @property
    def recipe(self) -> Recipe:
        """The recipe being run (only the steps still to run when resuming)."""
        ...

    @property
    def cancel_event(self) -> threading.Event:
        """Set when the run is cancelled (Ctrl-C): stop starting steps."""
        ...

    @property
    def results(self) -> Mapping[str, StepResult]:
        """Final results reported so far, by step name."""
        ...

    @property
    def run_id(self) -> str:
        """The run's id."""
        ...

    @property
    def order(self) -> tuple[Step, ...]:
        """Steps to run, dependencies first, ``idx`` breaking ties."""
        ...

    def dependencies(self, step: Step) -> tuple[str, ...]:
        """Names of the steps *step* waits for (in this run)."""
        ...

    def dependants(self, step: Step) -> tuple[str, ...]:
        """Names of the steps that wait for *step*."""
        ...

    def runner(self, step: Step) -> StepRunner:
        """The runner of *step*'s type."""
        ...

    def env(self, step: Step, attempt: int) -> StepEnv:
        """The :class:`StepEnv` of one attempt of *step*."""
        ...

    def view(self, step: Step, *, snapshot: bool = False) -> StepContext:
        """A fresh view of the context for *step*; its writes become the step's delta."""
        ...

    def started(self, step: Step, attempt: int) -> None:
        """Report that attempt *attempt* of *step* starts (calls ``f0_step_started``)."""
        ...

    def finished(self, step: Step, result: StepResult, delta: Delta | None = None) -> None:
        """Report *step*'s final result once; its *delta* is applied if it COMPLETED."""
        ...

    def skip(self, step: Step, reason: str, status: StepStatus = ...) -> None:
        """Report that *step* will not run (an upstream step failed, the run was cancelled)."""
        ...

    def cancel(self) -> None:
        """Stop the run: steps not yet started are skipped (Ctrl-C)."""
        ...

    @property
    def cancelled(self) -> bool:
        """True once :meth:`cancel` was called."""
        ...


@runtime_checkable
class Scheduler(Protocol):
    """Executes a run's steps; returned by ``f0_scheduler``."""

    def run(self, session: Session) -> None:
        """Run every step of *session* and return when each has a final result.

        Use ``session.order`` (dependencies first, ``idx`` breaking ties),
        ``session.runner(step)``, ``session.view(step)`` and report each step
        exactly once through ``session.finished(...)``.
        """
        ...


@runtime_checkable
class BundleTarget(Protocol):
    """Packs a recipe into a deployable bundle; returned by ``f0_bundle_target``."""

    def build(self, recipe: Recipe, output_dir: Path) -> Path:
        """Write the bundle under *output_dir* and return its path."""
        ...
