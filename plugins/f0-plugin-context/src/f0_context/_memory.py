"""The in-memory context store."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["MemoryStore", "open_memory_store"]

_shared: dict[str, MemoryStore] = {}
_shared_lock = threading.Lock()


class MemoryStore:
    """Keeps context data in a dict; nothing survives the process."""

    def __init__(self, url: str = "memory://") -> None:
        self.url = url
        self._data: dict[str, Any] = {}
        self._lock = threading.Lock()

    def load(self) -> Mapping[str, Any]:
        """A copy of the data held now."""
        with self._lock:
            return dict(self._data)

    def write(self, changes: Mapping[str, Any], removed: Iterable[str]) -> None:
        """Apply one batch of changes."""
        with self._lock:
            for key in removed:
                self._data.pop(key, None)
            self._data.update(changes)

    def close(self) -> None:
        """Nothing to release; the data stays for the next opener of a named store."""


def open_memory_store(url: str) -> MemoryStore:
    """``memory://`` -> a new private store; ``memory://NAME`` -> the process-wide store NAME."""
    name = url.removeprefix("memory://").strip("/")
    if not name:
        return MemoryStore(url)
    with _shared_lock:
        store = _shared.get(name)
        if store is None:
            store = _shared[name] = MemoryStore(url)
        return store
