"""``orchestrator.persistence.cache``: f0_store's caches under their Framework0 names."""

from __future__ import annotations

from f0_store.cache import Cache, CacheDecorator, CacheEntry, EvictionPolicy
from f0_store.errors import CacheEntryNotFoundError, CacheError, CacheFullError

__all__ = [
    "Cache",
    "CacheDecorator",
    "CacheEntry",
    "CacheEntryNotFoundError",
    "CacheError",
    "CacheFullError",
    "EvictionPolicy",
]
