"""``orchestrator.context.db_adapter``: Framework0's ``DBAdapter`` and ``FileAdapter``."""

from __future__ import annotations

from f0_compat.context_persistence import DBAdapter, FileAdapter

__all__ = ["DBAdapter", "FileAdapter"]
