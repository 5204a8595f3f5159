"""``orchestrator.persistence.cache``: see :mod:`f0_compat.persistence.cache`."""

from __future__ import annotations

from f0_compat.persistence.cache import (
    Cache,
    CacheDecorator,
    CacheEntry,
    CacheEntryNotFoundError,
    CacheError,
    CacheFullError,
    DiskCache,
    EvictionPolicy,
    PersistentCache,
    TieredCache,
)

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
