"""``f0 store check`` and ``f0 store repair``: find and salvage a damaged store.

*check* runs SQLite's ``PRAGMA integrity_check`` and f0's own schema checks
(the schema version, every table, JSON columns and statuses that decode,
final contexts that unpack). It never writes to the file.

*repair* copies every row it can read into a fresh store file (current
schema), dropping rows that cannot be read or decoded and the steps of runs
that were lost. A table whose scan hits a corrupt page is read again row by
row (by rowid), so one bad page costs only the rows on it. Then, unless
``--output`` names a new file, the damaged file is kept as
``NAME.damaged-YYYYmmdd-HHMMSS`` (with its ``-wal``) and the new file takes
its place with one atomic ``os.replace``. Stop the runs using the store
first: a process that still has the old file open keeps writing to the backup.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
from f0 import RunStatus, StepStatus

from f0_store._codec import unpack
from f0_store._db import Database
from f0_store._schema import SCHEMA_VERSION, TABLES
from f0_store.errors import PersistenceError

__all__ = ["CheckReport", "RepairReport", "check_store", "repair_store"]

#: Problems listed at most by ``integrity_check`` (it can find thousands).
_MAX_INTEGRITY_LINES = 50
_RUN_STATUSES = frozenset(s.value for s in RunStatus) - {RunStatus.CRASHED.value}
_STEP_STATUSES = frozenset(s.value for s in StepStatus)
# JSON text columns of each table ("?" suffix: NULL allowed).
_JSON_COLUMNS: dict[str, tuple[str, ...]] = {
    "runs": ("params",),
    "steps": ("result?", "delta", "inputs", "extra"),
    "cache_entries": ("definition", "upstream", "inputs", "delta", "result?", "extra"),
}


@attrs.define
class CheckReport:
    """What ``f0 store check`` found."""

    store: str
    schema_version: int | None = None
    runs: int = 0
    steps: int = 0
    problems: list[str] = attrs.field(factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        """``f0 store check --json``."""
        return {
            "store": self.store,
            "ok": self.ok,
            "schema_version": self.schema_version,
            "runs": self.runs,
            "steps": self.steps,
            "problems": list(self.problems),
        }


@attrs.define
class RepairReport:
    """What ``f0 store repair`` saved and lost."""

    store: str
    output: str
    backup: str | None = None
    kept: dict[str, int] = attrs.field(factory=dict)
    dropped: dict[str, int] = attrs.field(factory=dict)
    notes: list[str] = attrs.field(factory=list)

    def to_json(self) -> dict[str, Any]:
        """``f0 store repair --json``."""
        return {
            "store": self.store,
            "output": self.output,
            "backup": self.backup,
            "kept": dict(self.kept),
            "dropped": dict(self.dropped),
            "notes": list(self.notes),
        }


@contextlib.contextmanager
def _raw(path: Path) -> Iterator[sqlite3.Connection]:
    """A plain connection: no migration, no pragmas that write."""
    conn = sqlite3.connect(str(path), timeout=10.0, isolation_level=None)
    try:
        yield conn
    finally:
        conn.close()


def _bad_json(value: Any, nullable: bool) -> bool:
    if value is None:
        return not nullable
    try:
        json.loads(value)
    except (ValueError, TypeError):
        return True
    return False


def _row_problem(table: str, row: dict[str, Any]) -> str | None:
    """Why *row* of *table* cannot be used, or None."""
    for spec in _JSON_COLUMNS.get(table, ()):
        name = spec.rstrip("?")
        if name in row and _bad_json(row[name], spec.endswith("?")):
            return f"column {name} is not JSON"
    if table == "runs":
        if row.get("status") not in _RUN_STATUSES:
            return f"unknown status {row.get('status')!r}"
        if not isinstance(row.get("started_at"), int | float):
            return "started_at is not a number"
    if table == "steps" and row.get("status") not in _STEP_STATUSES:
        return f"unknown status {row.get('status')!r}"
    return None


def check_store(path: Path) -> CheckReport:
    """Check the store file *path* (read only); the report lists every problem found."""
    report = CheckReport(store=str(path.absolute()))
    problems = report.problems
    try:
        with _raw(path) as conn:
            rows = conn.execute(f"PRAGMA integrity_check({_MAX_INTEGRITY_LINES})").fetchall()
            lines = [str(r[0]) for r in rows]
            if lines != ["ok"]:
                problems.extend(f"integrity_check: {line}" for line in lines)
            tables = {n for (n,) in conn.execute("SELECT name FROM sqlite_master")}
            _check_schema(conn, tables, report)
            for table in ("runs", "steps", "cache_entries"):
                if table in tables:
                    _check_rows(conn, table, report)
    except sqlite3.Error as exc:
        problems.append(f"{type(exc).__name__}: {exc}")
    return report


def _check_schema(conn: sqlite3.Connection, tables: set[str], report: CheckReport) -> None:
    if "meta" not in tables:
        report.problems.append("missing table: meta (no schema version)")
    else:
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        try:
            report.schema_version = int(row[0]) if row else None
        except ValueError:
            report.problems.append(f"meta.schema_version is {row[0]!r}, not a version number")
        if report.schema_version is None and row is None:
            report.problems.append("meta has no schema_version")
        elif report.schema_version is not None and report.schema_version > SCHEMA_VERSION:
            report.problems.append(
                f"schema version {report.schema_version} is newer than {SCHEMA_VERSION}: "
                "upgrade f0-plugin-store"
            )
    version = report.schema_version or SCHEMA_VERSION
    # Tables of later versions appear when an older file is next opened (migration).
    expected = TABLES if version >= SCHEMA_VERSION else TABLES[:6]
    report.problems.extend(f"missing table: {t}" for t in expected if t not in tables)


def _check_rows(conn: sqlite3.Connection, table: str, report: CheckReport) -> None:
    try:
        cursor = conn.execute(f"SELECT * FROM {table}")  # noqa: S608 - a fixed table name
        names = [d[0] for d in cursor.description]
        count = 0
        for values in cursor:
            count += 1
            row = dict(zip(names, values, strict=True))
            problem = _row_problem(table, row)
            if problem is None and table == "runs":
                problem = _context_problem(row.get("context"))
            if problem is not None:
                key = (
                    row.get("run_id")
                    if table == "runs"
                    else row.get("name") or row.get("step_name")
                )
                report.problems.append(f"{table} row {key!r}: {problem}")
        if table == "runs":
            report.runs = count
        elif table == "steps":
            report.steps = count
    except sqlite3.Error as exc:
        report.problems.append(f"reading {table}: {type(exc).__name__}: {exc}")


def _context_problem(blob: Any) -> str | None:
    try:
        unpack(blob)
    except (PersistenceError, ValueError, TypeError) as exc:
        return f"final context cannot be read ({exc})"
    return None


# -- repair ---------------------------------------------------------------


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]


def _read_rows(
    conn: sqlite3.Connection, table: str, columns: list[str], notes: list[str]
) -> Iterator[tuple[Any, ...]]:
    """Every readable row of *table*: one scan, or row by row past a corrupt page."""
    select = f"SELECT {', '.join(columns)} FROM {table}"  # noqa: S608 - names from the schema
    seen = 0
    try:
        for row in conn.execute(select):
            seen += 1
            yield row
    except sqlite3.DatabaseError as exc:
        notes.append(f"{table}: scan stopped after {seen} rows ({exc}); reading row by row")
    else:
        return
    try:
        (high,) = conn.execute(f"SELECT MAX(rowid) FROM {table}").fetchone()  # noqa: S608
    except sqlite3.DatabaseError as exc:
        notes.append(f"{table}: cannot find its rows ({exc})")
        return
    # Rows already yielded come again: INSERT OR IGNORE drops the repeats.
    for rowid in range(1, (high or 0) + 1):
        try:
            row = conn.execute(f"{select} WHERE rowid = ?", (rowid,)).fetchone()
        except sqlite3.DatabaseError:
            continue
        if row is not None:
            yield row


def _fsync(path: Path, *, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def repair_store(path: Path, *, output: Path | None = None) -> RepairReport:
    """Salvage *path* into a new store: *output*, or in place (keeping a backup).

    Returns what was kept and dropped per table. The damaged file is never
    modified: in place, it is renamed to a backup after the new file is complete.
    """
    path = path.absolute()
    target = (output or path).absolute()
    tmp = target.with_name(f".{target.name}.repair-{os.getpid()}.tmp")
    report = RepairReport(store=str(path), output=str(target))
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    Database(tmp).close()  # a fresh store of the current schema
    try:
        with _raw(path) as src, _raw(tmp) as dst:
            _salvage(src, dst, report)
            dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file to move
        _fsync(tmp)
        if output is not None:
            tmp.replace(output)
        else:
            report.backup = str(_swap(path, tmp))
        _fsync(target.parent, directory=True)
    finally:
        tmp.unlink(missing_ok=True)
    return report


def _salvage(src: sqlite3.Connection, dst: sqlite3.Connection, report: RepairReport) -> None:
    try:
        src_tables = {n for (n,) in src.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as exc:
        report.notes.append(f"the file's table list cannot be read ({exc}): nothing salvaged")
        src_tables = set()
    run_ids: set[str] = set()
    dst.execute("BEGIN")
    for table in TABLES:
        if table == "meta":
            continue  # the new file has its own (current) schema version
        if table not in src_tables:
            if table in TABLES[:6]:
                report.notes.append(f"{table}: missing in the damaged file")
            continue
        try:
            columns = [c for c in _columns(src, table) if c in set(_columns(dst, table))]
        except sqlite3.DatabaseError as exc:
            report.notes.append(f"{table}: columns cannot be read ({exc})")
            continue
        kept = dropped = 0
        insert = (
            f"INSERT OR IGNORE INTO {table} ({', '.join(columns)}) "  # noqa: S608
            f"VALUES ({', '.join('?' * len(columns))})"
        )
        for values in _read_rows(src, table, columns, report.notes):
            row = dict(zip(columns, values, strict=True))
            if table == "runs" and _context_problem(row.get("context")) is not None:
                row["context"] = None  # the run and its steps are still worth keeping
                report.notes.append(f"runs: final context of {row.get('run_id')!r} was unreadable")
            orphan = table == "steps" and row.get("run_id") not in run_ids
            if orphan or _row_problem(table, row) is not None:
                dropped += 1
                continue
            if dst.execute(insert, tuple(row[c] for c in columns)).rowcount:
                kept += 1
                if table == "runs":
                    run_ids.add(row["run_id"])
        report.kept[table] = kept
        report.dropped[table] = dropped
    dst.execute("COMMIT")


def _swap(path: Path, tmp: Path) -> Path:
    """Keep *path* as a backup (with its -wal), then put *tmp* in its place atomically."""
    backup = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
    n = 1
    while backup.exists():
        n += 1
        backup = backup.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}-{n}")
    # The WAL belongs to the damaged file: it must never be read with the new one.
    wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
    if wal.exists():
        wal.replace(f"{backup}-wal")
    shm.unlink(missing_ok=True)
    try:
        os.link(path, backup)  # the backup is the very same file, whatever happens next
    except OSError:
        shutil.copy2(path, backup)
    tmp.replace(path)
    return backup
