"""Persistence backends of Framework0's ``EnhancedMemoryBus``: a JSON file or a SQLite table.

Both store a flat JSON-only dict. Every method returns False (or ``{}``)
instead of raising; writes are atomic (JSON: temp file, fsync, rename;
SQLite: one transaction).
"""

from __future__ import annotations

import abc
import contextlib
import gzip
import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

import structlog
from f0 import write_atomic

__all__ = ["JSONPersistenceBackend", "PersistenceBackend", "SQLitePersistenceBackend"]

_log = structlog.get_logger(__name__)


class PersistenceBackend(abc.ABC):
    """Where an ``EnhancedMemoryBus`` keeps its data."""

    #: The file the backend writes.
    path: Path

    @abc.abstractmethod
    def save(self, data: dict[str, Any]) -> bool:
        """Replace the stored data with *data*."""

    @abc.abstractmethod
    def load(self) -> dict[str, Any]:
        """The stored data (``{}`` when there is none or it cannot be read)."""

    @abc.abstractmethod
    def delete(self, key: str) -> bool:
        """Remove one key; False if it was not stored."""

    @abc.abstractmethod
    def exists(self) -> bool:
        """True once something was saved."""

    @abc.abstractmethod
    def backup(self, path: str | Path) -> bool:
        """Copy the stored data to *path*."""

    @abc.abstractmethod
    def restore(self, path: str | Path) -> bool:
        """Replace the stored data with the backup at *path* (checked first)."""


def _atomic_write(path: Path, payload: bytes) -> None:
    write_atomic(path, payload)


class JSONPersistenceBackend(PersistenceBackend):
    """One JSON file (gzip-compressed with *enable_compression*)."""

    def __init__(self, file_path: str | Path, enable_compression: bool = False) -> None:
        self.path = Path(file_path)
        self.enable_compression = enable_compression
        self._lock = threading.Lock()

    def _encode(self, data: dict[str, Any]) -> bytes:
        raw = json.dumps(data, sort_keys=True).encode()
        return gzip.compress(raw) if self.enable_compression else raw

    @staticmethod
    def _decode(payload: bytes) -> dict[str, Any]:
        if payload[:2] == b"\x1f\x8b":  # gzip magic: read either form
            payload = gzip.decompress(payload)
        data = json.loads(payload)
        if not isinstance(data, dict):
            msg = f"expected a JSON object, not {type(data).__name__}"
            raise TypeError(msg)
        return data

    def save(self, data: dict[str, Any]) -> bool:
        """Write *data* atomically."""
        try:
            payload = self._encode(data)
            with self._lock:
                _atomic_write(self.path, payload)
        except (OSError, TypeError, ValueError) as exc:
            _log.warning("memory_bus.save_failed", path=str(self.path), error=str(exc))
            return False
        return True

    def load(self) -> dict[str, Any]:
        """The file's data, or ``{}``."""
        try:
            with self._lock:
                payload = self.path.read_bytes()
            return self._decode(payload)
        except FileNotFoundError:
            return {}
        except (OSError, TypeError, ValueError) as exc:
            _log.warning("memory_bus.load_failed", path=str(self.path), error=str(exc))
            return {}

    def delete(self, key: str) -> bool:
        """Remove *key* from the file."""
        data = self.load()
        if key not in data:
            return False
        del data[key]
        return self.save(data)

    def exists(self) -> bool:
        """True if the file exists."""
        return self.path.is_file()

    def backup(self, path: str | Path) -> bool:
        """Copy the file to *path*."""
        try:
            with self._lock:
                _atomic_write(Path(path), self.path.read_bytes())
        except OSError as exc:
            _log.warning("memory_bus.backup_failed", path=str(path), error=str(exc))
            return False
        return True

    def restore(self, path: str | Path) -> bool:
        """Replace the file with the backup at *path*, if it holds a JSON object."""
        try:
            payload = Path(path).read_bytes()
            self._decode(payload)
            with self._lock:
                _atomic_write(self.path, payload)
        except (OSError, TypeError, ValueError) as exc:
            _log.warning("memory_bus.restore_failed", path=str(path), error=str(exc))
            return False
        return True


class SQLitePersistenceBackend(PersistenceBackend):
    """A SQLite table, one row per key (``key TEXT PRIMARY KEY, value TEXT`` JSON)."""

    def __init__(self, db_path: str | Path, table_name: str = "memory_bus") -> None:
        if not table_name.isidentifier():
            msg = f"table_name must be an identifier, not {table_name!r}"
            raise ValueError(msg)
        self.path = Path(db_path)
        self.table_name = table_name
        self._lock = threading.Lock()

    def _connect(self, path: Path | None = None) -> sqlite3.Connection:
        target = path or self.path
        target.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(target, timeout=30)
        conn.execute(
            f'CREATE TABLE IF NOT EXISTS "{self.table_name}" (key TEXT PRIMARY KEY, value TEXT NOT NULL)'
        )
        return conn

    def save(self, data: dict[str, Any]) -> bool:
        """Replace every row in one transaction."""
        try:
            rows = [(str(k), json.dumps(v)) for k, v in data.items()]
            with self._lock, contextlib.closing(self._connect()) as conn, conn:
                conn.execute(f'DELETE FROM "{self.table_name}"')  # noqa: S608 - checked identifier
                conn.executemany(f'INSERT INTO "{self.table_name}" VALUES (?, ?)', rows)  # noqa: S608
        except (sqlite3.Error, OSError, TypeError, ValueError) as exc:
            _log.warning("memory_bus.save_failed", path=str(self.path), error=str(exc))
            return False
        return True

    def _rows(self, path: Path) -> dict[str, Any]:
        with contextlib.closing(self._connect(path)) as conn:
            rows = conn.execute(f'SELECT key, value FROM "{self.table_name}"').fetchall()  # noqa: S608
        return {key: json.loads(value) for key, value in rows}

    def load(self) -> dict[str, Any]:
        """Every row, or ``{}``."""
        if not self.path.exists():
            return {}
        try:
            with self._lock:
                return self._rows(self.path)
        except (sqlite3.Error, OSError, ValueError) as exc:
            _log.warning("memory_bus.load_failed", path=str(self.path), error=str(exc))
            return {}

    def delete(self, key: str) -> bool:
        """Delete one row."""
        try:
            with self._lock, contextlib.closing(self._connect()) as conn, conn:
                cursor = conn.execute(
                    f'DELETE FROM "{self.table_name}" WHERE key = ?',  # noqa: S608
                    (key,),
                )
                return cursor.rowcount > 0
        except (sqlite3.Error, OSError) as exc:
            _log.warning("memory_bus.delete_failed", path=str(self.path), error=str(exc))
            return False

    def exists(self) -> bool:
        """True if the database file exists."""
        return self.path.is_file()

    def backup(self, path: str | Path) -> bool:
        """A consistent copy of the database at *path* (SQLite's backup API)."""
        target = Path(path)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with (
                self._lock,
                contextlib.closing(self._connect()) as source,
                contextlib.closing(sqlite3.connect(target)) as dest,
            ):
                source.backup(dest)
        except (sqlite3.Error, OSError) as exc:
            _log.warning("memory_bus.backup_failed", path=str(path), error=str(exc))
            return False
        return True

    def restore(self, path: str | Path) -> bool:
        """Replace the rows with those of the backup database at *path*."""
        source = Path(path)
        if not source.is_file():
            return False
        try:
            with self._lock:
                data = self._rows(source)
        except (sqlite3.Error, OSError, ValueError) as exc:
            _log.warning("memory_bus.restore_failed", path=str(path), error=str(exc))
            return False
        return self.save(data)
