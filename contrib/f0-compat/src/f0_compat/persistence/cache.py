"""``orchestrator.persistence.cache``: f0_store's caches, plus ``PersistentCache`` and ``TieredCache``.

``Cache``, ``CacheEntry``, ``EvictionPolicy``, ``CacheDecorator`` and the
errors are ``f0_store.cache``'s. The two Framework0 caches f0_store does not
have are built on its public ``Cache`` API (``peek``/``entries`` read without
counting hits; ``on_evict`` sees every policy eviction):

* :class:`PersistentCache` writes its unexpired entries to ``cache_dir/cache.json``
  (atomically) on :meth:`~PersistentCache.persist`, every
  ``auto_persist_interval`` seconds and at shutdown, and loads them back on
  construction, ages and TTLs intact.
* :class:`TieredCache` keeps hot entries in memory and what memory evicts in
  a SQLite file (``disk_cache_dir/cache.db``, at most ``disk_cache_size_mb``);
  a disk hit moves back to memory when ``promote_on_access``. Framework0's
  version called a name-mangled ``super()`` method and never reached its
  disk tier; this is what it meant to do.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import sqlite3
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Hashable, Iterator
from pathlib import Path
from typing import Any, Self

import structlog
from f0 import write_atomic
from f0_store.cache import Cache, CacheDecorator, CacheEntry, EvictionPolicy
from f0_store.errors import CacheEntryNotFoundError, CacheError, CacheFullError

__all__ = [
    "Cache",
    "CacheDecorator",
    "CacheEntry",
    "CacheEntryNotFoundError",
    "CacheError",
    "CacheFullError",
    "DiskCache",
    "EvictionPolicy",
    "PersistentCache",
    "TieredCache",
]

_log = structlog.get_logger("f0_compat.cache")
_MISS: Any = object()


def _key_json(key: Hashable) -> str:
    """A key as JSON text (``ValueError`` for keys JSON cannot hold)."""
    if isinstance(key, tuple):
        return json.dumps({"tuple": [json.loads(_key_json(k)) for k in key]})
    if key is None or isinstance(key, str | int | float | bool):
        return json.dumps(key, allow_nan=False)
    msg = f"cache key {key!r} cannot be written to disk (use str, int, float, bool or tuples)"
    raise ValueError(msg)


def _key_from_json(text: str) -> Hashable:
    return _unjson_key(json.loads(text))


def _unjson_key(value: Any) -> Hashable:
    if isinstance(value, dict):
        return tuple(_unjson_key(v) for v in value["tuple"])
    return value  # type: ignore[no-any-return]


def _value_json(value: Any) -> str:
    return json.dumps(value, allow_nan=False)


def _write_atomic(path: Path, text: str) -> None:
    """Write *text* to *path* via a temp file, fsync and rename: never half a file."""
    write_atomic(path, text)


class _Ticker:
    """Calls *action* every *interval* seconds from a daemon thread until stopped."""

    def __init__(self, interval: float, action: Callable[[], object], name: str) -> None:
        self._stop = threading.Event()
        self._interval = interval
        self._action = action
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._action()
            except Exception as exc:  # noqa: BLE001 - a background save must not die silently
                _log.warning("cache.auto_persist_failed", error=f"{type(exc).__name__}: {exc}")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=10)


def _shutdown_at_exit(obj: Any) -> None:
    """Call ``obj.shutdown()`` at interpreter exit, without keeping *obj* alive."""
    ref = weakref.ref(obj)

    def hook() -> None:
        target = ref()
        if target is None:
            return
        try:
            target.shutdown()
        except OSError as exc:  # the folder went away: say so, don't end the exit with a traceback
            _log.warning("cache.persist_at_exit_failed", error=str(exc))

    atexit.register(hook)


class PersistentCache(Cache):
    """A :class:`Cache` saved to ``cache_dir/cache.json`` and loaded back on construction.

    *cache_dir* None uses a new temporary folder. *auto_persist_interval*
    (seconds; None or 0: never) saves from a background thread;
    *persist_on_shutdown* saves at :meth:`shutdown` (also called at
    interpreter exit and when leaving ``with``). Entries whose key or value
    JSON cannot hold stay in memory only. A damaged ``cache.json`` is moved
    aside to ``cache.json.damaged`` (not lost) and the cache starts empty.
    """

    def __init__(  # noqa: PLR0917 - Framework0's signature
        self,
        cache_dir: str | Path | None = None,
        max_size: int = 1000,
        max_memory_mb: float | None = None,
        default_ttl: float | None = None,
        eviction_policy: EvictionPolicy | str = EvictionPolicy.LRU,
        thread_safe: bool = True,
        persist_on_shutdown: bool = True,
        auto_persist_interval: float | None = 60.0,
        *,
        timer: Callable[[], float] = time.time,
        on_evict: Callable[[CacheEntry], None] | None = None,
    ) -> None:
        super().__init__(
            max_size,
            max_memory_mb,
            default_ttl,
            eviction_policy,
            thread_safe,
            timer=timer,
            on_evict=on_evict,
        )
        self.cache_dir = Path(
            cache_dir if cache_dir is not None else tempfile.mkdtemp(prefix="f0-cache-")
        )
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        self.cache_file = self.cache_dir / "cache.json"
        self.persist_on_shutdown = persist_on_shutdown
        self._save_lock = threading.Lock()
        self._closed = False
        self.load()
        self._ticker = (
            _Ticker(auto_persist_interval, self.persist, "f0-compat-cache-persist")
            if auto_persist_interval
            else None
        )
        if persist_on_shutdown:
            _shutdown_at_exit(self)

    def persist(self) -> int:
        """Write every unexpired entry to :attr:`cache_file`; return how many were written."""
        rows = []
        skipped = 0
        for entry in self.entries():
            try:
                rows.append(
                    {
                        **entry.to_dict(),
                        "key": json.loads(_key_json(entry.key)),
                        "value": json.loads(_value_json(entry.value)),
                    }
                )
            except (TypeError, ValueError):
                skipped += 1
        if skipped:
            _log.warning("cache.not_persisted", entries=skipped, reason="key or value is not JSON")
        with self._save_lock:
            _write_atomic(self.cache_file, json.dumps({"version": 1, "entries": rows}))
        return len(rows)

    def load(self) -> int:
        """Add the entries of :attr:`cache_file` (unexpired ones); return how many."""
        if not self.cache_file.is_file():
            return 0
        try:
            data = json.loads(self.cache_file.read_text(encoding="utf-8"))
            rows = data["entries"]
            entries = [
                CacheEntry.from_dict({**row, "key": _unjson_key(row["key"])}) for row in rows
            ]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            aside = self.cache_file.with_name(self.cache_file.name + ".damaged")
            self.cache_file.replace(aside)
            _log.warning(
                "cache.file_damaged", file=str(self.cache_file), moved_to=str(aside), error=str(exc)
            )
            return 0
        now = self._timer()
        loaded = 0
        for entry in entries:
            if entry.is_expired(now):
                continue
            self.set(entry.key, entry.value, ttl=entry.ttl)
            kept = self.peek(entry.key)
            if kept is not None:  # keep its age and use counts across restarts
                kept.created_at = entry.created_at
                kept.last_accessed = entry.last_accessed
                kept.access_count = entry.access_count
                loaded += 1
        return loaded

    def clear(self) -> None:
        """Remove every entry, and the cache file."""
        super().clear()
        with self._save_lock:
            self.cache_file.unlink(missing_ok=True)

    def shutdown(self) -> None:
        """Stop the background saver; save once more if ``persist_on_shutdown``."""
        if self._closed:
            return
        self._closed = True
        if self._ticker is not None:
            self._ticker.stop()
        if self.persist_on_shutdown:
            self.persist()

    close = shutdown

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()


class DiskCache:
    """A size-capped cache in one SQLite file: the disk tier of :class:`TieredCache`.

    Keys and values are stored as JSON; over *max_size_mb* the least
    recently used entries go. Thread-safe (one connection, one lock).
    """

    def __init__(
        self,
        path: str | Path,
        max_size_mb: float = 100.0,
        *,
        timer: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.max_bytes = int(max_size_mb * 1024 * 1024)
        self._timer = timer
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, value TEXT NOT NULL,"
            " created_at REAL NOT NULL, ttl REAL, last_accessed REAL NOT NULL,"
            " access_count INTEGER NOT NULL, size_bytes INTEGER NOT NULL)"
        )
        self.hits = self.misses = self.evictions = self.expirations = self.rejected = 0

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def put(self, entry: CacheEntry) -> bool:
        """Store *entry* (its age and TTL kept); False if its key or value is not JSON."""
        try:
            key, value = _key_json(entry.key), _value_json(entry.value)
        except (TypeError, ValueError):
            self.rejected += 1
            return False
        size = len(key.encode()) + len(value.encode())
        if size > self.max_bytes:
            self.rejected += 1
            return False
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    key,
                    value,
                    entry.created_at,
                    entry.ttl,
                    entry.last_accessed,
                    entry.access_count,
                    size,
                ),
            )
            self._evict(db)
        return True

    def _evict(self, db: sqlite3.Connection) -> None:
        (total,) = db.execute("SELECT COALESCE(SUM(size_bytes), 0) FROM entries").fetchone()
        while total > self.max_bytes:
            row = db.execute(
                "SELECT key, size_bytes FROM entries ORDER BY last_accessed LIMIT 1"
            ).fetchone()
            if row is None:
                return
            db.execute("DELETE FROM entries WHERE key = ?", (row[0],))
            total -= row[1]
            self.evictions += 1

    def take(self, key: Hashable, *, remove: bool = False) -> CacheEntry | None:
        """The unexpired entry of *key* (counted as a hit), or None (a miss).

        With *remove* it leaves the disk (it is being promoted to memory).
        """
        try:
            text = _key_json(key)
        except ValueError:
            self.misses += 1
            return None
        now = self._timer()
        with self._transaction() as db:
            row = db.execute(
                "SELECT value, created_at, ttl, access_count FROM entries WHERE key = ?", (text,)
            ).fetchone()
            if row is None:
                self.misses += 1
                return None
            value, created_at, ttl, count = row
            if ttl is not None and now - created_at > ttl:
                db.execute("DELETE FROM entries WHERE key = ?", (text,))
                self.expirations += 1
                self.misses += 1
                return None
            if remove:
                db.execute("DELETE FROM entries WHERE key = ?", (text,))
            else:
                db.execute(
                    "UPDATE entries SET last_accessed = ?, access_count = ? WHERE key = ?",
                    (now, count + 1, text),
                )
        self.hits += 1
        return CacheEntry(
            key=key,
            value=json.loads(value),
            ttl=ttl,
            created_at=created_at,
            last_accessed=now,
            access_count=count + 1,
        )

    def contains(self, key: Hashable) -> bool:
        """Whether *key* has an unexpired entry (not counted as a hit)."""
        try:
            text = _key_json(key)
        except ValueError:
            return False
        with self._lock:
            row = self._db.execute(
                "SELECT created_at, ttl FROM entries WHERE key = ?", (text,)
            ).fetchone()
        return row is not None and (row[1] is None or self._timer() - row[0] <= row[1])

    def delete(self, key: Hashable) -> bool:
        """Remove *key*; False if it was not there."""
        try:
            text = _key_json(key)
        except ValueError:
            return False
        with self._transaction() as db:
            return db.execute("DELETE FROM entries WHERE key = ?", (text,)).rowcount > 0

    def get_keys(self) -> list[Hashable]:
        """Keys of unexpired entries."""
        now = self._timer()
        with self._lock:
            rows = self._db.execute("SELECT key, created_at, ttl FROM entries").fetchall()
        return [
            _key_from_json(k) for k, created, ttl in rows if ttl is None or now - created <= ttl
        ]

    def clear(self) -> None:
        """Remove every entry."""
        with self._transaction() as db:
            db.execute("DELETE FROM entries")

    def get_stats(self) -> dict[str, Any]:
        """``size, hits, misses, hit_ratio, evictions, expirations, rejected, disk_usage_bytes...``."""
        with self._lock:
            count, used = self._db.execute(
                "SELECT COUNT(*), COALESCE(SUM(size_bytes), 0) FROM entries"
            ).fetchone()
        lookups = self.hits + self.misses
        return {
            "size": count,
            "hits": self.hits,
            "misses": self.misses,
            "hit_ratio": self.hits / lookups if lookups else 0.0,
            "evictions": self.evictions,
            "expirations": self.expirations,
            "rejected": self.rejected,
            "disk_usage_bytes": used,
            "max_disk_bytes": self.max_bytes,
            "path": str(self.path),
        }

    def close(self) -> None:
        """Close the SQLite connection."""
        with self._lock:
            self._db.close()


class TieredCache(Cache):
    """Memory first, then disk: what the memory tier evicts moves to a :class:`DiskCache`.

    *disk_cache_dir* None uses a new temporary folder; the disk tier is
    ``disk_cache_dir/cache.db``, at most *disk_cache_size_mb*. ``get`` looks
    in memory, then on disk (a disk hit moves back to memory when
    *promote_on_access*). ``delete``, ``clear``, ``contains`` and
    ``get_keys`` span both tiers; ``get_stats()`` is ``{"memory": ..., "disk": ...}``.
    """

    def __init__(  # noqa: PLR0917 - Framework0's signature
        self,
        max_size: int = 1000,
        max_memory_mb: float | None = None,
        default_ttl: float | None = None,
        eviction_policy: EvictionPolicy | str = EvictionPolicy.LRU,
        thread_safe: bool = True,
        disk_cache_dir: str | Path | None = None,
        disk_cache_size_mb: float = 100.0,
        promote_on_access: bool = True,
        *,
        timer: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(
            max_size,
            max_memory_mb,
            default_ttl,
            eviction_policy,
            thread_safe,
            timer=timer,
            on_evict=self._demote,
        )
        self.disk_cache_dir = Path(
            disk_cache_dir if disk_cache_dir is not None else tempfile.mkdtemp(prefix="f0-tier-")
        )
        self.disk = DiskCache(self.disk_cache_dir / "cache.db", disk_cache_size_mb, timer=timer)
        self.promote_on_access = promote_on_access
        # Taken before either tier's lock, so a value is never in flight between tiers
        # while another thread looks for it.
        self._tiers = threading.RLock()

    def _demote(self, entry: CacheEntry) -> None:
        if not self.disk.put(entry):
            _log.debug("cache.not_demoted", key=repr(entry.key), reason="not JSON or too big")

    def get(self, key: Hashable, default: Any = None) -> Any:
        """From memory, else from disk (promoted to memory if ``promote_on_access``)."""
        with self._tiers:
            value = super().get(key, _MISS)
            if value is not _MISS:
                return value
            entry = self.disk.take(key, remove=self.promote_on_access)
            if entry is None:
                return default
            if self.promote_on_access:
                remaining = None
                if entry.ttl is not None:
                    remaining = max(entry.ttl - entry.get_age(self._timer()), 0.0)
                super().set(key, entry.value, ttl=remaining)
            return entry.value

    def set(self, key: Hashable, value: Any, ttl: float | None = None) -> None:
        """Store in memory (a stale disk copy of *key* is dropped)."""
        with self._tiers:
            super().set(key, value, ttl)
            self.disk.delete(key)

    def contains(self, key: Hashable) -> bool:
        """Whether either tier has an unexpired entry for *key*."""
        with self._tiers:
            return super().contains(key) or self.disk.contains(key)

    __contains__ = contains

    def delete(self, key: Hashable) -> bool:
        """Remove *key* from both tiers; False if neither had it."""
        with self._tiers:
            in_memory = super().delete(key)
            return self.disk.delete(key) or in_memory

    def clear(self) -> None:
        """Empty both tiers."""
        with self._tiers:
            super().clear()
            self.disk.clear()

    def get_keys(self) -> list[Hashable]:
        """Unexpired keys of both tiers (memory first)."""
        with self._tiers:
            keys = super().get_keys()
            seen = set(keys)
            return keys + [k for k in self.disk.get_keys() if k not in seen]

    def get_stats(self) -> dict[str, Any]:
        """``{"memory": Cache.get_stats(), "disk": DiskCache.get_stats()}``."""
        with self._tiers:
            return {"memory": super().get_stats(), "disk": self.disk.get_stats()}

    def close(self) -> None:
        """Close the disk tier's file."""
        self.disk.close()
