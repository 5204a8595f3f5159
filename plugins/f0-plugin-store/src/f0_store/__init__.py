"""f0-plugin-store: run history, the step cache and context snapshots in SQLite.

Hooks:

``f0_run_store(url)``
    a :class:`SqliteRunStore` for ``sqlite://`` URLs (``sqlite:///.f0/f0.db``
    is f0's default): runs, each step as it finishes, step cache entries.
``f0_context_store(url)``
    a :class:`SqliteContextStore` for ``sqlite://`` URLs: a context that
    persists across runs (``?name=NAME`` for several in one file).
``f0_register_commands(app)``
    ``f0 runs`` (list, show, diff), ``f0 cache`` (list, clear),
    ``f0 ctx`` (snapshot, restore, diff, list) and ``f0 store`` (check, repair).

The Python API (Framework0's names) is importable from here: ``SnapshotManager``,
``DeltaCompressor``, ``Cache``, ``EvictionPolicy`` and the error classes.
Importing this module is cheap: everything loads on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from f0 import hookimpl, lazy_getattr

if TYPE_CHECKING:
    import typer
    from f0 import ContextStore, RunStore

    from f0_store._context_store import SqliteContextStore
    from f0_store._runs import SqliteRunStore
    from f0_store._url import DEFAULT_STORE_URL
    from f0_store.cache import Cache, CacheDecorator, EvictionPolicy
    from f0_store.delta import DeltaChain, DeltaCompressor, DeltaRecord, DeltaStrategy
    from f0_store.errors import (
        CacheEntryNotFoundError,
        CacheError,
        CacheFullError,
        DataIntegrityError,
        DeltaCompressionError,
        PersistenceError,
        RunBusyError,
        SnapshotError,
        SnapshotNotFoundError,
        StoreDamagedError,
        StoreSchemaError,
        StoreUnavailableError,
        VersioningError,
    )
    from f0_store.snapshot import SnapshotManager, SnapshotMetadata, StorageBackend

_EXPORTS = {
    "Cache": "f0_store.cache",
    "CacheDecorator": "f0_store.cache",
    "CacheEntryNotFoundError": "f0_store.errors",
    "CacheError": "f0_store.errors",
    "CacheFullError": "f0_store.errors",
    "DEFAULT_STORE_URL": "f0_store._url",
    "DataIntegrityError": "f0_store.errors",
    "DeltaChain": "f0_store.delta",
    "DeltaCompressionError": "f0_store.errors",
    "DeltaCompressor": "f0_store.delta",
    "DeltaRecord": "f0_store.delta",
    "DeltaStrategy": "f0_store.delta",
    "EvictionPolicy": "f0_store.cache",
    "PersistenceError": "f0_store.errors",
    "SnapshotError": "f0_store.errors",
    "StoreUnavailableError": "f0_store.errors",
    "StoreDamagedError": "f0_store.errors",
    "RunBusyError": "f0_store.errors",
    "SnapshotManager": "f0_store.snapshot",
    "SnapshotMetadata": "f0_store.snapshot",
    "SnapshotNotFoundError": "f0_store.errors",
    "SqliteContextStore": "f0_store._context_store",
    "SqliteRunStore": "f0_store._runs",
    "StorageBackend": "f0_store.snapshot",
    "StoreSchemaError": "f0_store.errors",
    "VersioningError": "f0_store.errors",
}

__all__ = [
    "DEFAULT_STORE_URL",
    "Cache",
    "CacheDecorator",
    "CacheEntryNotFoundError",
    "CacheError",
    "CacheFullError",
    "DataIntegrityError",
    "DeltaChain",
    "DeltaCompressionError",
    "DeltaCompressor",
    "DeltaRecord",
    "DeltaStrategy",
    "EvictionPolicy",
    "PersistenceError",
    "RunBusyError",
    "SnapshotError",
    "SnapshotManager",
    "SnapshotMetadata",
    "SnapshotNotFoundError",
    "SqliteContextStore",
    "SqliteRunStore",
    "StorageBackend",
    "StoreDamagedError",
    "StoreSchemaError",
    "StoreUnavailableError",
    "VersioningError",
    "f0_context_store",
    "f0_register_commands",
    "f0_run_store",
    "open_context_store",
    "open_run_store",
]

_SCHEME = "sqlite://"


def open_run_store(url: str) -> SqliteRunStore:
    """The run store at ``sqlite://`` *url* (the file and its folders are created)."""
    from f0_store._runs import SqliteRunStore
    from f0_store._url import parse_sqlite_url

    return SqliteRunStore(parse_sqlite_url(url).path, url=url)


def open_context_store(url: str) -> SqliteContextStore:
    """The context store at ``sqlite://`` *url* (``?name=NAME``: one of several in the file)."""
    from f0_store._context_store import DEFAULT_CONTEXT_NAME, SqliteContextStore
    from f0_store._url import parse_sqlite_url

    parsed = parse_sqlite_url(url)
    name = parsed.query.get("name") or DEFAULT_CONTEXT_NAME
    return SqliteContextStore(parsed.path, name=name, url=url)


@hookimpl
def f0_run_store(url: str) -> RunStore | None:
    """A SQLite run store for ``sqlite://`` URLs; None for other schemes."""
    if not url.startswith(_SCHEME):
        return None
    return open_run_store(url)


@hookimpl
def f0_context_store(url: str) -> ContextStore | None:
    """A SQLite context store for ``sqlite://`` URLs; None for other schemes."""
    if not url.startswith(_SCHEME):
        return None
    return open_context_store(url)


@hookimpl
def f0_register_commands(app: typer.Typer) -> None:
    """Add ``f0 runs``, ``f0 cache``, ``f0 ctx`` and ``f0 store``."""
    from f0_store._cli import register_cache, register_runs, register_store
    from f0_store._cli_ctx import register_ctx

    register_runs(app)
    register_cache(app)
    register_ctx(app)
    register_store(app)


__getattr__ = lazy_getattr(__name__, _EXPORTS)
