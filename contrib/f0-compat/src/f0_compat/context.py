"""``orchestrator.context``: Framework0's ``Context`` and the simple ``MemoryBus``.

:class:`Context` *is* f0's :class:`f0.Context` (history, dirty keys,
callbacks, metrics, merge, JSON round trips, one re-entrant lock); the
subclass only keeps the constructor flags as the attributes Framework0 code
reads (``ctx.enable_history``, ``ctx.enable_metrics``).
"""

from __future__ import annotations

import threading
from typing import Any

import f0

__all__ = ["Context", "MemoryBus"]


class Context(f0.Context):
    """Framework0's ``orchestrator.context.Context`` over :class:`f0.Context`."""

    def __init__(self, enable_history: bool = True, enable_metrics: bool = True) -> None:
        super().__init__(enable_history=enable_history, enable_metrics=enable_metrics)
        #: Whether changes are recorded in history (``get_history()`` is ``[]`` when False).
        self.enable_history = enable_history
        #: Whether operations are counted (``get_metrics()`` is None when False).
        self.enable_metrics = enable_metrics


class MemoryBus:
    """An in-process, thread-safe, JSON-only key/value store (no history).

    ``set`` with a value JSON cannot encode raises ``ValueError``; a non-str
    key raises ``TypeError``.
    """

    def __init__(self) -> None:
        self._context = f0.Context(enable_history=False, enable_metrics=False)
        self._lock = threading.Lock()

    def get(self, key: str, default: Any = None) -> Any:
        """The value of *key*, or *default*."""
        return self._context.get(key, default)

    def set(self, key: str, value: Any) -> None:
        """Store *value* under *key*."""
        self._context.set(key, value)

    def keys(self) -> list[str]:
        """Every key, in insertion order."""
        return self._context.keys()

    def clear(self) -> None:
        """Remove every key."""
        with self._lock:
            self._context.clear()
            self._context.pop_dirty_keys()

    def to_dict(self) -> dict[str, Any]:
        """A copy of all data."""
        return self._context.to_dict()

    def __len__(self) -> int:
        return len(self._context)

    def __repr__(self) -> str:
        return f"MemoryBus(keys={len(self._context)})"
