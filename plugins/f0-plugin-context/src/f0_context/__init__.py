"""f0-plugin-context: the ``memory://`` context store, f0's default.

``memory://`` is private to one run; ``memory://NAME`` is shared by every
run in the same process that names it (handy in tests and notebooks).
Other plugins add schemes (``sqlite://`` in f0-plugin-store).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from f0 import hookimpl

from f0_context._memory import MemoryStore, open_memory_store

if TYPE_CHECKING:
    from f0 import ContextStore

__all__ = ["MemoryStore"]


@hookimpl
def f0_context_store(url: str) -> ContextStore | None:
    """Open ``memory://`` stores; None for any other scheme."""
    if not url.startswith("memory://"):
        return None
    return open_memory_store(url)
