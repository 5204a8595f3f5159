"""The Context API: a flat, JSON-only key/value store with history.

:class:`Context` is the run's shared state (Framework0's
``orchestrator.context.Context``). Keys are flat strings: ``"a.b"`` is one
key, not a nested dict. Values are stored exactly as ``json.loads(json.dumps(v))``
would return them, so tuples come back as lists.

:class:`StepContext` is what a step receives. It reads through to the run
context but records every write in a :class:`~f0.model.Delta` instead of
changing shared state; the scheduler applies the delta when the step ends.
That one rule makes threads, processes and remote workers behave the same.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple, Self

import attrs

from f0.model import Delta

if TYPE_CHECKING:
    from f0.stores import ContextStore

__all__ = [
    "CALLBACK_EVENTS",
    "MISSING_DIGEST",
    "Context",
    "ContextMetrics",
    "HistoryEntry",
    "StepClosedError",
    "StepContext",
    "normalize_value",
    "value_digest",
]

CALLBACK_EVENTS = frozenset({"before_set", "after_set", "before_get", "after_get", "on_dirty"})
MERGE_STRATEGIES = frozenset({"last_wins", "first_wins", "error"})
_MISSING: Any = object()


def _check_key(key: object) -> None:
    if not isinstance(key, str):
        msg = f"context keys must be str, not {type(key).__name__}"
        raise TypeError(msg)
    if not key:
        msg = "context keys must not be empty"
        raise ValueError(msg)


def normalize_value(key: str, value: Any) -> Any:
    """Return *value* as it would come back from JSON; ``ValueError`` if it cannot.

    This is both the validity check and the defensive copy: what is stored
    shares nothing with the caller's object.
    """
    # Exact types: subclasses (str/int enums, numpy floats) take the JSON path
    # below and come back as plain str/int/float, like any JSON round trip.
    kind = type(value)
    if value is None or kind is str or kind is int or kind is bool:
        return value
    if kind is float:
        if not math.isfinite(value):
            msg = f"value for context key {key!r} is not JSON-serialisable: {value!r}"
            raise ValueError(msg)
        return value
    try:
        return json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError) as exc:
        msg = f"value for context key {key!r} is not JSON-serialisable: {exc}"
        raise ValueError(msg) from None


#: What :func:`value_digest` returns for a key that does not exist.
MISSING_DIGEST = "-"


def value_digest(value: Any) -> str:
    """A short stable digest of a JSON value (:data:`MISSING_DIGEST` for a missing key)."""
    if value is _MISSING:
        return MISSING_DIGEST
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _copy(value: Any) -> Any:
    """Deep copy of a JSON value (faster than copy.deepcopy for JSON shapes)."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _same(a: Any, b: Any) -> bool:
    """Equal as JSON: unlike ``==``, ``1``, ``1.0`` and ``True`` differ, also when nested."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(v, b[k]) for k, v in a.items())
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


class HistoryEntry(NamedTuple):
    """One change of one key (a named tuple: history sits on every step's path)."""

    timestamp: float
    key: str
    before: Any
    after: Any
    who: str | None = None
    operation: str = "set"

    def to_dict(self) -> dict[str, Any]:
        """The legacy ``ContextHistoryEntry.to_dict()`` shape."""
        return {
            "timestamp": self.timestamp,
            "key": self.key,
            "before": _copy(self.before),
            "after": _copy(self.after),
            "who": self.who,
            "operation": self.operation,
        }


@attrs.define(kw_only=True)
class ContextMetrics:
    """Operation counters of a :class:`Context` (legacy ``ContextMetrics``)."""

    total_operations: int = 0
    get_operations: int = 0
    set_operations: int = 0
    total_keys: int = 0
    dirty_keys_count: int = 0
    history_entries: int = 0
    memory_usage_bytes: int = 0
    last_updated: float = attrs.field(factory=time.time)

    def update_operation_count(self, operation: str, count: int = 1) -> None:
        """Count *count* ``"get"`` or ``"set"`` operations."""
        self.total_operations += count
        if operation == "get":
            self.get_operations += count
        elif operation == "set":
            self.set_operations += count


class Context:
    """Shared, thread-safe, JSON-only key/value state with change history.

    ``store`` (from the ``f0_context_store`` hook) persists every change; the
    default keeps data in memory only.
    """

    def __init__(
        self,
        enable_history: bool = True,
        enable_metrics: bool = True,
        *,
        store: ContextStore | None = None,
    ) -> None:
        self._lock = threading.RLock()
        self._store = store
        self._data: dict[str, Any] = dict(store.load()) if store is not None else {}
        self._history: list[tuple[Any, ...]] | None = [] if enable_history else None
        self._dirty: dict[str, None] = {}
        self._callbacks: dict[str, list[Callable[..., Any]]] = {}
        self._metrics = ContextMetrics() if enable_metrics else None

    # -- reading ---------------------------------------------------------
    def get(self, key: str, default: Any = None) -> Any:
        """The value of *key* (a deep copy for dicts/lists), or *default*."""
        _check_key(key)
        with self._lock:
            if self._callbacks:
                self._fire("before_get", key=key, value=None, old_value=None, who=None)
            value = self._data.get(key, _MISSING)
            if self._metrics is not None:
                self._metrics.update_operation_count("get")
            if self._callbacks:
                self._fire(
                    "after_get",
                    key=key,
                    value=None if value is _MISSING else value,
                    old_value=None,
                    who=None,
                )
        return default if value is _MISSING else _copy(value)

    def keys(self) -> list[str]:
        """Current keys, in insertion order."""
        with self._lock:
            return list(self._data)

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._data

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)

    def to_dict(self) -> dict[str, Any]:
        """A deep copy of all data."""
        with self._lock:
            return _copy(self._data)  # type: ignore[no-any-return]

    def to_json(self) -> str:
        """All data as indented, key-sorted JSON."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], **kwargs: Any) -> Self:
        """A new context holding *data*, with empty history and no dirty keys."""
        ctx = cls(**kwargs)
        for key, value in data.items():
            _check_key(key)
            ctx._data[key] = normalize_value(key, value)
        return ctx

    @classmethod
    def from_json(cls, text: str, **kwargs: Any) -> Self:
        """Parse a JSON object; ``ValueError`` for invalid JSON or a non-object."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            msg = f"invalid context JSON: {exc}"
            raise ValueError(msg) from None
        if not isinstance(data, dict):
            msg = f"context JSON must be an object, not {type(data).__name__}"
            raise ValueError(msg)  # noqa: TRY004 - the legacy API raises ValueError here
        return cls.from_dict(data, **kwargs)

    # -- writing ---------------------------------------------------------
    def set(self, key: str, value: Any, who: str | None = None) -> bool:
        """Store *value* under *key*; return False if it was already equal (a no-op).

        ``TypeError`` for a non-str key, ``ValueError`` for an empty key or a
        value JSON cannot encode (nothing is stored then).
        """
        _check_key(key)
        value = normalize_value(key, value)
        with self._lock:
            return self._set(key, value, who, "set")

    def delete(self, key: str, who: str | None = None) -> bool:
        """Remove *key*; return False if it was not there."""
        _check_key(key)
        with self._lock:
            return self._delete(key, who, "delete")

    def clear(self, who: str | None = None) -> None:
        """Remove every key (each removal is recorded in history)."""
        with self._lock:
            self._write({}, list(self._data), who, "delete")

    def snapshot(self) -> dict[str, Any]:
        """A shallow copy of all data, for a step view that is pickled to a worker.

        Cheaper than :meth:`to_dict`: stored values are never mutated in place
        (every write stores a fresh normalised value), so sharing them is safe
        as long as the caller only reads.
        """
        with self._lock:
            return dict(self._data)

    def apply_changes(
        self, changes: Mapping[str, Any], removed: Iterable[str] = (), who: str | None = None
    ) -> list[str]:
        """Apply normalised *changes* and *removed* keys as one batch; return the keys that changed."""
        with self._lock:
            return self._write(changes, removed, who, "set")

    def apply_delta(self, delta: Delta, who: str | None = None) -> list[str]:
        """Apply a step's *delta* atomically; return the keys that changed.

        Values in a delta were normalised when the step wrote them, so they
        are stored as they are.
        """
        with self._lock:
            return self._write(
                delta.changes, delta.removed, who if who is not None else delta.who, "set"
            )

    def merge_from(
        self,
        other: Context | Mapping[str, Any],
        conflict_strategy: str = "last_wins",
        prefix: str = "",
    ) -> list[str]:
        """Copy every key of *other* (renamed ``prefix + key``); return changed keys.

        A conflict is a key in both with different values: ``last_wins`` takes
        theirs, ``first_wins`` keeps ours, ``error`` raises ``ValueError`` naming
        the conflicting keys and changes nothing.
        """
        if conflict_strategy not in MERGE_STRATEGIES:
            msg = f"unknown conflict_strategy {conflict_strategy!r}; use one of {sorted(MERGE_STRATEGIES)}"
            raise ValueError(msg)
        theirs = other.to_dict() if isinstance(other, Context) else dict(other)
        incoming = {prefix + k: normalize_value(prefix + k, v) for k, v in theirs.items()}
        with self._lock:
            conflicts = sorted(
                k for k, v in incoming.items() if k in self._data and not _same(self._data[k], v)
            )
            if conflicts and conflict_strategy == "error":
                msg = f"merge conflict on keys: {', '.join(conflicts)}"
                raise ValueError(msg)
            changed = []
            for key, value in incoming.items():
                if key in self._data and conflict_strategy == "first_wins":
                    continue
                if self._set(key, value, "merge", "merge"):
                    changed.append(key)
            return changed

    # -- history, dirty keys, callbacks, metrics ---------------------------
    def get_history(self, key: str | None = None) -> list[dict[str, Any]]:
        """History entries oldest first, optionally only those of *key*."""
        with self._lock:
            # Stored as plain tuples (cheapest on the hot path); named on the way out.
            entries = self._history or []
            return [HistoryEntry._make(e).to_dict() for e in entries if key is None or e[1] == key]

    def clear_history(self) -> int:
        """Drop all history; return how many entries were removed."""
        with self._lock:
            if self._history is None:
                return 0
            count = len(self._history)
            self._history.clear()
            return count

    def pop_dirty_keys(self) -> list[str]:
        """Keys changed since the previous call, each once, in first-change order."""
        with self._lock:
            keys = list(self._dirty)
            self._dirty.clear()
            return keys

    def register_callback(self, event: str, fn: Callable[..., Any]) -> None:
        """Call *fn(key=, value=, old_value=, who=)* on *event*.

        Events: ``before_set``, ``after_set``, ``before_get``, ``after_get``,
        ``on_dirty``. A callback that raises is logged and ignored.
        """
        if event not in CALLBACK_EVENTS:
            msg = f"unknown callback event {event!r}; use one of {sorted(CALLBACK_EVENTS)}"
            raise ValueError(msg)
        with self._lock:
            self._callbacks.setdefault(event, []).append(fn)

    def get_metrics(self) -> ContextMetrics | None:
        """Counters, or None when created with ``enable_metrics=False``."""
        with self._lock:
            if self._metrics is None:
                return None
            self._metrics.total_keys = len(self._data)
            self._metrics.dirty_keys_count = len(self._dirty)
            self._metrics.history_entries = len(self._history or ())
            self._metrics.memory_usage_bytes = len(json.dumps(self._data).encode())
            return attrs.evolve(self._metrics)

    def close(self) -> None:
        """Close the backing store, if any."""
        if self._store is not None:
            self._store.close()

    def __repr__(self) -> str:
        return f"Context(keys={len(self._data)}, history={len(self._history or ())}, dirty={len(self._dirty)})"

    # -- internals (caller holds the lock; values already normalised) ------
    def _set(self, key: str, value: Any, who: str | None, operation: str) -> bool:
        return bool(self._write({key: value}, (), who, operation))

    def _delete(self, key: str, who: str | None, operation: str) -> bool:
        return bool(self._write({}, (key,), who, operation))

    def _write(
        self,
        changes: Mapping[str, Any],
        removed: Iterable[str],
        who: str | None,
        operation: str,
    ) -> list[str]:
        """Apply removals then changes as one batch; return the keys that changed.

        One clock read, one store write and one metrics update per batch: this
        runs once per step, so it is the hot path of every run.
        """
        data, history, dirty = self._data, self._history, self._dirty
        callbacks = bool(self._callbacks)
        now = time.time()
        stored: dict[str, Any] = {}
        gone: list[str] = []
        changed: list[str] = []
        for key in removed:
            if key not in data:
                continue
            before = data.pop(key)
            gone.append(key)
            changed.append(key)
            if history is not None:
                history.append(
                    (now, key, before, None, who, "delete" if operation == "set" else operation)
                )
            if key not in dirty:
                dirty[key] = None
                if callbacks:
                    self._fire("on_dirty", key=key, value=None, old_value=before, who=who)
        for key, value in changes.items():
            old = data.get(key, _MISSING)
            if old is not _MISSING and _same(old, value):
                continue
            before = None if old is _MISSING else old
            if callbacks:
                self._fire("before_set", key=key, value=value, old_value=before, who=who)
            data[key] = value
            stored[key] = value
            changed.append(key)
            if history is not None:
                history.append((now, key, before, value, who, operation))
            if key not in dirty:
                dirty[key] = None
                if callbacks:
                    self._fire("on_dirty", key=key, value=value, old_value=before, who=who)
            if callbacks:
                self._fire("after_set", key=key, value=value, old_value=before, who=who)
        if changed:
            if self._store is not None:
                self._store.write(stored, gone)
            if self._metrics is not None:
                self._metrics.update_operation_count("set", len(stored))
                self._metrics.last_updated = now
        return changed

    def _fire(self, event: str, **kwargs: Any) -> None:
        for fn in self._callbacks.get(event, ()):
            try:
                # Copies: a callback must not mutate stored values or history.
                fn(**{k: _copy(v) for k, v in kwargs.items()})
            except Exception:  # noqa: BLE001 - the spec: callback errors are logged and swallowed
                from f0.log import get_logger

                get_logger(__name__).warning(
                    "context.callback_failed", callback_event=event, exc_info=True
                )


