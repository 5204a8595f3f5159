"""``orchestrator.persistence``: Framework0's persistence API over f0-plugin-store.

The package also keeps the names of Framework0's older flat
``orchestrator/persistence.py`` module (``PersistenceManager``...).
"""

from __future__ import annotations

from f0_compat.context_persistence import (
    DBAdapter,
    FileAdapter,
    Persistence,
    PersistenceManager,
    VersionControl,
)

__all__ = ["DBAdapter", "FileAdapter", "Persistence", "PersistenceManager", "VersionControl"]
