"""f0-plugin-redis: the context store and the run store in Redis.

Hooks:

``f0_context_store(url)``
    a :class:`RedisContextStore` for ``redis://HOST:PORT/DB`` (``rediss://``
    for TLS; ``?name=NAME`` keeps several contexts in one database). Each
    batch of changes is one atomic Lua script: the values (a hash), one
    entry of the history stream and one pub/sub message.
``f0_run_store(url)``
    a :class:`RedisRunStore` for the same URLs: runs, steps as they finish
    (MULTI/EXEC transactions) and step cache entries.

:class:`ChangeFeed` follows a context's changes by pub/sub (every
subscriber, in any process, gets every batch) and reads its history stream.
Importing this module is cheap: redis-py loads on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from f0 import hookimpl, lazy_getattr

if TYPE_CHECKING:
    from f0 import ContextStore, RunStore

    from f0_redis._context_store import RedisContextStore
    from f0_redis._feed import Change, ChangeFeed
    from f0_redis._runs import RedisRunStore

__all__ = [
    "Change",
    "ChangeFeed",
    "RedisContextStore",
    "RedisRunStore",
    "f0_context_store",
    "f0_run_store",
]

_EXPORTS = {
    "Change": "f0_redis._feed",
    "ChangeFeed": "f0_redis._feed",
    "RedisContextStore": "f0_redis._context_store",
    "RedisRunStore": "f0_redis._runs",
}
_SCHEMES = ("redis://", "rediss://")


@hookimpl
def f0_context_store(url: str) -> ContextStore | None:
    """A Redis context store for ``redis://`` and ``rediss://`` URLs; None for other schemes."""
    if not url.startswith(_SCHEMES):
        return None
    from f0_redis._context_store import RedisContextStore

    return RedisContextStore(url)


@hookimpl
def f0_run_store(url: str) -> RunStore | None:
    """A Redis run store for ``redis://`` and ``rediss://`` URLs; None for other schemes."""
    if not url.startswith(_SCHEMES):
        return None
    from f0_redis._runs import RedisRunStore

    return RedisRunStore(url)


__getattr__ = lazy_getattr(__name__, _EXPORTS)
