"""In-process caches with Framework0's names, over ``cachetools``.

``Cache(max_size=1000, max_memory_mb=None, default_ttl=None,
eviction_policy=EvictionPolicy.LRU, thread_safe=True)``; ``max_size=0`` means
unlimited. cachetools keeps the policy's order (``LRUCache``, ``LFUCache``,
``FIFOCache``); this layer adds what the spec asks on top: a TTL per entry
under every policy, a memory cap, entry metadata and stats (hits, misses,
evictions, expirations, hit ratio).

Victims: LRU = least recently used; LFU = fewest uses, ties to the least
recently used (cachetools' rule); FIFO = oldest insert; TTL = soonest
expiry, entries without a TTL last (LRU among them). A value bigger than
the memory cap raises :class:`~f0_store.errors.CacheFullError`.

The clock is ``time.time`` unless you pass ``timer=`` (tests move their own).
"""

from __future__ import annotations

import contextlib
import enum
import functools
import json
import math
import sys
import threading
import time
from collections.abc import Callable, Hashable, Mapping
from typing import Any, TypeVar

import attrs
import cachetools

from f0_store.errors import CacheEntryNotFoundError, CacheFullError

__all__ = ["Cache", "CacheDecorator", "CacheEntry", "EvictionPolicy"]

F = TypeVar("F", bound=Callable[..., Any])
_MISS: Any = object()


class EvictionPolicy(enum.StrEnum):
    """Which entry goes when the cache is full."""

    LRU = "LRU"
    LFU = "LFU"
    FIFO = "FIFO"
    TTL = "TTL"

    @classmethod
    def all_policies(cls) -> list[str]:
        """The four policy names."""
        return [p.value for p in cls]

    @classmethod
    def parse(cls, value: EvictionPolicy | str) -> EvictionPolicy:
        """*value* as a policy (case-insensitive); ``ValueError`` for an unknown name."""
        try:
            return cls(str(value).upper())
        except ValueError:
            msg = f"unknown eviction policy {value!r}; use one of {cls.all_policies()}"
            raise ValueError(msg) from None


def _size_of(value: Any) -> int:
    try:
        return len(json.dumps(value).encode())
    except (TypeError, ValueError):
        return sys.getsizeof(value)


@attrs.define(kw_only=True)
class CacheEntry:
    """One cached value and its bookkeeping (the legacy ``CacheEntry``)."""

    key: Any
    value: Any
    ttl: float | None = None
    created_at: float = attrs.field(factory=time.time)
    last_accessed: float = attrs.field(default=None)
    access_count: int = 0
    size_bytes: int = attrs.field(default=None)

    def __attrs_post_init__(self) -> None:
        if self.last_accessed is None:
            self.last_accessed = self.created_at
        if self.size_bytes is None:
            self.size_bytes = _size_of(self.value)

    @property
    def expires_at(self) -> float | None:
        """When the entry expires (None: never)."""
        return None if self.ttl is None else self.created_at + self.ttl

    def is_expired(self, now: float | None = None) -> bool:
        """True when a TTL is set and the entry is older than it."""
        now = time.time() if now is None else now
        return self.ttl is not None and now - self.created_at > self.ttl

    def access(self, now: float | None = None) -> None:
        """Count a hit."""
        self.access_count += 1
        self.last_accessed = time.time() if now is None else now

    def get_age(self, now: float | None = None) -> float:
        """Seconds since the entry was stored."""
        return (time.time() if now is None else now) - self.created_at

    def get_idle_time(self, now: float | None = None) -> float:
        """Seconds since the entry was last read (or stored)."""
        return (time.time() if now is None else now) - self.last_accessed

    def to_dict(self) -> dict[str, Any]:
        """Every field as a dict."""
        return attrs.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CacheEntry:
        """Inverse of :meth:`to_dict`."""
        return cls(**{f.name: data[f.name] for f in attrs.fields(cls) if f.name in data})


class _SoonestExpiry(cachetools.LRUCache[Hashable, CacheEntry]):
    """LRU order, but the victim is the entry that expires soonest."""

    def popitem(self) -> tuple[Hashable, CacheEntry]:
        soonest: tuple[float, Hashable] | None = None
        for key in self:
            entry = cachetools.Cache.__getitem__(self, key)  # no LRU touch
            expires = entry.expires_at
            if expires is not None and (soonest is None or expires < soonest[0]):
                soonest = (expires, key)
        if soonest is None:
            return super().popitem()
        key = soonest[1]
        return key, self.pop(key)


