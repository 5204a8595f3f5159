"""The analytics database: per-step metrics the run store does not keep.

The kernel's ``RunStore`` records each step's status, attempts and times;
queue wait, CPU time and RSS have no place there. They go into a small
SQLite file next to the run store (``.f0/f0.db`` -> ``.f0/f0.analytics.db``),
written in WAL mode, one short transaction per finished step, so a crash
loses at most the steps in flight. ``F0_ANALYTICS_DB`` overrides the path.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import attrs
from f0 import get_logger

__all__ = [
    "ANALYTICS_ENV",
    "AnalyticsDB",
    "StepMetrics",
    "analytics_path",
    "sqlite_file",
]

#: Environment variable naming the analytics database file (overrides the default).
ANALYTICS_ENV = "F0_ANALYTICS_DB"

_SQLITE = "sqlite://"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    recipe_name TEXT NOT NULL,
    recipe_path TEXT,
    scheduler TEXT,
    started_at REAL NOT NULL,
    finished_at REAL,
    status TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS steps (
    run_id TEXT NOT NULL,
    step TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    started_at REAL,
    finished_at REAL,
    duration_s REAL NOT NULL,
    queue_wait_s REAL,
    cpu_s REAL,
    rss_bytes INTEGER,
    recorded_at REAL NOT NULL,
    PRIMARY KEY (run_id, step)
);
CREATE INDEX IF NOT EXISTS runs_by_recipe ON runs (recipe_path, started_at);
"""


_log = get_logger(__name__)


@attrs.frozen(kw_only=True)
class StepMetrics:
    """What the observer measured for one finished step."""

    run_id: str
    step: str
    status: str
    attempts: int
    started_at: float | None
    finished_at: float | None
    duration_s: float
    #: Seconds between the step becoming ready (its last dependency finished,
    #: or the run started) and its first attempt starting.
    queue_wait_s: float | None = None
    #: CPU seconds of the thread that ran the step's attempts.
    cpu_s: float | None = None
    #: Resident memory of the f0 process when the step finished.
    rss_bytes: int | None = None
    recorded_at: float = 0.0


def analytics_path(store_url: str | None) -> Path | None:
    """Where the analytics of the run store at *store_url* live (None: nowhere).

    ``$F0_ANALYTICS_DB`` wins; a ``sqlite://`` file store gets
    ``<name>.analytics.db`` beside its file; an in-memory store (or none)
    gets none; any other store ``.f0/analytics.db`` in the working folder.
    """
    override = os.environ.get(ANALYTICS_ENV)
    if override:
        return Path(override).expanduser()
    if store_url is None:
        return None
    if not store_url.startswith(_SQLITE):
        return Path(".f0") / "analytics.db"
    path = sqlite_file(store_url)
    return None if path is None else path.with_name(path.stem + ".analytics.db")


def sqlite_file(store_url: str) -> Path | None:
    """The file of a ``sqlite:///path`` URL (SQLAlchemy's form); None if it has none."""
    if not store_url.startswith(_SQLITE):
        return None
    rest = store_url[len(_SQLITE) :].partition("?")[0]
    if rest in {"", "/", "/:memory:"}:
        return None
    return Path(unquote(rest[1:])).expanduser()


