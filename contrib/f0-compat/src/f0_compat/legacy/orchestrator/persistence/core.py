"""``orchestrator.persistence.core``: see :mod:`f0_compat.persistence.core`."""

from __future__ import annotations

from f0_compat.persistence.core import (
    CacheEntryNotFoundError,
    CacheError,
    CacheFullError,
    CacheStrategy,
    DataIntegrityError,
    DeltaCompressionError,
    DeltaStrategy,
    EnhancedPersistenceError,
    PersistenceBase,
    PersistenceError,
    PersistenceMetrics,
    SnapshotError,
    SnapshotNotFoundError,
    StorageBackend,
    ThreadSafeContextWrapper,
    VersioningError,
)

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
