"""Protocols a provider hook must return.

A plugin returns an object with these methods from its provider hook; it
does not subclass anything of the kernel's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import attrs

if TYPE_CHECKING:
    from f0.context import StepContext
    from f0.model import Problem, Recipe, RunInfo, RunResult, Step, StepOutcome
    from f0.records import CacheEntry, RunRecord, RunSummary, StepRecord
    from f0.session import RunSession

__all__ = [
    "BundleTarget",
    "ContextStore",
    "RunStore",
    "Scheduler",
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


@runtime_checkable
class Scheduler(Protocol):
    """Executes a run's steps; returned by ``f0_scheduler``."""

    def run(self, session: RunSession) -> None:
        """Run every step of *session* and return when each has a final result.

        Use ``session.order`` (dependencies first, ``idx`` breaking ties),
        ``session.runner(step)``, ``session.view(step)`` and report each step
        exactly once through ``session.finished(...)``.
        """
        ...


@runtime_checkable
class ContextStore(Protocol):
    """Where a :class:`~f0.context.Context` keeps its data; from ``f0_context_store``."""

    url: str

    def load(self) -> Mapping[str, Any]:
        """All data the store holds now."""
        ...

    def write(self, changes: Mapping[str, Any], removed: Iterable[str]) -> None:
        """Persist one batch of changes (already JSON-normalised values)."""
        ...

    def close(self) -> None:
        """Release files/connections. Idempotent."""
        ...


@runtime_checkable
class RunStore(Protocol):
    """Persists runs, step results and step cache entries; from ``f0_run_store``.

    Several ``f0 run`` processes may share one store at once: every method is
    one short transaction, and none may fail because another process holds
    the store.
    """

    url: str

    def start_run(
        self,
        info: RunInfo,
        *,
        recipe_hash: str,
        params: Mapping[str, Any],
        resumed_from: str | None = None,
    ) -> None:
        """Record that run ``info.run_id`` started (status RUNNING)."""
        ...

    def record_step(self, run_id: str, record: StepRecord) -> None:
        """Record one finished step (result, delta, fingerprint), as it finishes."""
        ...

    def finish_run(self, result: RunResult) -> None:
        """Record the run's final status, end time and final context."""
        ...

    def list_runs(
        self, *, limit: int | None = None, recipe_path: str | None = None
    ) -> list[RunSummary]:
        """Recorded runs, newest first, optionally only those of one recipe file."""
        ...

    def get_run(self, run_id: str) -> RunRecord | None:
        """The run *run_id* with its steps in completion order, or None."""
        ...

    def resolve_run(self, ref: str, *, recipe_path: str | None = None) -> str:
        """Turn ``last`` (newest run, of *recipe_path* if given) or a unique id prefix into a run id.

        Raise :class:`~f0.errors.UsageError` naming *ref* when nothing or more
        than one run matches.
        """
        ...

    def cache_get(self, recipe_path: str, step_name: str) -> CacheEntry | None:
        """The cache entry of *step_name* in recipe *recipe_path*, or None."""
        ...

    def cache_put(self, entry: CacheEntry) -> None:
        """Store *entry*, replacing the previous one of that recipe and step."""
        ...

    def cache_list(self, recipe_path: str | None = None) -> list[CacheEntry]:
        """Every cache entry (of one recipe if given)."""
        ...

    def cache_clear(self, recipe_path: str | None = None, step_name: str | None = None) -> int:
        """Remove cache entries (all, one recipe's, or one step's); return how many."""
        ...

    def close(self) -> None:
        """Release files/connections. Idempotent."""
        ...


@runtime_checkable
class BundleTarget(Protocol):
    """Packs a recipe into a deployable bundle; returned by ``f0_bundle_target``."""

    def build(self, recipe: Recipe, output_dir: Path) -> Path:
        """Write the bundle under *output_dir* and return its path."""
        ...
