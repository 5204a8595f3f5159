"""``orchestrator.context.memory_bus``: Framework0's simple memory bus and its HTTP client."""

from __future__ import annotations

from f0_compat.context import MemoryBus
from f0_compat.memory_bus_http import MemoryBusClient, MemoryBusServer

__all__ = ["MemoryBus", "MemoryBusClient", "MemoryBusServer"]
