"""``orchestrator.persistence.core``: errors, enums, metrics and the base class."""

from __future__ import annotations

import abc
import enum
import threading
import time
from types import TracebackType
from typing import Any, Generic, TypeVar

from f0_store.delta import DeltaStrategy
from f0_store.errors import (
    CacheEntryNotFoundError,
    CacheError,
    CacheFullError,
    DataIntegrityError,
    DeltaCompressionError,
    PersistenceError,
    SnapshotError,
    SnapshotNotFoundError,
    VersioningError,
)
from f0_store.snapshot import StorageBackend

__all__ = [
    "CacheEntryNotFoundError",
    "CacheError",
    "CacheFullError",
    "CacheStrategy",
    "DataIntegrityError",
    "DeltaCompressionError",
    "DeltaStrategy",
    "EnhancedPersistenceError",
    "PersistenceBase",
    "PersistenceError",
    "PersistenceMetrics",
    "SnapshotError",
    "SnapshotNotFoundError",
    "StorageBackend",
    "ThreadSafeContextWrapper",
    "VersioningError",
]


class CacheStrategy(enum.StrEnum):
    """Which cache sits in front of the snapshots."""

    NONE = "none"
    MEMORY = "memory"
    DISK = "disk"
    TIERED = "tiered"


class EnhancedPersistenceError(PersistenceError):
    """An ``EnhancedPersistenceV2`` operation failed (wraps the cause)."""


class PersistenceMetrics:
    """Counters and timings of save/load operations (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Zero everything."""
        with self._lock:
            self.save_count = self.load_count = 0
            self.total_save_time = self.total_load_time = 0.0
            self.bytes_saved = self.bytes_loaded = 0
            self.error_count = self.cache_hits = self.cache_misses = 0
            self._started: float | None = None

    def start_operation(self) -> None:
        """Start timing an operation."""
        self._started = time.perf_counter()

    def end_operation(self) -> float:
        """Seconds since :meth:`start_operation` (0.0 if none was started)."""
        started, self._started = self._started, None
        return 0.0 if started is None else time.perf_counter() - started

    def update_save(self, size_bytes: int, seconds: float) -> None:
        """Count one save of *size_bytes* that took *seconds*."""
        with self._lock:
            self.save_count += 1
            self.bytes_saved += size_bytes
            self.total_save_time += seconds

    def update_load(self, size_bytes: int, seconds: float) -> None:
        """Count one load of *size_bytes* that took *seconds*."""
        with self._lock:
            self.load_count += 1
            self.bytes_loaded += size_bytes
            self.total_load_time += seconds

    def increment_errors(self) -> None:
        """Count an error."""
        with self._lock:
            self.error_count += 1

    def increment_cache_hits(self) -> None:
        """Count a cache hit."""
        with self._lock:
            self.cache_hits += 1

    def increment_cache_misses(self) -> None:
        """Count a cache miss."""
        with self._lock:
            self.cache_misses += 1

    def get_average_save_time(self) -> float:
        """Mean seconds per save (0.0 before any)."""
        return self.total_save_time / self.save_count if self.save_count else 0.0

    def get_average_load_time(self) -> float:
        """Mean seconds per load (0.0 before any)."""
        return self.total_load_time / self.load_count if self.load_count else 0.0

    def get_cache_hit_ratio(self) -> float:
        """Hits / (hits + misses), 0.0-1.0 (0.0 before any lookup)."""
        lookups = self.cache_hits + self.cache_misses
        return self.cache_hits / lookups if lookups else 0.0

    def to_dict(self) -> dict[str, Any]:
        """Every counter and the derived averages."""
        with self._lock:
            return {
                "save_count": self.save_count,
                "load_count": self.load_count,
                "total_save_time": self.total_save_time,
                "total_load_time": self.total_load_time,
                "bytes_saved": self.bytes_saved,
                "bytes_loaded": self.bytes_loaded,
                "error_count": self.error_count,
                "cache_hits": self.cache_hits,
                "cache_misses": self.cache_misses,
                "average_save_time": self.get_average_save_time(),
                "average_load_time": self.get_average_load_time(),
                "cache_hit_ratio": self.get_cache_hit_ratio(),
            }


class PersistenceBase(abc.ABC):
    """What every persistence implementation offers."""

    @abc.abstractmethod
    def save(self, data: dict[str, Any]) -> str:
        """Store *data* (replacing what was there); return an operation id."""

    @abc.abstractmethod
    def load(self) -> dict[str, Any]:
        """All stored data."""

    @abc.abstractmethod
    def get(self, key: str, default: Any = None) -> Any:
        """One value."""

    @abc.abstractmethod
    def set(self, key: str, value: Any) -> None:
        """Store one value."""

    @abc.abstractmethod
    def delete(self, key: str) -> bool:
        """Remove one key; False if absent."""

    @abc.abstractmethod
    def clear(self) -> None:
        """Remove everything."""

    @abc.abstractmethod
    def get_metrics(self) -> dict[str, Any]:
        """Operation metrics."""


_T = TypeVar("_T")


class ThreadSafeContextWrapper(Generic[_T]):
    """``with ThreadSafeContextWrapper(obj) as o:`` uses *obj* under one re-entrant lock."""

    def __init__(self, obj: _T) -> None:
        self._obj = obj
        self._lock = threading.RLock()

    def __enter__(self) -> _T:
        self._lock.acquire()
        return self._obj

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._lock.release()