class StepClosedError(RuntimeError):
    """A step wrote to its context after its deadline; the write is discarded."""


class StepContext:
    """The context a step sees: reads the run's state, records writes as a delta.

    *base* is the run's :class:`Context` (threads) or a plain dict snapshot
    (process pools, remote workers). Nothing the step writes is visible to
    other steps until the scheduler applies :meth:`delta`.
    """

    def __init__(self, base: Context | Mapping[str, Any], *, who: str) -> None:
        self._base = base
        self.who = who
        self._changes: dict[str, Any] = {}
        self._removed: dict[str, None] = {}
        # key -> the stored value this step first saw (stored values are never
        # mutated in place, so keeping the reference is safe); digested in delta().
        self._reads: dict[str, Any] = {}
        self._own_reads: set[str] = set()  # keys read back after writing them
        self._closed = False

    def get(self, key: str, default: Any = None) -> Any:
        """The value of *key*: this step's own write if any, else the run's."""
        _check_key(key)
        if key in self._changes or key in self._removed:
            self._own_reads.add(key)
            return _copy(self._changes[key]) if key in self._changes else default
        if isinstance(self._base, Context):
            value = self._base.get(key, _MISSING)
        else:
            value = self._base.get(key, _MISSING)
            if value is not _MISSING:
                value = _copy(value)
        if key not in self._reads:
            self._reads[key] = value
        return default if value is _MISSING else value

    def set(self, key: str, value: Any, who: str | None = None) -> bool:  # noqa: ARG002 - legacy signature
        """Record *key* = *value* in this step's delta; False if unchanged.

        ``ValueError`` if the value is not JSON-serialisable (nothing recorded).
        """
        _check_key(key)
        self._check_open()
        value = normalize_value(key, value)
        current = self._current(key)
        if current is not _MISSING and _same(current, value):
            return False
        self._removed.pop(key, None)
        self._changes[key] = value
        return True

    def delete(self, key: str, who: str | None = None) -> bool:  # noqa: ARG002
        """Record the removal of *key*; False if it does not exist."""
        _check_key(key)
        self._check_open()
        if self._current(key) is _MISSING:
            return False
        self._changes.pop(key, None)
        if self._base_contains(key):
            self._removed[key] = None
        return True

    def keys(self) -> list[str]:
        """Keys visible to this step."""
        base = self._base.keys() if isinstance(self._base, Context) else list(self._base)
        seen = [k for k in base if k not in self._removed]
        seen.extend(k for k in self._changes if k not in seen)
        return seen

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key and self._current(key) is not _MISSING  # type: ignore[return-value]

    def to_dict(self) -> dict[str, Any]:
        """A deep copy of everything visible to this step."""
        base = self._base.to_dict() if isinstance(self._base, Context) else _copy(dict(self._base))
        for key in self._removed:
            base.pop(key, None)
        base.update(_copy(self._changes))
        return base  # type: ignore[no-any-return]

    def to_json(self) -> str:
        """Visible data as indented, key-sorted JSON."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    def pop_dirty_keys(self) -> list[str]:
        """Keys this step has changed or removed so far."""
        return [*self._removed, *self._changes]

    def get_history(self, key: str | None = None) -> list[dict[str, Any]]:
        """The run's history so far (read-only; this step's writes are not in it yet)."""
        return self._base.get_history(key) if isinstance(self._base, Context) else []

    def delta(self) -> Delta:
        """What this step changed, and the keys it read."""
        return Delta(
            changes=dict(self._changes),
            removed=tuple(self._removed),
            reads=self._own_reads.union(self._reads),
            inputs={k: value_digest(v) for k, v in self._reads.items()} if self._reads else {},
            who=self.who,
        )

    def close(self) -> None:
        """Refuse further writes (the step's deadline passed or it was cancelled)."""
        self._closed = True

    @property
    def log(self) -> Any:
        """A structlog logger for the step's own lines: they carry the run's ids.

        ``context.log.info("loaded", rows=n)`` logs with ``run_id``, ``recipe``,
        ``step``, ``attempt`` and ``correlation_id`` (bound when it is asked
        for, so it keeps them in threads the step starts itself), and
        ``logger="f0.step.<name>"``. ``context.logger`` is the same, the name
        Framework0's scriptlets used.
        """
        from f0.log import step_logger

        return step_logger(self.who)

    logger = log

    def __repr__(self) -> str:
        return f"StepContext(who={self.who!r}, changes={len(self._changes)}, removed={len(self._removed)})"

    def _check_open(self) -> None:
        if self._closed:
            msg = (
                f"step {self.who!r} wrote to the context after its deadline; the write is discarded"
            )
            raise StepClosedError(msg)

    def _base_contains(self, key: str) -> bool:
        return key in self._base

    def _current(self, key: str) -> Any:
        if key in self._changes:
            return self._changes[key]
        if key in self._removed:
            return _MISSING
        if isinstance(self._base, Context):
            with self._base._lock:  # noqa: SLF001 - same module; avoid a copy for a comparison
                return self._base._data.get(key, _MISSING)  # noqa: SLF001
        return self._base.get(key, _MISSING)
