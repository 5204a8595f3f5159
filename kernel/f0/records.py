"""What a run store keeps: runs, their steps, and step cache entries.

These frozen classes cross the ``f0_run_store`` boundary. A run store
(``f0-plugin-store``: SQLite by default) writes a :class:`StepRecord` as each
step completes and gives back :class:`RunRecord` objects for ``f0 runs``,
``f0 run --resume`` and the step cache.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from f0.model import Delta, RunStatus, StepResult

__all__ = ["CacheEntry", "RunRecord", "RunSummary", "StepRecord"]


@attrs.frozen(kw_only=True)
class StepRecord:
    """One step of a recorded run: its result, what it changed, what identifies it."""

    result: StepResult
    delta: Delta = attrs.field(factory=Delta)
    #: Fingerprint of the step's definition, code and upstream fingerprints
    #: (see :mod:`f0.fingerprint`); None when the step never ran.
    fingerprint: str | None = None
    #: Digest of each context key the step read, as it read it.
    inputs: Mapping[str, str] = attrs.field(factory=dict)
    #: Completion order within the run (1-based).
    seq: int = 0
    recorded_at: float = 0.0
    #: What went into the fingerprint, so a refused resume can say what changed.
    definition: Mapping[str, Any] = attrs.field(factory=dict)
    code_digest: str | None = None
    code_origin: str | None = None
    upstream: Mapping[str, str] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class RunRecord:
    """A recorded run with every step recorded so far, in completion order."""

    run_id: str
    recipe_name: str
    recipe_path: str | None
    recipe_hash: str
    status: RunStatus
    started_at: float
    finished_at: float | None = None
    #: ``--set`` values of the run.
    params: Mapping[str, Any] = attrs.field(factory=dict)
    #: The run this one resumed, if any.
    resumed_from: str | None = None
    steps: Mapping[str, StepRecord] = attrs.field(factory=dict)
    #: Final context (None until the run finished).
    context: Mapping[str, Any] | None = None


@attrs.frozen(kw_only=True)
class RunSummary:
    """One line of ``f0 runs list``."""

    run_id: str
    recipe_name: str
    recipe_path: str | None
    status: RunStatus
    started_at: float
    finished_at: float | None = None
    steps_total: int = 0
    steps_completed: int = 0
    steps_failed: int = 0


@attrs.frozen(kw_only=True)
class CacheEntry:
    """The cached outcome of a ``cache: true`` step, keyed by recipe and step name.

    Everything a plan needs to say *why* a step re-runs is kept: the
    definition (for "args changed: n 3 -> 4"), the code digest and where the
    code lives, each upstream step's fingerprint and each input's digest.
    """

    recipe_path: str
    step_name: str
    fingerprint: str
    definition: Mapping[str, Any]
    code_digest: str | None = None
    code_origin: str | None = None
    upstream: Mapping[str, str] = attrs.field(factory=dict)
    inputs: Mapping[str, str] = attrs.field(factory=dict)
    delta: Delta = attrs.field(factory=Delta)
    result: Any = None
    run_id: str = ""
    created_at: float = 0.0
    #: Seconds the entry stays valid; None = forever.
    ttl: float | None = None

    def expired(self, now: float) -> bool:
        """True when a TTL is set and has passed."""
        return self.ttl is not None and now - self.created_at > self.ttl
