"""``orchestrator.persistence.enhanced``: ``EnhancedPersistenceV2`` over f0_store.

The current data is a JSON-only dict; snapshots (full or delta) are
``f0_store``'s SQLite versions under ``base_path``; reads go through an
``f0_store`` :class:`~f0_store.cache.Cache` unless ``cache_strategy`` is
``NONE``. Every failure is raised as :class:`EnhancedPersistenceError`
(its cause attached).
"""

from __future__ import annotations

import contextlib
import copy
import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Self, TypeVar

import f0
from f0 import write_atomic
from f0_store.cache import Cache

from f0_compat.persistence.core import (
    CacheStrategy,
    DeltaStrategy,
    EnhancedPersistenceError,
    PersistenceBase,
    PersistenceMetrics,
    StorageBackend,
)
from f0_compat.persistence.snapshot import SnapshotManager

__all__ = [
    "DEFAULT_BASE_PATH",
    "CachedPersistenceDecorator",
    "EnhancedPersistenceV2",
    "create_enhanced_persistence",
]

#: Where data and snapshots live when no base_path is given.
DEFAULT_BASE_PATH = "persistence"
_T = TypeVar("_T")


class EnhancedPersistenceV2(PersistenceBase):
    """Key/value data with snapshots, deltas, a read cache and metrics."""

    def __init__(  # noqa: PLR0917 - the legacy signature
        self,
        base_path: str | Path | None = None,
        storage_backend: StorageBackend | str = StorageBackend.FILE_SYSTEM,
        cache_strategy: CacheStrategy | str = CacheStrategy.TIERED,
        delta_strategy: DeltaStrategy | str = DeltaStrategy.AUTO,
        max_snapshots: int = 50,
        enable_compression: bool = True,
        auto_snapshot_interval: float | None = None,
        thread_safe: bool = True,
    ) -> None:
        if auto_snapshot_interval is not None and not auto_snapshot_interval > 0:
            msg = f"auto_snapshot_interval must be > 0 seconds, not {auto_snapshot_interval!r}"
            raise ValueError(msg)
        self.base_path = Path(base_path if base_path is not None else DEFAULT_BASE_PATH)
        self.cache_strategy = CacheStrategy(cache_strategy)
        self.enable_compression = enable_compression  # f0_store always compresses snapshots
        self.metrics = PersistenceMetrics()
        self._lock: contextlib.AbstractContextManager[Any] = (
            threading.RLock() if thread_safe else contextlib.nullcontext()
        )
        with self._wrapped("open"):
            self._snapshots = SnapshotManager(
                self.base_path, storage_backend, delta_strategy, max_snapshots
            )
        self._cache = None if self.cache_strategy is CacheStrategy.NONE else Cache(max_size=10_000)
        self._data: dict[str, Any] = {}
        self._changed = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if auto_snapshot_interval is not None:
            self._thread = threading.Thread(
                target=self._auto_snapshot,
                args=(auto_snapshot_interval,),
                name="f0-compat-auto-snapshot",
                daemon=True,
            )
            self._thread.start()

    # -- PersistenceBase ---------------------------------------------------
    def save(self, data: dict[str, Any]) -> str:
        """Replace the data with *data* and snapshot it; return the snapshot's version."""
        self.metrics.start_operation()
        with self._wrapped("save"), self._lock:
            if not isinstance(data, dict):
                msg = f"save() needs a dict, not {type(data).__name__}"
                raise TypeError(msg)
            self._data = {k: f0.normalize_value(k, v) for k, v in data.items()}
            self._invalidate()
            version = self._snapshots.create_snapshot(self._data, description="save")
            self._changed = False
            self.metrics.update_save(_size(self._data), self.metrics.end_operation())
            return version

    def load(self) -> dict[str, Any]:
        """A copy of all data."""
        self.metrics.start_operation()
        with self._lock:
            data = json.loads(json.dumps(self._data))
        self.metrics.update_load(_size(data), self.metrics.end_operation())
        return data  # type: ignore[no-any-return]

    def get(self, key: str, default: Any = None) -> Any:
        """The value of *key* (through the cache), or *default*."""
        with self._lock:
            if self._cache is not None:
                hit = self._cache.get(key, _MISS)
                if hit is not _MISS:
                    self.metrics.increment_cache_hits()
                    return json.loads(hit)
                self.metrics.increment_cache_misses()
            if key not in self._data:
                return default
            text = json.dumps(self._data[key])
            if self._cache is not None:
                self._cache.set(key, text)
            return json.loads(text)

    def set(self, key: str, value: Any) -> None:
        """Store *value* under *key* (``ValueError`` if it is not JSON)."""
        with self._wrapped("set"), self._lock:
            if not isinstance(key, str) or not key:
                msg = f"keys must be non-empty strings, not {key!r}"
                raise TypeError(msg)
            self._data[key] = f0.normalize_value(key, value)
            self._invalidate(key)
            self._changed = True

    def delete(self, key: str) -> bool:
        """Remove *key*; False if it was not there."""
        with self._lock:
            if key not in self._data:
                return False
            del self._data[key]
            self._invalidate(key)
            self._changed = True
            return True

    def clear(self) -> None:
        """Remove all data (snapshots stay)."""
        with self._lock:
            self._data.clear()
            self._invalidate()
            self._changed = True

    def get_metrics(self) -> dict[str, Any]:
        """Operation metrics, cache stats and the number of snapshots."""
        with self._lock:
            return {
                **self.metrics.to_dict(),
                "keys": len(self._data),
                "snapshots": len(self._snapshots.list_versions()),
                "cache": None if self._cache is None else self._cache.get_stats(),
            }

    # -- snapshots -------------------------------------------------------
    def create_snapshot(self, tag: str | None = None, description: str | None = None) -> str:
        """Snapshot the current data; return the version id."""
        with self._wrapped("create_snapshot"), self._lock:
            version = self._snapshots.create_snapshot(
                self._data, tags=[tag] if tag else None, description=description
            )
            self._changed = False
            return version

    def create_delta_snapshot(
        self,
        tag: str | None = None,
        description: str | None = None,
        base_version: str | None = None,
    ) -> str:
        """Store only what changed since *base_version* (default: the latest)."""
        with self._wrapped("create_delta_snapshot"), self._lock:
            version = self._snapshots.create_delta_snapshot(
                self._data,
                base_version,
                tags=[tag] if tag else None,
                description=description,
            )
            self._changed = False
            return version

    def restore_snapshot(self, version: str) -> bool:
        """Replace the data with snapshot *version*."""
        with self._wrapped("restore_snapshot"), self._lock:
            data, _ = self._snapshots.get_snapshot(version)
            self._replace(data)
            return True

    def restore_snapshot_by_tag(self, tag: str, latest: bool = True) -> bool:
        """Replace the data with the newest (or oldest) snapshot tagged *tag*."""
        with self._wrapped("restore_snapshot_by_tag"), self._lock:
            data, _ = self._snapshots.get_snapshot_by_tag(tag, latest=latest)
            self._replace(data)
            return True

    def list_snapshots(self) -> list[dict[str, Any]]:
        """Metadata dicts of every snapshot, oldest first."""
        with self._wrapped("list_snapshots"):
            return self._snapshots.list_snapshots()

    def get_snapshot_data(self, version: str) -> dict[str, Any]:
        """The data of snapshot *version*."""
        with self._wrapped("get_snapshot_data"):
            return self._snapshots.get_snapshot(version)[0]

    def compare_snapshots(self, v1: str, v2: str) -> dict[str, Any]:
        """``{"added", "removed", "modified"}`` from *v1* to *v2*."""
        with self._wrapped("compare_snapshots"):
            return self._snapshots.compare_snapshots(v1, v2)

    # -- files -------------------------------------------------------------
    def export_data(self, path: str | Path) -> Path:
        """Write the data to *path* as JSON (atomically); return the path."""
        with self._wrapped("export_data"):
            text = json.dumps(self.load(), indent=2, sort_keys=True)
            return write_atomic(path, text)

    def import_data(self, path: str | Path) -> int:
        """Replace the data with the JSON object in *path*; return how many keys."""
        with self._wrapped("import_data"):
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                msg = f"{path}: expected a JSON object, not {type(data).__name__}"
                raise TypeError(msg)
            with self._lock:
                self._replace(data)
            return len(data)

    # -- lifecycle -----------------------------------------------------------
    def cleanup(self) -> None:
        """Stop the auto-snapshot thread and close the snapshot store (idempotent)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._snapshots.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.cleanup()

    # -- internals -----------------------------------------------------------
    @contextlib.contextmanager
    def _wrapped(self, operation: str) -> Iterator[None]:
        try:
            yield
        except EnhancedPersistenceError:
            self.metrics.increment_errors()
            raise
        except (f0.F0Error, OSError, ValueError, TypeError, KeyError) as exc:
            self.metrics.increment_errors()
            msg = f"{operation} failed: {exc}"
            raise EnhancedPersistenceError(msg) from exc

    def _replace(self, data: dict[str, Any]) -> None:
        self._data = {k: f0.normalize_value(k, v) for k, v in data.items()}
        self._invalidate()
        self._changed = True

    def _invalidate(self, key: str | None = None) -> None:
        if self._cache is None:
            return
        if key is None:
            self._cache.clear()
        else:
            self._cache.delete(key)

    def _auto_snapshot(self, interval: float) -> None:
        while not self._stop.wait(interval):
            with self._lock:
                if not self._changed:
                    continue
            with contextlib.suppress(EnhancedPersistenceError):  # counted in metrics
                self.create_snapshot(tag="auto", description="auto snapshot")


_MISS: Any = object()


def _size(data: Any) -> int:
    return len(json.dumps(data).encode())


class CachedPersistenceDecorator:
    """Caches ``load``/``get`` of a persistence object for *ttl* seconds; writes invalidate."""

    _WRITES = frozenset({"save", "set", "delete", "clear", "restore_snapshot", "import_data"})

    def __init__(self, instance: PersistenceBase, ttl: float = 300.0) -> None:
        self._instance = instance
        self._cache = Cache(max_size=10_000, default_ttl=ttl)
        self.ttl = ttl

    def load(self) -> dict[str, Any]:
        """``instance.load()``, cached."""
        return copy.deepcopy(self._cached(("load",), self._instance.load))

    def get(self, key: str, default: Any = None) -> Any:
        """``instance.get(key)``, cached (the default is not cached)."""
        hit = self._cache.get(("get", key), _MISS)
        if hit is not _MISS:
            return copy.deepcopy(hit)
        value = self._instance.get(key, _MISS)
        if value is _MISS:
            return default
        self._cache.set(("get", key), value)
        return value

    def _cached(self, key: tuple[str, ...], fetch: Callable[[], _T]) -> _T:
        hit = self._cache.get(key, _MISS)
        if hit is not _MISS:
            return hit  # type: ignore[no-any-return]
        value = fetch()
        self._cache.set(key, value)
        return value

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._instance, name)
        if name in self._WRITES or name.startswith("restore"):

            def write(*args: Any, **kwargs: Any) -> Any:
                try:
                    return attr(*args, **kwargs)
                finally:
                    self._cache.clear()

            return write
        return attr


def create_enhanced_persistence(
    base_path: str | Path | None = None, **kwargs: Any
) -> EnhancedPersistenceV2:
    """``EnhancedPersistenceV2(base_path, **kwargs)``."""
    return EnhancedPersistenceV2(base_path, **kwargs)
