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

A damaged store is never silent: every SQLite failure (a corrupt page found
mid-query, a missing table, not a database, locked past the retry budget,
read-only) leaves here as one :class:`~f0_store.errors.StoreDamagedError` or
:class:`~f0_store.errors.StoreUnavailableError` (exit code 3) naming the file
and what to do; see :func:`store_error`.
"""

from __future__ import annotations

import itertools
import operator
import os
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import tenacity

from f0_store._schema import MIGRATIONS, SCHEMA_VERSION, TABLES
from f0_store.errors import (
    PersistenceError,
    StoreDamagedError,
    StoreSchemaError,
    StoreUnavailableError,
)

__all__ = ["BUSY_TIMEOUT_S", "LOCK_TIMEOUT_ENV", "Database", "is_busy", "store_error"]

T = TypeVar("T")

#: Seconds SQLite's busy handler waits for another writer before giving up.
BUSY_TIMEOUT_S = 10.0
#: Seconds tenacity keeps retrying a transaction that SQLite reports busy.
RETRY_FOR_S = 120.0
#: Environment variable overriding :data:`RETRY_FOR_S` (seconds): how long a
#: store may stay locked by another process before f0 gives up (exit 3).
LOCK_TIMEOUT_ENV = "F0_STORE_LOCK_TIMEOUT"

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


def _retry_for() -> float:
    text = os.environ.get(LOCK_TIMEOUT_ENV, "").strip()
    try:
        return max(0.0, float(text)) if text else RETRY_FOR_S
    except ValueError:
        return RETRY_FOR_S


def _retrying() -> tenacity.Retrying:
    return tenacity.Retrying(
        retry=tenacity.retry_if_exception(is_busy),
        wait=tenacity.wait_random_exponential(multiplier=0.005, max=0.5),
        stop=tenacity.stop_after_delay(_retry_for()),
        reraise=True,
    )


_DAMAGED_HINT = (
    "see what is wrong with `f0 store check --store {url}`, salvage the readable runs "
    "with `f0 store repair --store {url}` (the damaged file is kept as a backup), "
    "or run with --store none"
)


def store_error(exc: BaseException, path: Path | None, *, detail: str = "") -> PersistenceError:
    """The one clear error for a store failure *exc* on the file *path* (exit code 3).

    Locked, read-only and I/O problems say the store is unavailable; anything
    else SQLite reports (corrupt pages, a missing table, not a database) says
    it is damaged and how to check and repair it.
    """
    where = str(path or ":memory:")
    url = f"sqlite:///{path}" if path is not None else "sqlite://"
    text = f"{detail}{': ' if detail else ''}{type(exc).__name__}: {exc}"
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    if is_busy(exc):
        msg = (
            f"the store is locked by another process and stayed locked past the "
            f"{_retry_for():g} s limit ({text}); wait for the other f0 to finish or stop it, "
            f"or raise {LOCK_TIMEOUT_ENV}"
        )
        return StoreUnavailableError(msg, where=where)
    if code == sqlite3.SQLITE_READONLY or "readonly" in str(exc) or "read-only" in str(exc):
        msg = (
            f"the store is read-only ({text}); make the file and its folder writable, "
            "or pass --store sqlite:///ANOTHER.db (or --store none)"
        )
        return StoreUnavailableError(msg, where=where)
    if isinstance(exc, OSError) or code in {sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_FULL}:
        msg = f"cannot use the store ({text}); check the path, its permissions and free space"
        return StoreUnavailableError(msg, where=where)
    msg = f"the store is damaged ({text}); " + _DAMAGED_HINT.format(url=url)
    return StoreDamagedError(msg, where=where)


def damaged(path: Path | None, what: str) -> StoreDamagedError:
    """A :class:`StoreDamagedError` for damage found by f0 itself (bad rows, a missing table)."""
    url = f"sqlite:///{path}" if path is not None else "sqlite://"
    msg = f"the store is damaged ({what}); " + _DAMAGED_HINT.format(url=url)
    return StoreDamagedError(msg, where=str(path or ":memory:"))


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
        except PersistenceError:
            raise
        except (OSError, sqlite3.Error, ValueError) as exc:
            # A folder that cannot be created, a file that is not a database...: one line
            # naming the file, not a traceback.
            raise store_error(exc, path, detail="cannot open the store") from exc

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
        if row is not None and _version(row[0], self.path) == SCHEMA_VERSION:
            self._check_tables(conn)
            return
        self._transaction("BEGIN IMMEDIATE", lambda c: _migrate(c, self.path))
        self._check_tables(conn)

    def _check_tables(self, conn: sqlite3.Connection) -> None:
        # One cheap read of the catalogue: a dropped table is damage to report
        # now, with the file's name, not a "no such table" deep inside a run.
        found = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
        missing = [t for t in TABLES if t not in found]
        if missing:
            raise damaged(self.path, f"missing table(s): {', '.join(missing)}")

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
        Any SQLite failure but a closed connection becomes :func:`store_error`.
        """
        self._raise_late_error()
        with self._lock:  # taking the queue and committing it are one step
            return self._run("BEGIN IMMEDIATE", self._with_pending(fn))

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
        # Already set: the writer has not taken the queue yet, and takes this
        # row with it (it clears the flag before it takes the queue).
        if not self._wake.is_set():
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
            # In order; a run of the same statement (a step row after a step
            # row...) goes in one executemany, which costs less per row.
            for sql, group in itertools.groupby(pending, key=operator.itemgetter(0)):
                rows = [params for _, params in group]
                if len(rows) == 1:
                    conn.execute(sql, rows[0])
                else:
                    conn.executemany(sql, rows)
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
        return self._run("BEGIN", fn)

    def _run(self, begin: str, fn: Callable[[sqlite3.Connection], T]) -> T:
        try:
            try:
                return self._transaction(begin, fn)
            except sqlite3.OperationalError as exc:
                if not is_busy(exc):
                    raise
            value: T = _retrying()(self._transaction, begin, fn)
        except sqlite3.ProgrammingError:  # a closed store: a bug of the caller's
            raise
        except sqlite3.Error as exc:
            raise store_error(exc, self.path) from exc
        return value

    def close(self) -> None:
        """Write what is queued and close the connection. Idempotent."""
        try:
            if self._conn is not None:
                self.flush()
        except (sqlite3.Error, StoreDamagedError, StoreUnavailableError):
            # Only step rows queue, and the run's finish_run write (which
            # reports a failing store) flushed them; nothing new is lost here.
            pass
        finally:
            with self._lock:
                conn, self._conn = self._conn, None
                if conn is not None:
                    conn.close()
            self._wake.set()  # the writer thread sees the closed connection and ends