_CONTAINERS: dict[EvictionPolicy, Callable[[float], cachetools.Cache[Hashable, CacheEntry]]] = {
    EvictionPolicy.LRU: cachetools.LRUCache,
    EvictionPolicy.LFU: cachetools.LFUCache,
    EvictionPolicy.FIFO: cachetools.FIFOCache,
    EvictionPolicy.TTL: _SoonestExpiry,
}


class Cache:
    """A bounded in-process cache; see the module docstring."""

    def __init__(
        self,
        max_size: int = 1000,
        max_memory_mb: float | None = None,
        default_ttl: float | None = None,
        eviction_policy: EvictionPolicy | str = EvictionPolicy.LRU,
        thread_safe: bool = True,
        *,
        timer: Callable[[], float] = time.time,
        on_evict: Callable[[CacheEntry], None] | None = None,
    ) -> None:
        if max_size < 0:
            msg = "max_size must be >= 0 (0 = unlimited)"
            raise ValueError(msg)
        self.max_size = max_size
        self.max_memory_bytes = None if max_memory_mb is None else int(max_memory_mb * 1024 * 1024)
        self.default_ttl = default_ttl
        self.eviction_policy = EvictionPolicy.parse(eviction_policy)
        self._timer = timer
        #: Called with each entry the policy evicts (not expired or deleted
        #: ones), with the cache's lock held: it must not call this cache.
        #: A second tier (a disk cache) keeps what memory lets go.
        self.on_evict = on_evict
        # The container never evicts by itself (maxsize=inf): limits are ours,
        # victims are its popitem(), so every eviction is seen and counted.
        self._data = _CONTAINERS[self.eviction_policy](math.inf)
        self._lock: contextlib.AbstractContextManager[Any] = (
            threading.RLock() if thread_safe else contextlib.nullcontext()
        )
        self._memory = 0
        self.hits = self.misses = self.evictions = self.expirations = 0

    # -- reading ---------------------------------------------------------
    def get(self, key: Hashable, default: Any = None) -> Any:
        """The value of *key*, or *default* (an expired entry is a miss and is removed)."""
        with self._lock:
            now = self._timer()
            entry = self._peek(key)
            if entry is None or entry.is_expired(now):
                if entry is not None:
                    self._drop(key)
                    self.expirations += 1
                self.misses += 1
                return default
            self._data[key]  # the container's own hit bookkeeping (LRU/LFU order)
            entry.access(now)
            self.hits += 1
            return entry.value

    def contains(self, key: Hashable) -> bool:
        """Whether *key* has an unexpired entry (not counted as a hit)."""
        with self._lock:
            entry = self._peek(key)
            return entry is not None and not entry.is_expired(self._timer())

    __contains__ = contains

    def get_keys(self) -> list[Hashable]:
        """Keys of unexpired entries."""
        with self._lock:
            now = self._timer()
            return [k for k in self._data if not self._entry(k).is_expired(now)]

    def get_entry_metadata(self, key: Hashable) -> dict[str, Any]:
        """``key, created_at, last_accessed, access_count, ttl, expires_at, size_bytes, age, idle_time``."""
        with self._lock:
            now = self._timer()
            entry = self._peek(key)
            if entry is None or entry.is_expired(now):
                msg = f"no cache entry for {key!r}"
                raise CacheEntryNotFoundError(msg)
            return {
                "key": entry.key,
                "created_at": entry.created_at,
                "last_accessed": entry.last_accessed,
                "access_count": entry.access_count,
                "ttl": entry.ttl,
                "expires_at": entry.expires_at,
                "size_bytes": entry.size_bytes,
                "age": entry.get_age(now),
                "idle_time": entry.get_idle_time(now),
            }

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)

    def peek(self, key: Hashable) -> CacheEntry | None:
        """The unexpired entry of *key* (or None), without counting a hit or moving it.

        For code that inspects or copies a cache (writing it to disk, say):
        the policy's order and the stats stay as they were.
        """
        with self._lock:
            entry = self._peek(key)
            return None if entry is None or entry.is_expired(self._timer()) else entry

    def entries(self) -> list[CacheEntry]:
        """Every unexpired entry, without counting hits or changing the eviction order."""
        with self._lock:
            now = self._timer()
            found = [self._entry(k) for k in self._data]
            return [e for e in found if not e.is_expired(now)]

    # -- writing ---------------------------------------------------------
    def set(self, key: Hashable, value: Any, ttl: float | None = None) -> None:
        """Store *value*; evict by policy while over ``max_size`` or the memory cap."""
        with self._lock:
            now = self._timer()
            entry = CacheEntry(
                key=key, value=value, ttl=self.default_ttl if ttl is None else ttl, created_at=now
            )
            cap = self.max_memory_bytes
            if cap is not None and entry.size_bytes > cap:
                msg = f"value of {entry.size_bytes} bytes does not fit a {cap}-byte cache"
                raise CacheFullError(msg)
            if key in self._data:
                self._drop(key)
            elif self._full(extra_bytes=entry.size_bytes, extra_items=1):
                self._purge_expired(now)
            while self._data and self._full(extra_bytes=entry.size_bytes, extra_items=1):
                _, victim = self._data.popitem()
                self._memory -= victim.size_bytes
                self.evictions += 1
                if self.on_evict is not None:
                    self.on_evict(victim)
            self._data[key] = entry
            self._memory += entry.size_bytes

    def delete(self, key: Hashable) -> bool:
        """Remove *key*; False if it was not there."""
        with self._lock:
            if key not in self._data:
                return False
            self._drop(key)
            return True

    def clear(self) -> None:
        """Remove every entry (stats are kept)."""
        with self._lock:
            self._data.clear()
            self._memory = 0

    def get_stats(self) -> dict[str, Any]:
        """``size, max_size, hits, misses, hit_ratio, hit_rate, evictions, expirations, memory...``."""
        with self._lock:
            lookups = self.hits + self.misses
            ratio = self.hits / lookups if lookups else 0.0
            return {
                "size": len(self._data),
                "max_size": self.max_size,
                "hits": self.hits,
                "misses": self.misses,
                "hit_ratio": ratio,
                "hit_rate": ratio,
                "evictions": self.evictions,
                "expirations": self.expirations,
                "memory_usage_bytes": self._memory,
                "max_memory_bytes": self.max_memory_bytes,
                "eviction_policy": self.eviction_policy.value,
            }

    # -- internals (lock held) ----------------------------------------------
    def _entry(self, key: Hashable) -> CacheEntry:
        return cachetools.Cache.__getitem__(self._data, key)  # type: ignore[no-any-return]

    def _peek(self, key: Hashable) -> CacheEntry | None:
        return self._entry(key) if key in self._data else None

    def _drop(self, key: Hashable) -> None:
        entry = self._data.pop(key)
        self._memory -= entry.size_bytes

    def _full(self, *, extra_bytes: int, extra_items: int) -> bool:
        if self.max_size and len(self._data) + extra_items > self.max_size:
            return True
        cap = self.max_memory_bytes
        return cap is not None and self._memory + extra_bytes > cap

    def _purge_expired(self, now: float) -> None:
        for key in [k for k in self._data if self._entry(k).is_expired(now)]:
            self._drop(key)
            self.expirations += 1


class CacheDecorator:
    """Memoise a function in a :class:`Cache` (``@CacheDecorator(ttl=60)``)."""

    def __init__(
        self,
        cache: Cache | None = None,
        ttl: float | None = None,
        key_func: Callable[..., Hashable] | None = None,
    ) -> None:
        self.cache = cache if cache is not None else Cache()
        self.ttl = ttl
        self.key_func = key_func

    def __call__(self, func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if self.key_func is not None:
                key = self.key_func(*args, **kwargs)
            else:
                key = f"{func.__module__}.{func.__qualname__}:{args!r}:{sorted(kwargs.items())!r}"
            value = self.cache.get(key, _MISS)
            if value is _MISS:
                value = func(*args, **kwargs)
                self.cache.set(key, value, self.ttl)
            return value

        return wrapper  # type: ignore[return-value]
