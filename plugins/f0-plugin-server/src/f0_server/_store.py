"""Where the server keeps the context: one SQLite file (or memory).

Three tables: ``kv`` (the current values, in insertion order by rowid),
``history`` (every change, ``seq`` ascending, never rewritten) and ``runs``
(the last runs the server was told about, for the dashboard). A write batch
is one transaction; the server acknowledges a write only after its commit,
so a restart (even ``kill -9``) loses nothing that was acknowledged.

WAL with ``synchronous=NORMAL``: a commit reaches the OS without an fsync,
which survives the process dying; only a power loss could drop the last
commits. ``?sync=full`` in the URL fsyncs every commit instead. The WAL is
checkpointed (and so fsynced) by a background thread with its own
connection, once a second, never on the event loop: an fsync can take tens
of milliseconds, and every client would wait for it.

URLs: ``sqlite:///relative.db``, ``sqlite:////abs/path.db`` (SQLAlchemy's
forms) or ``memory://`` (nothing survives the process).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import attrs
from f0 import UsageError

__all__ = ["DEFAULT_SERVER_STORE", "HistoryRow", "ServerStore", "parse_store_url"]

#: Where ``f0 serve`` keeps its context unless ``--store`` says otherwise.
DEFAULT_SERVER_STORE = "sqlite:///.f0/context-server.db"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS kv (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS history (
    seq       INTEGER PRIMARY KEY,
    timestamp REAL NOT NULL,
    key       TEXT NOT NULL,
    before    TEXT,
    after     TEXT,
    who       TEXT,
    operation TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS history_key ON history (key, seq);
CREATE INDEX IF NOT EXISTS history_who ON history (who, seq);
CREATE TABLE IF NOT EXISTS runs (
    run_id     TEXT PRIMARY KEY,
    started_at REAL NOT NULL,
    data       TEXT NOT NULL
);
"""


@attrs.frozen(kw_only=True)
class StoreUrl:
    """A parsed ``--store`` URL: *path* None means memory."""

    url: str
    path: Path | None
    sync_full: bool = False


def parse_store_url(url: str) -> StoreUrl:
    """Parse ``sqlite:///path`` or ``memory://``; a ``UsageError`` for anything else."""
    if url.startswith("memory://"):
        return StoreUrl(url=url, path=None)
    if not url.startswith("sqlite://"):
        msg = f"unsupported --store URL {url!r}: use sqlite:///PATH or memory://"
        raise UsageError(msg, where="--store")
    parts = urlsplit(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    raw = unquote(parts.path)
    if raw in {"", "/", "/:memory:"}:
        return StoreUrl(url=url, path=None)
    # sqlite:///rel -> "/rel" (relative); sqlite:////abs -> "//abs" (absolute)
    path = Path(raw[1:]).expanduser()
    return StoreUrl(url=url, path=path, sync_full=query.get("sync", "").lower() == "full")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


@attrs.frozen(kw_only=True)
class HistoryRow:
    """One history entry as stored (context.md §1's entry plus its ``seq``)."""

    seq: int
    timestamp: float
    key: str
    before: Any
    after: Any
    who: str | None
    operation: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "timestamp": self.timestamp,
            "key": self.key,
            "before": self.before,
            "after": self.after,
            "who": self.who,
            "operation": self.operation,
        }