def _version(value: object, path: Path | None) -> int:
    """``meta.schema_version`` as an int; anything else is damage."""
    try:
        version = int(str(value))
    except ValueError:
        version = -1
    if version < 1:
        url = f"sqlite:///{path}" if path is not None else "sqlite://"
        msg = (
            f"the store is damaged (meta.schema_version is {value!r}, not a version number); "
            + _DAMAGED_HINT.format(url=url)
        )
        raise StoreSchemaError(msg, where=str(path or ":memory:"))
    return version


def _migrate(conn: sqlite3.Connection, path: Path | None = None) -> None:
    """Bring the schema to :data:`SCHEMA_VERSION` (inside a write transaction)."""
    has_meta = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
    ).fetchone()
    current = 0
    if has_meta:
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        current = _version(row[0], path) if row else 0
    if current > SCHEMA_VERSION:
        msg = (
            f"this store has schema version {current}, newer than the {SCHEMA_VERSION} "
            "this f0-plugin-store understands; upgrade f0-plugin-store"
        )
        raise StoreSchemaError(msg, where=str(path or ":memory:"))
    for version in range(current + 1, SCHEMA_VERSION + 1):
        for statement in MIGRATIONS[version]:
            conn.execute(statement)
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('schema_version', ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (str(SCHEMA_VERSION),),
    )
