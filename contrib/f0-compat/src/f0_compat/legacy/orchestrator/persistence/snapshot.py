"""``orchestrator.persistence.snapshot``: see :mod:`f0_compat.persistence.snapshot`."""

from __future__ import annotations

from f0_compat.persistence.snapshot import (
    DEFAULT_BASE_PATH,
    DataIntegrityError,
    SnapshotError,
    SnapshotManager,
    SnapshotMetadata,
    SnapshotNotFoundError,
    StorageBackend,
    VersioningError,
)

__all__ = [
    "DEFAULT_BASE_PATH",
    "DataIntegrityError",
    "SnapshotError",
    "SnapshotManager",
    "SnapshotMetadata",
    "SnapshotNotFoundError",
    "StorageBackend",
    "VersioningError",
]
