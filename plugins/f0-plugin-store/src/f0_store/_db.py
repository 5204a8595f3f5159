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

* **Group commit of step rows** (:meth:`Database.write_later`): a run's
  finished steps are queued and a writer thread commits them at once,
  together with whatever else queued while its last commit was going (and
  any write or read first commits what is queued). A commit per step on the
  run's main thread was a third of its time on a 10,000-step run. A step is
  committed milliseconds after it finishes, so a SIGKILL loses at most the
  steps of the commit in flight; ``--resume`` then runs those again.
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
        self._pending: list[tuple[str, tuple[object, ...]]] = []
        self._pending_lock = threading.Lock()
        self._wake = threading.Event()
        self._writer: threading.Thread | None = None
        self._late_error: BaseException | None = None  # a timed write that failed
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
        """Run *fn(conn)* in one ``BEGIN IMMEDIATE`` transaction; return its value.

        Statements queued by :meth:`write_later` are written first, in the
        same transaction, so everything lands in the order it was asked for.
        """
        self._raise_late_error()
        with self._lock:  # taking the queue and committing it are one step
            body = self._with_pending(fn)
            try:
                return self._transaction("BEGIN IMMEDIATE", body)
            except sqlite3.OperationalError as exc:
                if not is_busy(exc):
                    raise
            value: T = _retrying()(self._transaction, "BEGIN IMMEDIATE", body)
            return value

    def write_later(self, sql: str, params: tuple[object, ...]) -> None:
        """Queue one statement for the writer thread (see the module docstring)."""
        self._raise_late_error()
        with self._pending_lock:
            self._pending.append((sql, params))
            if self._writer is None:
                self._writer = threading.Thread(
                    target=self._write_queued, name="f0-store-writer", daemon=True
                )
                self._writer.start()
        self._wake.set()

    def flush(self) -> None:
        """Commit the queued statements now."""
        if self._pending:
            self.write(lambda _conn: None)

    def _with_pending(
        self, fn: Callable[[sqlite3.Connection], T]
    ) -> Callable[[sqlite3.Connection], T]:
        with self._pending_lock:
            pending, self._pending = self._pending, []
        if not pending:
            return fn

        def body(conn: sqlite3.Connection) -> T:
            for sql, params in pending:
                conn.execute(sql, params)
            return fn(conn)

        return body

    def _write_queued(self) -> None:
        # The writer thread. Nobody can catch here: an error waits for the
        # next call, which raises it to whoever records the run.
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._conn is None:
                return
            try:
                self.flush()
            except sqlite3.ProgrammingError:  # closed meanwhile: close() wrote them
                return
            except Exception as exc:  # noqa: BLE001 - re-raised by the next call
                self._late_error = exc

    def _raise_late_error(self) -> None:
        exc, self._late_error = self._late_error, None
        if exc is not None:
            raise exc

    def read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run *fn(conn)* in one read transaction (a consistent view); return its value."""
        self.flush()  # a reader sees every step recorded so far
        try:
            return self._transaction("BEGIN", fn)
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
        value: T = _retrying()(self._transaction, "BEGIN", fn)
        return value

    def close(self) -> None:
        """Write what is queued and close the connection. Idempotent."""
        try:
            if self._conn is not None:
                self.flush()
        except sqlite3.Error:
            # Only step rows queue, and the run's finish_run write (which
            # reports a failing store) flushed them; nothing new is lost here.
            pass
        finally:
            with self._lock:
                conn, self._conn = self._conn, None
                if conn is not None:
                    conn.close()
            self._wake.set()  # the writer thread sees the closed connection and ends


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
