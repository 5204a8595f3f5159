"""The ``sqlite://`` context store: a context that outlives the run.

``f0 run RECIPE --context sqlite:///ctx.db`` starts from what the previous
run left in ``ctx.db`` and writes each step's changes back as they are
applied: one ``write(changes, removed)`` call per step, one transaction.
``?name=NAME`` keeps several contexts apart in one file (default
``default``). The file may be the run store's own.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from f0_store._codec import dumps, loads
from f0_store._db import Database

__all__ = ["DEFAULT_CONTEXT_NAME", "SqliteContextStore"]

DEFAULT_CONTEXT_NAME = "default"


class SqliteContextStore:
    """A :class:`~f0.ContextStore` over one namespace of a SQLite file."""

    def __init__(
        self, path: Path | None, *, name: str = DEFAULT_CONTEXT_NAME, url: str | None = None
    ) -> None:
        self.path = path
        self.name = name
        self.url = url or ("sqlite://" if path is None else f"sqlite:///{path}")
        self._db = Database(path)

    def load(self) -> Mapping[str, Any]:
        """All data, in insertion order (a fresh dict each call)."""
        rows = self._db.read(
            lambda conn: conn.execute(
                "SELECT key, value FROM context_kv WHERE ns = ? ORDER BY rowid", (self.name,)
            ).fetchall()
        )
        return {key: loads(value) for key, value in rows}

    def write(self, changes: Mapping[str, Any], removed: Iterable[str]) -> None:
        """Apply one batch (removals, then changes) in one transaction."""
        ns = self.name
        gone = [(ns, key) for key in removed]
        rows = [(ns, key, dumps(value)) for key, value in changes.items()]
        if not gone and not rows:
            return

        def apply(conn: sqlite3.Connection) -> None:
            if gone:
                conn.executemany("DELETE FROM context_kv WHERE ns = ? AND key = ?", gone)
            if rows:
                # An upsert keeps the row (and so the key's place in the order).
                conn.executemany(
                    "INSERT INTO context_kv (ns, key, value) VALUES (?, ?, ?) "
                    "ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value",
                    rows,
                )

        self._db.write(apply)

    def replace(self, data: Mapping[str, Any]) -> None:
        """Make *data* the whole content, in one transaction (``f0 ctx restore --context``)."""
        ns = self.name
        rows = [(ns, key, dumps(value)) for key, value in data.items()]

        def apply(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM context_kv WHERE ns = ?", (ns,))
            conn.executemany("INSERT INTO context_kv (ns, key, value) VALUES (?, ?, ?)", rows)

        self._db.write(apply)

    def close(self) -> None:
        """Close the connection. Idempotent."""
        self._db.close()

    def __repr__(self) -> str:
        return f"SqliteContextStore({self.url!r})"
