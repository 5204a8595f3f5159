"""``orchestrator.context.persistence``: Framework0's simple context persistence."""

from __future__ import annotations

from f0_compat.context_persistence import (
    DBAdapter,
    FileAdapter,
    Persistence,
    PersistenceManager,
    VersionControl,
)

__all__ = ["DBAdapter", "FileAdapter", "Persistence", "PersistenceManager", "VersionControl"]
