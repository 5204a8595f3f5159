"""The persistence errors of Framework0's spec, as :class:`f0.F0Error` subclasses.

The CLI prints an ``F0Error`` as one line, so a missing snapshot or a
corrupted payload never shows a traceback::

    PersistenceError
    ├── DataIntegrityError        a checksum does not match
    ├── StoreSchemaError          the store file is newer than this plugin
    ├── CacheError
    │   ├── CacheFullError        a value cannot fit even in an empty cache
    │   └── CacheEntryNotFoundError  (also a KeyError)
    ├── DeltaCompressionError     a malformed or corrupted delta
    └── SnapshotError
        ├── VersioningError       a duplicate explicit version
        └── SnapshotNotFoundError (also a KeyError)
"""

from __future__ import annotations

from f0 import F0Error

__all__ = [
    "CacheEntryNotFoundError",
    "CacheError",
    "CacheFullError",
    "DataIntegrityError",
    "DeltaCompressionError",
    "PersistenceError",
    "SnapshotError",
    "SnapshotNotFoundError",
    "StoreSchemaError",
    "VersioningError",
]


class PersistenceError(F0Error):
    """Base of every error of f0-plugin-store."""


class DataIntegrityError(PersistenceError):
    """Stored data does not match its checksum."""

    exit_code = 1


class StoreSchemaError(PersistenceError):
    """The store was written by a newer f0-plugin-store (higher schema version)."""


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
