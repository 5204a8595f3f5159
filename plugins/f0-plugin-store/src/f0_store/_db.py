"""One SQLite connection, set up for many processes sharing a file.

* **WAL** (``journal_mode=WAL``): readers never block the writer and the
  writer never blocks readers; ``f0 runs list`` works while eight runs write.
* **synchronous=NORMAL**: in WAL mode a commit is appended to the WAL file
  without an fsync; the WAL is synced at checkpoints. The database can never
  be corrupted this way, and a process killed with SIGKILL loses nothing it
  committed (the data is in the OS's page cache). Only a power loss or OS
  crash can drop the last few commits. ``FULL`` would fsync on every commit,
  one per step: milliseconds each on a real disk, far past the
  300 us/step budget, to protect history against power loss only.
* **busy_timeout**: a writer waits (SQLite's busy handler) up to
  :data:`BUSY_TIMEOUT_S` for another process's write transaction to end.
* **BEGIN IMMEDIATE** for every write: the write lock is taken at the start,
  so a transaction never has to upgrade a read lock (the upgrade is the case
  where SQLite returns SQLITE_BUSY at once, without waiting).
* **tenacity** retries, with jittered exponential backoff, whatever still
  comes back SQLITE_BUSY / SQLITE_LOCKED (switching a new file to WAL,
  recovery after a crash, a busy handler that gave up under heavy load). A
  transaction runs once without the retry machinery; only a busy error
  enters it, so the common path costs nothing extra.

One transaction per call: :meth:`Database.write` and :meth:`Database.read`
take a function of the connection and run it inside BEGIN/COMMIT. The
connection is shared by threads under a lock (``check_same_thread=False``).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import tenacity

from f0_store._schema import MIGRATIONS, SCHEMA_VERSION
from f0_store.errors import PersistenceError, StoreSchemaError

__all__ = ["BUSY_TIMEOUT_S", "Database", "is_busy"]

T = TypeVar("T")

#: Seconds SQLite's busy handler waits for another writer before giving up.
BUSY_TIMEOUT_S = 10.0
#: Seconds tenacity keeps retrying a transaction that SQLite reports busy.
RETRY_FOR_S = 120.0

_BUSY_CODES = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})


def is_busy(exc: BaseException) -> bool:
    """True for SQLITE_BUSY / SQLITE_LOCKED (any extended code): worth retrying."""
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _BUSY_CODES
    text = str(exc)
    return "locked" in text or "busy" in text


def _retrying() -> tenacity.Retrying:
    return tenacity.Retrying(
        retry=tenacity.retry_if_exception(is_busy),
        wait=tenacity.wait_random_exponential(multiplier=0.005, max=0.5),
        stop=tenacity.stop_after_delay(RETRY_FOR_S),
        reraise=True,
    )


class Database:
    """A connection to one SQLite file (or a private in-memory database)."""

    def __init__(self, path: Path | None, *, busy_timeout: float = BUSY_TIMEOUT_S) -> None:
        self.path = path
        self.busy_timeout = busy_timeout
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        try:
            conn = _retrying()(self._connect)
            self._conn = conn
            try:
                _retrying()(self._ensure_schema)
            except BaseException:
                self.close()
                raise
        except (OSError, sqlite3.DatabaseError) as exc:
            # A folder that cannot be created, a file that is not a database...: one line
            # naming the file, not a traceback. (Busy errors never get here: retried above.)
            msg = f"cannot open the store: {exc}"
            raise PersistenceError(msg, where=str(path or ":memory:")) from exc

    @property
    def closed(self) -> bool:
        """True after :meth:`close`."""
        return self._conn is None

    def _connect(self) -> sqlite3.Connection:
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            ":memory:" if self.path is None else str(self.path),
            timeout=self.busy_timeout,
            isolation_level=None,  # autocommit: we issue BEGIN/COMMIT ourselves
            check_same_thread=False,
        )
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
            if self.path is not None:
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
        except BaseException:
            conn.close()
            raise
        return conn

    def _ensure_schema(self) -> None:
        conn = self._connection()
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except sqlite3.OperationalError as exc:
            if is_busy(exc) or "no such table" not in str(exc):
                raise
            row = None
        if row is not None and int(row[0]) == SCHEMA_VERSION:
            return
        self._transaction("BEGIN IMMEDIATE", _migrate)

    def _connection(self) -> sqlite3.Connection:
        conn = self._conn
        if conn is None:
            msg = f"the store {self.path or ':memory:'} is closed"
            raise sqlite3.ProgrammingError(msg)
        return conn

    def _transaction(self, begin: str, fn: Callable[[sqlite3.Connection], T]) -> T:
        with self._lock:
            conn = self._connection()
            conn.execute(begin)
            try:
                value = fn(conn)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            return value

    def write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run *fn(conn)* in one ``BEGIN IMMEDIATE`` transaction; return its value."""
        try:
            return self._transaction("BEGIN IMMEDIATE", fn)
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
        value: T = _retrying()(self._transaction, "BEGIN IMMEDIATE", fn)
        return value

    def read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run *fn(conn)* in one read transaction (a consistent view); return its value."""
        try:
            return self._transaction("BEGIN", fn)
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
        value: T = _retrying()(self._transaction, "BEGIN", fn)
        return value

    def close(self) -> None:
        """Close the connection. Idempotent."""
        with self._lock:
            conn, self._conn = self._conn, None
            if conn is not None:
                conn.close()


def _migrate(conn: sqlite3.Connection) -> None:
    """Bring the schema to :data:`SCHEMA_VERSION` (inside a write transaction)."""
    has_meta = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
    ).fetchone()
    current = 0
    if has_meta:
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        current = int(row[0]) if row else 0
    if current > SCHEMA_VERSION:
        msg = (
            f"this store has schema version {current}, newer than the {SCHEMA_VERSION} "
            "this f0-plugin-store understands; upgrade f0-plugin-store"
        )
        raise StoreSchemaError(msg)
    for version in range(current + 1, SCHEMA_VERSION + 1):
        for statement in MIGRATIONS[version]:
            conn.execute(statement)
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('schema_version', ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (str(SCHEMA_VERSION),),
    )
