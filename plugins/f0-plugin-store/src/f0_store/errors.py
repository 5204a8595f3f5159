"""The persistence errors of Framework0's spec, as :class:`f0.F0Error` subclasses.

The CLI prints an ``F0Error`` as one line, so a missing snapshot or a
corrupted payload never shows a traceback::

    PersistenceError
    ├── DataIntegrityError        a checksum does not match
    ├── StoreDamagedError         the file is corrupt, truncated, not a database,
    │   │                         misses a table or holds unreadable rows (exit 3)
    │   └── StoreSchemaError      bad or newer schema_version (exit 3)
    ├── StoreUnavailableError     locked too long, read-only, cannot be created (exit 3)
    ├── RunBusyError              the run is being resumed by a live process (exit 2)
    ├── CacheError
    │   ├── CacheFullError        a value cannot fit even in an empty cache
    │   └── CacheEntryNotFoundError  (also a KeyError)
    ├── DeltaCompressionError     a malformed or corrupted delta
    └── SnapshotError
        ├── VersioningError       a duplicate explicit version
        └── SnapshotNotFoundError (also a KeyError)
"""

from __future__ import annotations

from f0 import F0Error, StoreError

__all__ = [
    "CacheEntryNotFoundError",
    "CacheError",
    "CacheFullError",
    "DataIntegrityError",
    "DeltaCompressionError",
    "PersistenceError",
    "RunBusyError",
    "SnapshotError",
    "SnapshotNotFoundError",
    "StoreDamagedError",
    "StoreSchemaError",
    "StoreUnavailableError",
    "VersioningError",
]


class PersistenceError(F0Error):
    """Base of every error of f0-plugin-store."""


class DataIntegrityError(PersistenceError):
    """Stored data does not match its checksum."""

    exit_code = 1


class StoreDamagedError(PersistenceError, StoreError):
    """The store file is damaged: the message names it and says what to do (exit 3)."""

    exit_code = 3


class StoreSchemaError(StoreDamagedError):
    """The store's schema version is unreadable, or newer than this f0-plugin-store."""


class StoreUnavailableError(PersistenceError, StoreError):
    """The store cannot be used now: locked too long, read-only, or cannot be created."""

    exit_code = 3


class RunBusyError(PersistenceError):
    """The run asked for is being run or resumed by a process that is still alive."""


class CacheError(PersistenceError):
    """An in-process cache error."""


class CacheFullError(CacheError):
    """A value cannot be stored even after evicting everything else."""


class CacheEntryNotFoundError(CacheError, KeyError):
    """No (unexpired) entry for that key."""

    def __str__(self) -> str:  # KeyError would quote the message
        return F0Error.__str__(self)


class DeltaCompressionError(PersistenceError):
    """A delta that cannot be applied, decoded or trusted."""


class SnapshotError(PersistenceError):
    """A context snapshot error."""


class VersioningError(SnapshotError):
    """An explicit snapshot version that already exists."""


class SnapshotNotFoundError(SnapshotError, KeyError):
    """No snapshot with that version, id prefix or tag."""

    def __str__(self) -> str:
        return F0Error.__str__(self)
