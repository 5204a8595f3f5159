"""The store's tables, versioned in ``meta``.

One file holds everything: runs and their steps, step cache entries,
context snapshots and deltas, and ``sqlite://`` context stores. Every store
opened on a file makes sure all of it exists (cheap: one read when it does).

Version history (``meta.schema_version``):

1. runs, steps, cache_entries, ctx_versions, context_kv.
2. run_owners: the process running each run (host, pid, process start time)
   and its heartbeat, so a run whose process died shows as CRASHED. A new
   table rather than new ``runs`` columns: additive, and a version-1 file is
   migrated by creating it.

A later version adds a list of statements to :data:`MIGRATIONS`; opening an
older file runs the missing ones in one transaction. A file with a higher
version than :data:`SCHEMA_VERSION` is refused (``StoreSchemaError``).
"""

from __future__ import annotations

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "TABLES"]

_V1 = [
    """CREATE TABLE IF NOT EXISTS meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
    # One row per run. JSON columns hold text; `context` is the packed final
    # context (see _codec), NULL until the run finished.
    """CREATE TABLE IF NOT EXISTS runs (
        run_id       TEXT PRIMARY KEY,
        recipe_name  TEXT NOT NULL,
        recipe_path  TEXT,
        recipe_hash  TEXT NOT NULL DEFAULT '',
        scheduler    TEXT,
        status       TEXT NOT NULL,
        started_at   REAL NOT NULL,
        finished_at  REAL,
        params       TEXT NOT NULL DEFAULT '{}',
        resumed_from TEXT,
        steps_total  INTEGER NOT NULL DEFAULT 0,
        context      BLOB
    )""",
    "CREATE INDEX IF NOT EXISTS runs_by_start ON runs (started_at)",
    "CREATE INDEX IF NOT EXISTS runs_by_recipe ON runs (recipe_path, started_at)",
    # One row per finished step; `delta` is JSON {changes, removed, reads, inputs, who};
    # `extra` is JSON of the StepRecord fields without a column of their own
    # (what went into the fingerprint: definition, code_digest, upstream...), so
    # fields the kernel adds later are kept without a schema change.
    """CREATE TABLE IF NOT EXISTS steps (
        run_id      TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
        name        TEXT NOT NULL,
        seq         INTEGER NOT NULL,
        status      TEXT NOT NULL,
        attempts    INTEGER NOT NULL DEFAULT 0,
        started_at  REAL,
        finished_at REAL,
        exit_code   INTEGER,
        error       TEXT,
        result      TEXT,
        delta       TEXT NOT NULL,
        fingerprint TEXT,
        inputs      TEXT NOT NULL DEFAULT '{}',
        recorded_at REAL NOT NULL,
        extra       TEXT NOT NULL DEFAULT '{}',
        PRIMARY KEY (run_id, name)
    )""",
    """CREATE TABLE IF NOT EXISTS cache_entries (
        recipe_path TEXT NOT NULL,
        step_name   TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        definition  TEXT NOT NULL,
        code_digest TEXT,
        code_origin TEXT,
        upstream    TEXT NOT NULL,
        inputs      TEXT NOT NULL,
        delta       TEXT NOT NULL,
        result      TEXT,
        run_id      TEXT NOT NULL,
        created_at  REAL NOT NULL,
        ttl         REAL,
        extra       TEXT NOT NULL DEFAULT '{}',
        PRIMARY KEY (recipe_path, step_name)
    )""",
    # Context snapshots (kind 'snapshot': the packed full data) and deltas (kind
    # 'delta': packed {changes, removed} over version `base`; `depth` = deltas
    # between it and its snapshot). `checksum` is the SHA-256 of the canonical
    # JSON of the full data the version stands for.
    """CREATE TABLE IF NOT EXISTS ctx_versions (
        seq         INTEGER PRIMARY KEY,
        version     TEXT NOT NULL UNIQUE,
        kind        TEXT NOT NULL CHECK (kind IN ('snapshot', 'delta')),
        base        TEXT,
        depth       INTEGER NOT NULL DEFAULT 0,
        created_at  REAL NOT NULL,
        tags        TEXT NOT NULL DEFAULT '[]',
        description TEXT,
        user_info   TEXT,
        source      TEXT,
        checksum    TEXT NOT NULL,
        size_bytes  INTEGER NOT NULL,
        stored_bytes INTEGER NOT NULL,
        payload     BLOB NOT NULL
    )""",
    # sqlite:// context stores: one namespace per ?name= (default 'default').
    # The rowid keeps insertion order, which Context.keys() promises.
    """CREATE TABLE IF NOT EXISTS context_kv (
        ns    TEXT NOT NULL,
        key   TEXT NOT NULL,
        value TEXT NOT NULL,
        UNIQUE (ns, key)
    )""",
]

_V2 = [
    # One row per run started by a process that records its owner. No foreign
    # key: rows of deleted runs are harmless and this keeps runs untouched.
    """CREATE TABLE IF NOT EXISTS run_owners (
        run_id        TEXT PRIMARY KEY,
        host          TEXT NOT NULL,
        pid           INTEGER NOT NULL,
        proc_started  REAL,
        heartbeat_at  REAL NOT NULL
    )""",
]

#: The schema version this code writes.
SCHEMA_VERSION = 2
#: version -> statements that bring a store from version - 1 to it.
MIGRATIONS: dict[int, list[str]] = {1: _V1, 2: _V2}
#: Tables every store of :data:`SCHEMA_VERSION` has; a missing one is damage.
TABLES = ("meta", "runs", "steps", "cache_entries", "ctx_versions", "context_kv", "run_owners")
