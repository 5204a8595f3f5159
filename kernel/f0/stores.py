"""The storage contracts: where a run's context and its history are kept.

A plugin returns an object with these methods from ``f0_context_store`` or
``f0_run_store``; it does not subclass anything of the kernel's. They sit
below the context and the session, which use them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from f0.model import RunInfo, RunResult
    from f0.records import CacheEntry, RunRecord, RunSummary, StepRecord

__all__ = ["ContextStore", "RunStore"]


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

    A store may queue :meth:`record_step` writes and commit them in groups,
    provided every other method sees (or first writes) the queued records; it
    should say how much a killed process can lose (the SQLite store: the
    steps of the commit in flight, which ``--resume`` runs again).
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
