"""``orchestrator.enhanced_memory_bus``: see :mod:`f0_compat.enhanced_memory_bus`."""

from __future__ import annotations

from f0_compat.enhanced_memory_bus import (
    EnhancedMemoryBus,
    JSONPersistenceBackend,
    MemoryBusMetrics,
    MessageEvent,
    PersistenceBackend,
    SQLitePersistenceBackend,
    create_enhanced_memory_bus,
    create_json_memory_bus,
    create_sqlite_memory_bus,
)

__all__ = [
    "EnhancedMemoryBus",
    "JSONPersistenceBackend",
    "MemoryBusMetrics",
    "MessageEvent",
    "PersistenceBackend",
    "SQLitePersistenceBackend",
    "create_enhanced_memory_bus",
    "create_json_memory_bus",
    "create_sqlite_memory_bus",
]
