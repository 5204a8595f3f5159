"""``orchestrator.enhanced_memory_bus``: Framework0's ``EnhancedMemoryBus`` over a Context.

The data *is* an :class:`f0_compat.context.Context` (history, dirty keys,
JSON-only values): every ``set`` lands there. Around it: pub/sub of
:class:`MessageEvent` (expired events are not delivered; a background
cleaner purges them from the message log), metrics, a health check, and a
:mod:`~f0_compat.memory_bus_backends` backend for ``persist``/``backup``/
``restore``. Persistence methods return False instead of raising.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Self

from f0_compat.context import Context
from f0_compat.memory_bus_backends import (
    JSONPersistenceBackend,
    PersistenceBackend,
    SQLitePersistenceBackend,
)

__all__ = [
    "EnhancedMemoryBus",
    "JSONPersistenceBackend",
    "MemoryBusMetrics",
    "MessageEvent",
    "PersistenceBackend",
    "SQLitePersistenceBackend",
    "create_enhanced_memory_bus",
    "create_json_memory_bus",
    "create_sqlite_memory_bus",
]

Callback = Callable[["MessageEvent"], Any]


@dataclass
class MessageEvent:
    """One published message; ``target`` None means every subscriber."""

    event_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    event_type: str = "generic"
    source: str = "unknown"
    target: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    timestamp: float = field(default_factory=time.time)
    priority: int = 0
    ttl_seconds: float = 300

    def is_expired(self, now: float | None = None) -> bool:
        """True once older than ``ttl_seconds`` (never when ttl <= 0)."""
        current = time.time() if now is None else now
        return self.ttl_seconds > 0 and current - self.timestamp > self.ttl_seconds

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MessageEvent:
        """Inverse of :meth:`to_dict` (unknown keys ignored)."""
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass
class MemoryBusMetrics:
    """What an :class:`EnhancedMemoryBus` counted."""

    total_operations: int = 0
    get_operations: int = 0
    set_operations: int = 0
    delete_operations: int = 0
    average_response_time: float = 0.0
    cache_hit_ratio: float = 0.0
    memory_usage_mb: float = 0.0
    persistence_operations: int = 0
    backup_operations: int = 0
    recovery_operations: int = 0
    error_count: int = 0
    message_count: int = 0
    subscription_count: int = 0
    broadcast_count: int = 0
    created_at: float = field(default_factory=time.time)
    last_updated: float = field(default_factory=time.time)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


@dataclass
class _Subscription:
    subscription_id: str
    callback: Callback
    subscriber_id: str | None


class EnhancedMemoryBus:
    """Shared key/value data with messaging, metrics and persistence.

    *auto_persist_interval* (seconds; None or 0: off) persists in the
    background when data changed; *cleanup_interval* purges expired messages.
    """

    def __init__(
        self,
        persistence_backend: PersistenceBackend | None = None,
        context: Context | None = None,
        enable_messaging: bool = True,
        enable_persistence: bool = True,
        auto_persist_interval: float | None = 300,
        *,
        cleanup_interval: float = 60.0,
        backup_dir: str | Path | None = None,
    ) -> None:
        self.context = context if context is not None else Context()
        self.backend = persistence_backend
        self.enable_messaging = enable_messaging
        self.enable_persistence = enable_persistence and persistence_backend is not None
        self.backup_dir = Path(backup_dir) if backup_dir is not None else None
        self._metrics = MemoryBusMetrics()
        self._lock = threading.RLock()
        self._subscriptions: dict[str, list[_Subscription]] = {}
        self._messages: list[MessageEvent] = []
        self._hits = self._gets = 0
        self._time_total = 0.0
        self._changed = False
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        if self.enable_persistence and self.backend is not None:
            stored = self.backend.load()
            if stored:
                self.context.merge_from(stored)
                self.context.pop_dirty_keys()
        if enable_messaging and cleanup_interval > 0:
            self._start(self.purge_expired_messages, cleanup_interval, "f0-compat-bus-cleaner")
        if self.enable_persistence and auto_persist_interval:
            self._start(self._persist_if_changed, auto_persist_interval, "f0-compat-bus-persist")

    # -- data ------------------------------------------------------------
    def get(self, key: str, default: Any = None) -> Any:
        """The value of *key*, or *default*."""
        started = time.perf_counter()
        with self._lock:
            found = key in self.context
            value = self.context.get(key, default)
            self._gets += 1
            self._hits += found
            self._count("get", started)
        return value

    def set(self, key: str, value: Any, who: str | None = None) -> bool:
        """Store *value*; False (and an error counted) for a bad key or a non-JSON value."""
        started = time.perf_counter()
        try:
            self.context.set(key, value, who=who)
        except (TypeError, ValueError):
            with self._lock:
                self._metrics.error_count += 1
            return False
        with self._lock:
            self._changed = True
            self._count("set", started)
        return True

    def delete(self, key: str) -> bool:
        """Remove *key*; False if it was not there."""
        started = time.perf_counter()
        removed = self.context.delete(key)
        with self._lock:
            self._changed = self._changed or removed
            self._count("delete", started)
        return removed

    def keys(self) -> list[str]:
        """Every key."""
        return self.context.keys()

    def clear(self) -> None:
        """Remove every key."""
        self.context.clear(who="memory_bus")
        with self._lock:
            self._changed = True

    # -- persistence -------------------------------------------------------
    def persist(self) -> bool:
        """Save all data to the backend; False without one or on failure."""
        if self.backend is None:
            return False
        ok = self.backend.save(self.context.to_dict())
        with self._lock:
            self._metrics.persistence_operations += 1
            self._changed = self._changed and not ok
            self._metrics.error_count += not ok
        return ok

    def backup(self, backup_name: str | None = None) -> bool:
        """Persist, then copy the backend's file to ``backup_dir/NAME`` (default: a timestamp)."""
        if self.backend is None or not self.persist():
            return False
        name = backup_name or time.strftime("backup_%Y%m%d_%H%M%S") + self.backend.path.suffix
        if "/" in name or name.startswith("."):
            with self._lock:
                self._metrics.error_count += 1
            return False
        folder = self.backup_dir or self.backend.path.parent / "backups"
        ok = self.backend.backup(folder / name)
        with self._lock:
            self._metrics.backup_operations += 1
            self._metrics.error_count += not ok
        return ok

    def restore(self, path: str | Path) -> bool:
        """Replace the backend's data and this bus's data with the backup at *path*."""
        if self.backend is None:
            return False
        ok = self.backend.restore(path)
        if ok:
            data = self.backend.load()
            self.context.clear(who="restore")
            self.context.merge_from(data)
        with self._lock:
            self._metrics.recovery_operations += 1
            self._metrics.error_count += not ok
        return ok

    # -- messaging -----------------------------------------------------------
    def subscribe(
        self, event_type: str, callback: Callback, subscriber_id: str | None = None
    ) -> str:
        """Call *callback(event)* for each event of *event_type* (``"*"``: all); return an id.

        An event with a ``target`` reaches only the subscriptions whose
        *subscriber_id* (or subscription id) equals it.
        """
        if not callable(callback):
            msg = f"callback must be callable, not {callback!r}"
            raise TypeError(msg)
        sub = _Subscription(str(uuid.uuid4()), callback, subscriber_id)
        with self._lock:
            self._subscriptions.setdefault(event_type, []).append(sub)
            self._metrics.subscription_count += 1
        return sub.subscription_id

    def unsubscribe(self, event_type: str, callback: Callback | str) -> bool:
        """Remove the subscription (by callback or subscription id); False if none."""
        with self._lock:
            subs = self._subscriptions.get(event_type, [])
            keep = [s for s in subs if callback not in (s.callback, s.subscription_id)]
            removed = len(subs) - len(keep)
            self._subscriptions[event_type] = keep
            self._metrics.subscription_count -= removed
        return removed > 0

    def publish(self, event: MessageEvent) -> bool:
        """Deliver *event* to its subscribers now; False if messaging is off or it expired."""
        if not self.enable_messaging or event.is_expired():
            return False
        with self._lock:
            subs = [
                *self._subscriptions.get(event.event_type, []),
                *self._subscriptions.get("*", []),
            ]
            self._messages.append(event)
            self._metrics.message_count += 1
            self._metrics.broadcast_count += event.target is None
        for sub in subs:
            if event.target is not None and event.target not in (
                sub.subscriber_id,
                sub.subscription_id,
            ):
                continue
            try:
                sub.callback(event)
            except Exception:  # noqa: BLE001 - one subscriber must not break the others
                with self._lock:
                    self._metrics.error_count += 1
        return True

    def get_messages(self, event_type: str | None = None) -> list[MessageEvent]:
        """Published events not yet expired, oldest first (optionally of one type)."""
        now = time.time()
        with self._lock:
            return [
                m
                for m in self._messages
                if not m.is_expired(now) and (event_type is None or m.event_type == event_type)
            ]

    def purge_expired_messages(self) -> int:
        """Drop expired events from the message log; return how many."""
        now = time.time()
        with self._lock:
            before = len(self._messages)
            self._messages = [m for m in self._messages if not m.is_expired(now)]
            return before - len(self._messages)

    # -- health and metrics ------------------------------------------------
    def get_metrics(self) -> MemoryBusMetrics:
        """A copy of the metrics, with ratios and memory use brought up to date."""
        with self._lock:
            self._metrics.cache_hit_ratio = self._hits / self._gets if self._gets else 0.0
            self._metrics.memory_usage_mb = len(self.context.to_json().encode()) / (1024 * 1024)
            return MemoryBusMetrics(**asdict(self._metrics))

    def health_check(self) -> dict[str, Any]:
        """``{"status", "keys", "backend", "messaging", "metrics"}``; status healthy or degraded."""
        backend_ok = True
        if self.backend is not None:
            try:
                self.backend.load()
                backend_ok = self.backend.exists() or not self.context.keys()
            except Exception:  # noqa: BLE001 - a health check reports, it does not raise
                backend_ok = False
        metrics = self.get_metrics()
        return {
            "status": "healthy" if backend_ok else "degraded",
            "keys": len(self.context.keys()),
            "backend": {
                "configured": self.backend is not None,
                "type": type(self.backend).__name__ if self.backend else None,
                "ok": backend_ok,
            },
            "messaging": self.enable_messaging,
            "metrics": metrics.to_dict(),
        }

    # -- lifecycle -----------------------------------------------------------
    def shutdown(self) -> None:
        """Stop the background threads and persist a last time (idempotent)."""
        self._stop.set()
        for thread in self._threads:
            thread.join()
        self._threads = []
        if self.enable_persistence and self._changed:
            self.persist()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()

    # -- internals -----------------------------------------------------------
    def _count(self, operation: str, started: float) -> None:
        metrics = self._metrics
        elapsed = time.perf_counter() - started
        metrics.total_operations += 1
        setattr(metrics, f"{operation}_operations", getattr(metrics, f"{operation}_operations") + 1)
        self._time_total += elapsed
        metrics.average_response_time = self._time_total / metrics.total_operations
        metrics.last_updated = time.time()

    def _start(self, fn: Callable[[], Any], interval: float, name: str) -> None:
        def loop() -> None:
            while not self._stop.wait(interval):
                fn()

        thread = threading.Thread(target=loop, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _persist_if_changed(self) -> None:
        with self._lock:
            changed = self._changed
        if changed:
            self.persist()


def create_json_memory_bus(
    file_path: str | Path, enable_compression: bool = False, **kwargs: Any
) -> EnhancedMemoryBus:
    """A bus persisted to a JSON file."""
    return EnhancedMemoryBus(JSONPersistenceBackend(file_path, enable_compression), **kwargs)


def create_sqlite_memory_bus(
    db_path: str | Path, table_name: str = "memory_bus", **kwargs: Any
) -> EnhancedMemoryBus:
    """A bus persisted to a SQLite table."""
    return EnhancedMemoryBus(SQLitePersistenceBackend(db_path, table_name), **kwargs)


def create_enhanced_memory_bus(
    backend: str | None = None, path: str | Path | None = None, **kwargs: Any
) -> EnhancedMemoryBus:
    """``backend`` ``"json"``, ``"sqlite"`` (both need *path*) or None (in memory only)."""
    if backend is None:
        return EnhancedMemoryBus(None, **kwargs)
    if path is None:
        msg = f"the {backend!r} backend needs a path"
        raise ValueError(msg)
    if backend == "json":
        return create_json_memory_bus(path, **kwargs)
    if backend == "sqlite":
        return create_sqlite_memory_bus(path, **kwargs)
    msg = f"unknown backend {backend!r}; use 'json', 'sqlite' or None"
    raise ValueError(msg)