class AnalyticsDB:
    """One connection to the analytics file, shared by threads under a lock."""

    def __init__(self, path: Path, *, create: bool = True) -> None:
        self.path = path
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
        uri = path.resolve().as_uri() + ("" if create else "?mode=ro")
        # Autocommit: each statement is its own short transaction.
        self._conn = sqlite3.connect(
            uri, uri=True, isolation_level=None, check_same_thread=False, timeout=30.0
        )
        self._lock = threading.Lock()  # the connection
        # Group commit: finished steps queue here and a writer thread commits
        # whatever has queued, at once. A commit per step on the run's main
        # thread was a fifth of its time on a 10,000-step run; a step is
        # written milliseconds after it finishes, so a kill loses at most the
        # commit in flight.
        self._pending: list[tuple[Any, ...]] = []
        self._pending_lock = threading.Lock()
        self._wake = threading.Event()
        self._writer: threading.Thread | None = None
        self._closed = False
        self._broken = False  # a write failed: warned once, then rows are dropped
        if create:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.executescript(_SCHEMA)

    def close(self) -> None:
        """Write what is queued and close the connection. Idempotent."""
        try:
            self._write_queued()
        finally:
            with self._lock:
                self._closed = True
                self._conn.close()
            self._wake.set()  # the writer thread sees the closed file and ends

    def flush(self) -> None:
        """Write the step records still queued (one transaction)."""
        self._write_queued()

    def _writer_loop(self) -> None:
        # Nobody can catch on this thread: a failing file is one warning
        # (losing metrics never fails a run).
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._closed:
                return
            try:
                self._write_queued()
            except sqlite3.ProgrammingError:  # closed meanwhile: close() wrote them
                return
            except (sqlite3.Error, OSError) as exc:
                self._broken = True
                _log.warning("analytics.write_failed", path=str(self.path), error=str(exc))

    def _write_queued(self) -> None:
        with self._lock:
            with self._pending_lock:
                rows, self._pending = self._pending, []
            if not rows or self._closed:
                return
            self._conn.execute("BEGIN")
            try:
                self._conn.executemany(
                    "INSERT OR REPLACE INTO steps VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
                )
                self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise

    # -- writing (the observer) ------------------------------------------------
    def start_run(
        self, *, run_id: str, recipe_name: str, recipe_path: str | None, scheduler: str, at: float
    ) -> None:
        """Record that a run started."""
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO runs VALUES (?, ?, ?, ?, ?, NULL, 'RUNNING')",
                (run_id, recipe_name, recipe_path, scheduler, at),
            )

    def record_step(self, m: StepMetrics) -> None:
        """Record one finished step (replacing an earlier record of it).

        The row is queued for the writer thread (see :meth:`__init__`); a
        reader of this object, and :meth:`finish_run`, see it written first.
        """
        self.record_row(
            (
                m.run_id,
                m.step,
                m.status,
                m.attempts,
                m.started_at,
                m.finished_at,
                m.duration_s,
                m.queue_wait_s,
                m.cpu_s,
                m.rss_bytes,
                m.recorded_at,
            )
        )

    def record_row(self, row: tuple[Any, ...]) -> None:
        """:meth:`record_step` of a row already in the table's column order."""
        if self._broken:
            return
        with self._pending_lock:
            self._pending.append(row)
            if self._writer is None:
                self._writer = threading.Thread(
                    target=self._writer_loop, name="f0-analytics-writer", daemon=True
                )
                self._writer.start()
        # Already set: the writer has not taken the queue yet, and takes this
        # row with it (it clears the flag before it takes the queue).
        if not self._wake.is_set():
            self._wake.set()

    def finish_run(self, *, run_id: str, status: str, at: float) -> None:
        """Record a run's end (after the steps still queued)."""
        self._write_queued()
        with self._lock:
            self._conn.execute(
                "UPDATE runs SET status = ?, finished_at = ? WHERE run_id = ?",
                (status, at, run_id),
            )

    # -- reading (the commands) ------------------------------------------------
    def steps_of(self, run_ids: Sequence[str]) -> dict[str, dict[str, StepMetrics]]:
        """The recorded steps of each of *run_ids* that has any: ``{run_id: {step: metrics}}``."""
        found: dict[str, dict[str, StepMetrics]] = {}
        self.flush()
        for chunk in _chunks(run_ids, 500):  # SQLite's bound-parameter limit
            marks = ",".join("?" * len(chunk))
            with self._lock:
                rows = self._conn.execute(
                    f"SELECT * FROM steps WHERE run_id IN ({marks})",  # noqa: S608 - only '?' marks
                    chunk,
                ).fetchall()
            for row in rows:
                m = _metrics(row)
                found.setdefault(m.run_id, {})[m.step] = m
        return found


def _chunks(items: Sequence[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def _metrics(row: Any) -> StepMetrics:
    (run_id, step, status, attempts, started, finished, duration, wait, cpu, rss, at) = row
    return StepMetrics(
        run_id=run_id,
        step=step,
        status=status,
        attempts=attempts,
        started_at=started,
        finished_at=finished,
        duration_s=duration,
        queue_wait_s=wait,
        cpu_s=cpu,
        rss_bytes=rss,
        recorded_at=at,
    )
