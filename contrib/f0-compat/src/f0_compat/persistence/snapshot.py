"""``orchestrator.persistence.snapshot``: f0_store's ``SnapshotManager`` with Framework0's defaults.

Framework0 kept snapshots under ``./snapshots`` by default; so does this
``SnapshotManager`` (f0's own defaults to the run store ``.f0/f0.db``). The
folder is created when missing. Everything else is ``f0_store.snapshot``.
"""

from __future__ import annotations

from pathlib import Path

from f0_store.delta import DeltaStrategy
from f0_store.errors import (
    DataIntegrityError,
    SnapshotError,
    SnapshotNotFoundError,
    VersioningError,
)
from f0_store.snapshot import SnapshotManager as _StoreSnapshotManager
from f0_store.snapshot import SnapshotMetadata, StorageBackend

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

#: Where snapshots live when no base_path is given (Framework0's default).
DEFAULT_BASE_PATH = "snapshots"


class SnapshotManager(_StoreSnapshotManager):
    """Framework0's ``SnapshotManager(base_path=None → ./snapshots, FILE_SYSTEM, AUTO, 0)``."""

    def __init__(
        self,
        base_path: str | Path | None = None,
        storage_backend: StorageBackend | str = StorageBackend.FILE_SYSTEM,
        delta_strategy: DeltaStrategy | str = DeltaStrategy.AUTO,
        max_snapshots: int = 0,
    ) -> None:
        if max_snapshots < 0:
            msg = f"max_snapshots must be >= 0 (0 = unlimited), not {max_snapshots}"
            raise ValueError(msg)
        folder = Path(base_path if base_path is not None else DEFAULT_BASE_PATH)
        if StorageBackend(storage_backend) is not StorageBackend.MEMORY:
            folder.mkdir(parents=True, exist_ok=True)  # the folder Framework0 forgot to create
        super().__init__(folder, storage_backend, delta_strategy, max_snapshots)
        self.base_path = folder