class ServerStore:
    """The SQLite side of the server's context. Used from one thread (the event loop)."""

    def __init__(self, url: str) -> None:
        parsed = parse_store_url(url)
        self.url = url
        self.path = parsed.path
        if parsed.path is not None:
            parsed.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._conn = sqlite3.connect(
                ":memory:" if parsed.path is None else str(parsed.path),
                isolation_level=None,  # we issue BEGIN/COMMIT ourselves
                check_same_thread=False,  # uvicorn may close us from another thread
            )
        except sqlite3.Error as exc:
            msg = f"cannot open the server store {url!r}: {exc}"
            raise UsageError(msg, where="--store") from None
        conn = self._conn
        conn.execute("PRAGMA busy_timeout = 10000")
        self._stop = threading.Event()
        self._checkpointer: threading.Thread | None = None
        if parsed.path is not None:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute(f"PRAGMA synchronous = {'FULL' if parsed.sync_full else 'NORMAL'}")
            conn.execute("PRAGMA wal_autocheckpoint = 0")  # the checkpointer thread does it
        conn.executescript(_SCHEMA)
        if parsed.path is not None:
            self._checkpointer = threading.Thread(
                target=self._checkpoint_loop,
                args=(parsed.path,),
                name="f0-server-checkpoint",
                daemon=True,
            )
            self._checkpointer.start()

    def _checkpoint_loop(self, path: Path) -> None:
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        try:
            conn.execute("PRAGMA busy_timeout = 10000")
            while not self._stop.wait(1.0):
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            conn.close()

    # -- reading ---------------------------------------------------------
    def load(self) -> tuple[dict[str, Any], int]:
        """All values in insertion order, and the last history ``seq`` (0 if none)."""
        rows = self._conn.execute("SELECT key, value FROM kv ORDER BY rowid").fetchall()
        (seq,) = self._conn.execute("SELECT COALESCE(MAX(seq), 0) FROM history").fetchone()
        return {key: json.loads(value) for key, value in rows}, int(seq)

    def history(
        self,
        *,
        key: str | None = None,
        who: str | None = None,
        prefix: str | None = None,
        since: int | None = None,
        limit: int | None = None,
        newest_first: bool = False,
    ) -> list[HistoryRow]:
        """History entries matching every filter given, oldest first (or newest first)."""
        where: list[str] = []
        args: list[Any] = []
        if key is not None:
            where.append("key = ?")
            args.append(key)
        if who is not None:
            where.append("who = ?")
            args.append(who)
        if prefix:
            where.append("substr(key, 1, ?) = ?")
            args.extend((len(prefix), prefix))
        if since is not None:
            where.append("seq > ?")
            args.append(since)
        sql = "SELECT seq, timestamp, key, before, after, who, operation FROM history"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY seq DESC" if newest_first else " ORDER BY seq"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        return [
            HistoryRow(
                seq=seq,
                timestamp=ts,
                key=k,
                before=_loads(before),
                after=_loads(after),
                who=w,
                operation=op,
            )
            for seq, ts, k, before, after, w, op in self._conn.execute(sql, args)
        ]

    def last_writers(self) -> dict[str, str | None]:
        """Who wrote each current key last (from history)."""
        rows = self._conn.execute(
            "SELECT h.key, h.who FROM history h JOIN kv ON kv.key = h.key "
            "WHERE h.seq = (SELECT MAX(seq) FROM history WHERE key = h.key)"
        ).fetchall()
        return dict(rows)

    def history_count(self) -> int:
        (count,) = self._conn.execute("SELECT COUNT(*) FROM history").fetchone()
        return int(count)

    def runs(self, limit: int) -> list[dict[str, Any]]:
        """The *limit* most recent runs, newest first."""
        rows = self._conn.execute(
            "SELECT data FROM runs ORDER BY started_at DESC, rowid DESC LIMIT ?", (limit,)
        ).fetchall()
        return [json.loads(data) for (data,) in rows]

    # -- writing ---------------------------------------------------------
    def commit(
        self,
        entries: Iterable[HistoryRow],
        runs: Mapping[str, Mapping[str, Any]],
        *,
        keep_runs: int,
    ) -> None:
        """Write history *entries* (and what they do to ``kv``) and *runs* in one transaction.

        Raises ``sqlite3.Error`` after rolling back: nothing of the batch is kept.
        """
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            for entry in entries:
                after = None if entry.operation == "delete" else _dumps(entry.after)
                conn.execute(
                    "INSERT INTO history (seq, timestamp, key, before, after, who, operation) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        entry.seq,
                        entry.timestamp,
                        entry.key,
                        None if entry.before is None else _dumps(entry.before),
                        after,
                        entry.who,
                        entry.operation,
                    ),
                )
                if after is None:
                    conn.execute("DELETE FROM kv WHERE key = ?", (entry.key,))
                else:
                    conn.execute(
                        "INSERT INTO kv (key, value) VALUES (?, ?) "
                        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                        (entry.key, after),
                    )
            for run_id, data in runs.items():
                conn.execute(
                    "INSERT INTO runs (run_id, started_at, data) VALUES (?, ?, ?) "
                    "ON CONFLICT (run_id) DO UPDATE SET data = excluded.data",
                    (run_id, float(data.get("started_at") or 0.0), _dumps(data)),
                )
            if runs:
                conn.execute(
                    "DELETE FROM runs WHERE run_id NOT IN "
                    "(SELECT run_id FROM runs ORDER BY started_at DESC, rowid DESC LIMIT ?)",
                    (keep_runs,),
                )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def close(self) -> None:
        """Stop the checkpointer, checkpoint what is left, close (idempotent)."""
        self._stop.set()
        if self._checkpointer is not None:
            self._checkpointer.join(10)
            self._checkpointer = None
            with contextlib.suppress(sqlite3.Error):
                self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self._conn.close()
