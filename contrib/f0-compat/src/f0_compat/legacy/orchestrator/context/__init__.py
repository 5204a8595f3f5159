"""``orchestrator.context``: Framework0's Context and memory bus, over f0."""

from __future__ import annotations

from f0_compat.context import Context, MemoryBus
from f0_compat.memory_bus_http import MemoryBusClient, MemoryBusServer

__all__ = ["Context", "MemoryBus", "MemoryBusClient", "MemoryBusServer"]
