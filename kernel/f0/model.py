"""Value objects that cross hook boundaries.

Everything here is a frozen attrs class: plugins receive these objects and
return them, never bare dicts. Mappings inside them are plain dicts/lists
decoded from YAML/JSON; treat them as read-only.
"""

from __future__ import annotations

import enum
import functools
import os
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs

__all__ = [
    "Delta",
    "Problem",
    "Recipe",
    "RetryPolicy",
    "RunInfo",
    "RunResult",
    "RunStatus",
    "SchedulerOptions",
    "Severity",
    "SourcePos",
    "Step",
    "StepOutcome",
    "StepResult",
    "StepStatus",
]


@attrs.frozen
class SourcePos:
    """A place in a source file: 1-based line and column."""

    path: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


class Severity(enum.StrEnum):
    """How bad a :class:`Problem` is. Errors stop a run; warnings do not."""

    ERROR = "error"
    WARNING = "warning"


@attrs.frozen(kw_only=True)
class Problem:
    """One validation finding, printed as ``file:line:col: message``."""

    message: str
    pos: SourcePos | None = None
    severity: Severity = Severity.ERROR
    code: str | None = None
    #: The key or argument at fault when no position is known (``steps[2]``).
    where: str | None = None
    #: True for "unknown key" problems: errors by default, warnings when the
    #: run is lenient (``--lenient`` or ``lenient: true`` in the recipe).
    #: Added in 0.3.
    unknown_key: bool = False

    @property
    def is_error(self) -> bool:
        """True for ERROR severity."""
        return self.severity is Severity.ERROR

    def __str__(self) -> str:
        place = str(self.pos) if self.pos else (self.where or "")
        prefix = "" if self.is_error else "warning: "
        return f"{place}: {prefix}{self.message}" if place else prefix + self.message


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How a failed step is retried: ``retries`` extra attempts after the first.

    The delay before attempt ``n+1`` is ``min(delay * factor**(n-1), max_delay)``
    plus up to ``jitter`` x that value of random spread.
    """

    retries: int = 0
    delay: float = 1.0
    factor: float = 2.0
    max_delay: float = 60.0
    jitter: float = 0.1

    @property
    def max_attempts(self) -> int:
        """Total attempts allowed: ``retries + 1``."""
        return self.retries + 1


def _frozen_tuple(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def _steps(value: Iterable[Step]) -> tuple[Step, ...]:
    return tuple(value)


def _problems(value: Iterable[Problem]) -> tuple[Problem, ...]:
    return tuple(value)


def _frozen_set(value: Iterable[str]) -> frozenset[str]:
    return frozenset(value)


@attrs.frozen(kw_only=True)
class Step:
    """One step of a recipe, with the defaults of ``spec/recipes.md`` filled in.

    Keys a step-type plugin understands beyond the common ones (``command``
    for ``shell``, say) are kept in :attr:`options`.
    """

    name: str
    idx: int
    type: str = "python"
    module: str | None = None
    function: str | None = None
    args: Mapping[str, Any] | list[Any] = attrs.field(factory=dict)
    depends_on: tuple[str, ...] = attrs.field(default=(), converter=_frozen_tuple)
    timeout: float | None = None
    retry: RetryPolicy = attrs.field(factory=RetryPolicy)
    enabled: bool = True
    success_criteria: Mapping[str, Any] = attrs.field(factory=dict)
    description: str = ""
    #: ``cache: true`` (or a TTL in seconds): reuse the recorded outcome while
    #: the step's fingerprint is unchanged. See :mod:`f0.fingerprint`.
    cache: bool = False
    cache_ttl: float | None = None
    options: Mapping[str, Any] = attrs.field(factory=dict)
    #: Where the step starts in its file, and where each of its keys is.
    pos: SourcePos | None = None
    key_pos: Mapping[str, SourcePos] = attrs.field(factory=dict)

    def where(self, key: str | None = None) -> SourcePos | None:
        """Position of *key* in this step (or of the step itself)."""
        if key is not None and key in self.key_pos:
            return self.key_pos[key]
        return self.pos

    @property
    def params(self) -> dict[str, Any]:
        """``args`` as the params dict a scriptlet receives (a list becomes ``{"args": [...]}``)."""
        if isinstance(self.args, list):
            return {"args": list(self.args)}
        return dict(self.args)


@functools.lru_cache(maxsize=64)
def _resolved_parent(path: Path, cwd: str) -> Path:
    # Asked several times per step (validation, fingerprints): resolving is a
    # syscall per path part, and joining a relative path to the current
    # directory builds a new Path each time (~6 us), so both are cached.
    return (Path(cwd, path) if cwd else path).parent.resolve()


@attrs.frozen(kw_only=True)
class Recipe:
    """A loaded recipe: metadata, steps and everything the loader noticed."""

    name: str
    steps: tuple[Step, ...] = attrs.field(converter=_steps)
    path: Path | None = None
    metadata: Mapping[str, Any] = attrs.field(factory=dict)
    #: Default retry policy for steps that do not set their own.
    retry: RetryPolicy = attrs.field(factory=RetryPolicy)
    #: Problems found while loading (bad types, unknown keys...).
    problems: tuple[Problem, ...] = attrs.field(default=(), converter=_problems)
    #: SHA-256 of the canonical JSON of the file's content.
    file_hash: str = ""
    raw: Mapping[str, Any] = attrs.field(factory=dict)
    pos: SourcePos | None = None
    #: False when the loader skipped source positions (its fast path); the
    #: kernel loads the file again with positions to report a problem.
    positions: bool = True
    #: ``lenient: true`` in the recipe: unknown keys are warnings, not errors
    #: (as with ``--lenient``). Added in 0.3.
    lenient: bool = False
    #: ``workdir:`` in the recipe, resolved against the recipe's folder: where
    #: relative path arguments of steps point (None: the recipe's folder).
    #: Added in 0.3.
    workdir: Path | None = None

    @property
    def base_dir(self) -> Path:
        """The folder step modules are resolved from first."""
        if self.path is None:
            return Path.cwd()
        # A relative path means another folder after a chdir (tests,
        # long-lived processes): the current directory is part of the key.
        path = self.path
        return _resolved_parent(path, "" if path.is_absolute() else os.getcwd())  # noqa: PTH109 - a str key; Path.cwd() builds a Path per call

    @property
    def data_dir(self) -> Path:
        """The folder relative path arguments of steps resolve against.

        ``workdir:`` when the recipe sets one, else the recipe's folder
        (:attr:`base_dir`); never the current directory of ``f0``.
        """
        if self.workdir is None:
            return self.base_dir
        return self.workdir if self.workdir.is_absolute() else self.base_dir / self.workdir

    def step(self, name: str) -> Step:
        """The step called *name* (``KeyError`` if there is none)."""
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(name)


class StepStatus(enum.StrEnum):
    """Where a step is in its life. Terminal: all but PENDING and RUNNING."""

    PENDING = "PENDING"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"
    CANCELLED = "CANCELLED"
    CACHED = "CACHED"


class RunStatus(enum.StrEnum):
    """How a run ended (or that it has not yet)."""

    PENDING = "PENDING"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    PARTIAL = "PARTIAL"
    CANCELLED = "CANCELLED"
    #: Recorded as RUNNING, but the process that ran it is gone (killed, host
    #: lost): shown by run stores that track owners; never written by the kernel.
    CRASHED = "CRASHED"


@attrs.frozen(kw_only=True)
class Delta:
    """What one step changed: new values, removed keys, and the keys it read.

    Steps never write the run context directly; the scheduler applies each
    step's delta in completion order.
    """

    changes: Mapping[str, Any] = attrs.field(factory=dict)
    removed: tuple[str, ...] = attrs.field(default=(), converter=_frozen_tuple)
    reads: frozenset[str] = attrs.field(factory=frozenset, converter=_frozen_set)
    #: Digest of each key's value as the step first read it (``"-"``: missing);
    #: part of a cached step's fingerprint.
    inputs: Mapping[str, str] = attrs.field(factory=dict)
    who: str | None = None

    @property
    def empty(self) -> bool:
        """True when the step changed nothing."""
        return not self.changes and not self.removed


@attrs.frozen(kw_only=True)
class StepOutcome:
    """What one attempt of a step produced, as a step runner reports it."""

    success: bool
    exit_code: int = 0
    error: str | None = None
    #: JSON data the step returned (a dict return value), stored in context.
    result: Any = None
    traceback: str | None = None
    #: With ``f0 run --trace``: ``repr`` (size-capped) of each local variable of
    #: the innermost frame of the exception (see :func:`f0.attempt.frame_locals`).
    #: Added in 0.3.
    frame_locals: Mapping[str, str] | None = None


@attrs.frozen(kw_only=True)
class StepResult:
    """The final result of one step in a run."""

    name: str
    status: StepStatus
    attempts: int = 0
    started_at: float | None = None
    finished_at: float | None = None
    exit_code: int | None = None
    error: str | None = None
    result: Any = None
    #: Full traceback of the last failed attempt (Python's own format), if it raised.
    #: Added in 0.3.
    traceback: str | None = None
    #: Why each failed attempt failed, one line each in attempt order (attempt 1
    #: first); a step that succeeded on a retry keeps the earlier failures. Added in 0.3.
    #: A plain tuple (no converter: a StepResult is built for every step).
    attempt_errors: tuple[str, ...] = ()
    #: With ``f0 run --trace``: ``inputs`` (context keys read), ``delta``
    #: (``changes``, ``removed``), ``duration_s`` and, when it raised,
    #: ``locals`` of the failing frame. JSON data. Added in 0.3.
    trace: Mapping[str, Any] | None = None

    @property
    def duration_s(self) -> float:
        """Wall-clock seconds from first attempt start to finish (0 if never run)."""
        if self.started_at is None or self.finished_at is None:
            return 0.0
        return self.finished_at - self.started_at


@attrs.frozen(kw_only=True)
class SchedulerOptions:
    """Options the CLI passes to the scheduler chosen by name."""

    workers: int | None = None
    continue_on_error: bool = False
    #: ``"thread"`` (default) or ``"process"``.
    pool: str = "thread"
    extra: Mapping[str, Any] = attrs.field(factory=dict)
    #: ``f0 run --trace``: record each step's inputs, delta and failing locals. Added in 0.3.
    trace: bool = False


@attrs.frozen(kw_only=True)
class RunInfo:
    """Identity of a run, passed to the observer hooks."""

    run_id: str
    recipe: Recipe
    started_at: float
    scheduler: str = "local"
    #: Values of the plugin options of ``f0 run`` (see ``f0_run_options``), by key.
    options: Mapping[str, Any] = attrs.field(factory=dict)
    #: URL of the run store this run is recorded in (None: not recorded), so
    #: observers can keep their own data next to it. Added in 0.2.
    store_url: str | None = None
    #: Ties this run's log lines and traces to whatever started it: taken
    #: from ``F0_CORRELATION_ID`` when set, else a fresh id. Added in 0.3.
    correlation_id: str = attrs.field(factory=lambda: uuid.uuid4().hex)


@attrs.frozen(kw_only=True)
class RunResult:
    """The outcome of a whole run."""

    run_id: str
    recipe_name: str
    status: RunStatus
    steps: Mapping[str, StepResult]
    context: Mapping[str, Any]
    started_at: float
    finished_at: float
    recipe_path: str | None = None
    #: The run this one resumed (``--resume``), if any.
    resumed_from: str | None = None
    #: Steps completed in *resumed_from* and replayed, not run again.
    replayed: tuple[str, ...] = ()

    @property
    def duration_s(self) -> float:
        """Wall-clock seconds of the run."""
        return self.finished_at - self.started_at

    def to_json(self) -> dict[str, Any]:
        """The ``f0 run --json`` object (``resumed_from``/``replayed`` only for a resumed run)."""
        resumed = (
            {"resumed_from": self.resumed_from, "replayed": list(self.replayed)}
            if self.resumed_from is not None
            else {}
        )
        return {
            "run_id": self.run_id,
            "status": self.status.value,
            "steps": {name: _step_json(r) for name, r in self.steps.items()},
            "context": dict(self.context),
            **resumed,
        }


def _step_json(r: StepResult) -> dict[str, Any]:
    """One step of ``f0 run --json``; failure details only where there are some."""
    data: dict[str, Any] = {
        "status": r.status.value,
        "attempts": r.attempts,
        "duration_s": round(r.duration_s, 6),
        "error": r.error,
    }
    if r.traceback is not None:
        data["traceback"] = r.traceback
    if r.attempt_errors:
        data["attempt_errors"] = list(r.attempt_errors)
    if r.trace is not None:
        data["trace"] = dict(r.trace)
    return data
