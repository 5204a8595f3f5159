"""The SQLite run store: runs, their steps as they finish, step cache entries.

Every method is one short transaction on :class:`~f0_store._db.Database`;
see there for how eight processes share one file. Recipe paths are stored
resolved (absolute), like the kernel's cache keys, and the ``recipe_path``
filters accept a relative path too.

Each started run records its owner process and a heartbeat (see
:mod:`f0_store._owner`): a RUNNING run whose owner is gone reads as CRASHED,
and a run being resumed by a live process cannot be resumed a second time.
A row that cannot be decoded (bad JSON, an unknown status) is damage, reported
as :class:`~f0_store.errors.StoreDamagedError` naming the run and the file.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
from f0 import (
    CacheEntry,
    Delta,
    RunRecord,
    RunStatus,
    RunSummary,
    StepRecord,
    StepResult,
    StepStatus,
    UsageError,
)

from f0_store._codec import dumps, loads, pack, unpack
from f0_store._db import Database, damaged
from f0_store._owner import STALE_AFTER_S, Heartbeat, Owner, this_process
from f0_store.errors import PersistenceError, RunBusyError

if TYPE_CHECKING:
    from f0 import RunInfo, RunResult

__all__ = ["SqliteRunStore", "recipe_path_key"]

T = TypeVar("T")
_OWNER_COLUMNS = "o.host, o.pid, o.proc_started, o.heartbeat_at"
#: Errors decoding a stored row can raise (bad JSON, a JSON value of the wrong shape,
#: an unknown status): the row is damaged.
_DECODE_ERRORS = (ValueError, TypeError, KeyError, AttributeError, IndexError)

_STEP_COLUMNS = (
    "name, seq, status, attempts, started_at, finished_at, exit_code, error, result, "
    "delta, fingerprint, inputs, recorded_at, extra"
)
_INSERT_STEP = (
    f"INSERT INTO steps (run_id, {_STEP_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "  # noqa: S608 - constant columns
    "ON CONFLICT (run_id, name) DO UPDATE SET seq = excluded.seq, status = excluded.status, "
    "attempts = excluded.attempts, started_at = excluded.started_at, "
    "finished_at = excluded.finished_at, exit_code = excluded.exit_code, error = excluded.error, "
    "result = excluded.result, delta = excluded.delta, fingerprint = excluded.fingerprint, "
    "inputs = excluded.inputs, recorded_at = excluded.recorded_at, extra = excluded.extra"
)
_CACHE_COLUMNS = (
    "recipe_path, step_name, fingerprint, definition, code_digest, code_origin, upstream, "
    "inputs, delta, result, run_id, created_at, ttl, extra"
)
# Record fields stored in columns of their own; any other field goes to `extra` (JSON).
_STEP_CORE = frozenset({"result", "delta", "fingerprint", "inputs", "seq", "recorded_at"})
_CACHE_CORE = frozenset(
    {
        "recipe_path",
        "step_name",
        "fingerprint",
        "definition",
        "code_digest",
        "code_origin",
        "upstream",
        "inputs",
        "delta",
        "result",
        "run_id",
        "created_at",
        "ttl",
    }
)
_STEP_EXTRA = tuple(f.name for f in attrs.fields(StepRecord) if f.name not in _STEP_CORE)
_CACHE_EXTRA = tuple(f.name for f in attrs.fields(CacheEntry) if f.name not in _CACHE_CORE)
_RUN_COLUMNS = "run_id, recipe_name, recipe_path, status, started_at, finished_at, steps_total"


def _extra_json(record: Any, names: tuple[str, ...]) -> str:
    return dumps({name: getattr(record, name) for name in names}) if names else "{}"


#: StepResult fields kept in the step row's ``extra`` JSON (no column of their
#: own: a failure's details are read only by ``f0 runs show``).
_RESULT_EXTRA = ("traceback", "attempt_errors", "trace")


def _step_extra_json(record: StepRecord) -> str:
    data = {name: getattr(record, name) for name in _STEP_EXTRA}
    r = record.result
    if r.traceback is not None:
        data["traceback"] = r.traceback
    if r.attempt_errors:
        data["attempt_errors"] = list(r.attempt_errors)
    if r.trace is not None:
        data["trace"] = dict(r.trace)
    return dumps(data)


def _result_extra(text: str | None) -> dict[str, Any]:
    data = loads(text) or {}
    found = {k: data[k] for k in _RESULT_EXTRA if k in data}
    if "attempt_errors" in found:
        found["attempt_errors"] = tuple(found["attempt_errors"])
    return found


def _extra_of(text: str | None, names: tuple[str, ...]) -> dict[str, Any]:
    """Stored extra fields this version of the kernel's record still has."""
    data = loads(text) or {}
    return {k: v for k, v in data.items() if k in names}


def recipe_path_key(path: str | Path | None) -> str | None:
    """How recipe paths are stored and matched: resolved; ``<name>`` keys as they are."""
    if path is None:
        return None
    text = str(path)
    if text.startswith("<"):
        return text
    return str(Path(text).resolve())


#: The JSON of a delta that changed and read nothing, up to its ``who``.
_EMPTY_DELTA_HEAD = '{"changes":{},"removed":[],"reads":[],"inputs":{},"who":'


def _delta_json(delta: Delta) -> str:
    if not (delta.changes or delta.removed or delta.reads or delta.inputs):
        # Most steps of a large run (the same text dumps() gives, made cheaper).
        return _EMPTY_DELTA_HEAD + dumps(delta.who) + "}"
    return dumps(
        {
            "changes": delta.changes,
            "removed": delta.removed,
            "reads": delta.reads,
            "inputs": delta.inputs,
            "who": delta.who,
        }
    )


def _delta_of(text: str) -> Delta:
    data = loads(text)
    return Delta(
        changes=data.get("changes", {}),
        removed=data.get("removed", ()),
        reads=data.get("reads", ()),
        inputs=data.get("inputs", {}),
        who=data.get("who"),
    )


def _step_row(run_id: str, record: StepRecord, seq: int, now: float) -> tuple[Any, ...]:
    r = record.result
    return (
        run_id,
        r.name,
        seq,
        r.status.value,
        r.attempts,
        r.started_at,
        r.finished_at,
        r.exit_code,
        r.error,
        None if r.result is None else dumps(r.result),
        _delta_json(record.delta),
        record.fingerprint,
        dumps(record.inputs) if record.inputs else "{}",
        record.recorded_at or now,
        _step_extra_json(record),
    )


def _step_of(row: sqlite3.Row | tuple[Any, ...]) -> StepRecord:
    (name, seq, status, attempts, started, finished, code, error, result, delta, fp, inputs, at) = (
        row[:13]
    )
    return StepRecord(
        result=StepResult(
            name=name,
            status=StepStatus(status),
            attempts=attempts,
            started_at=started,
            finished_at=finished,
            exit_code=code,
            error=error,
            result=loads(result),
            **_result_extra(row[13]),
        ),
        delta=_delta_of(delta),
        fingerprint=fp,
        inputs=loads(inputs),
        seq=seq,
        recorded_at=at,
        **_extra_of(row[13], _STEP_EXTRA),
    )


def _owner_of(row: tuple[Any, ...]) -> Owner | None:
    host, pid, proc_started, heartbeat = row
    if host is None or pid is None:
        return None
    return Owner(host=host, pid=int(pid), proc_started=proc_started, heartbeat_at=heartbeat)


def _effective_status(status: str, started: float, owner: Owner | None, now: float) -> RunStatus:
    """The stored status, except that a RUNNING run whose owner is gone is CRASHED."""
    value = RunStatus(status)
    if value is not RunStatus.RUNNING:
        return value
    if owner is None:  # recorded by an f0 that did not track owners
        return RunStatus.CRASHED if now - started > STALE_AFTER_S else value
    return value if owner.alive(now) else RunStatus.CRASHED


def _summary_of(row: tuple[Any, ...], now: float) -> RunSummary:
    run_id, name, path, status, started, finished, total, completed, failed = row[:9]
    return RunSummary(
        run_id=run_id,
        recipe_name=name,
        recipe_path=path,
        status=_effective_status(status, started, _owner_of(row[9:13]), now),
        started_at=started,
        finished_at=finished,
        steps_total=total,
        steps_completed=completed or 0,
        steps_failed=failed or 0,
    )


def _cache_row(e: CacheEntry) -> tuple[Any, ...]:
    return (
        recipe_path_key(e.recipe_path),
        e.step_name,
        e.fingerprint,
        dumps(dict(e.definition)),
        e.code_digest,
        e.code_origin,
        dumps(dict(e.upstream)),
        dumps(dict(e.inputs)),
        _delta_json(e.delta),
        None if e.result is None else dumps(e.result),
        e.run_id,
        e.created_at,
        e.ttl,
        _extra_json(e, _CACHE_EXTRA),
    )


def _cache_of(row: tuple[Any, ...]) -> CacheEntry:
    (path, step, fp, definition, code, origin, upstream, inputs, delta, result, run, at, ttl) = row[
        :13
    ]
    return CacheEntry(
        recipe_path=path,
        step_name=step,
        fingerprint=fp,
        definition=loads(definition),
        code_digest=code,
        code_origin=origin,
        upstream=loads(upstream),
        inputs=loads(inputs),
        delta=_delta_of(delta),
        result=loads(result),
        run_id=run,
        created_at=at,
        ttl=ttl,
        **_extra_of(row[13], _CACHE_EXTRA),
    )


class SqliteRunStore:
    """A :class:`~f0.RunStore` in one SQLite file (``sqlite:///path.db``)."""

    def __init__(self, path: Path | None, *, url: str | None = None) -> None:
        self.path = path
        self.url = url or ("sqlite://" if path is None else f"sqlite:///{path}")
        self.db = Database(path)
        self._heartbeats: dict[str, Heartbeat] = {}
        self._hb_lock = threading.Lock()

    def _decode(self, what: str, fn: Callable[[], T]) -> T:
        """*fn()*, with a row that cannot be decoded reported as damage (naming *what*)."""
        try:
            return fn()
        except PersistenceError:
            raise
        except _DECODE_ERRORS as exc:
            raise damaged(self.path, f"{what}: {type(exc).__name__}: {exc}") from exc

    def _owner(self, conn: sqlite3.Connection, run_id: str) -> tuple[str, Owner | None] | None:
        row = conn.execute(
            f"SELECT r.status, {_OWNER_COLUMNS} FROM runs r "  # noqa: S608 - constant columns
            "LEFT JOIN run_owners o ON o.run_id = r.run_id WHERE r.run_id = ?",
            (run_id,),
        ).fetchone()
        return None if row is None else (row[0], _owner_of(row[1:]))

    def _claim(self, conn: sqlite3.Connection, run_id: str, resumed_from: str) -> None:
        """Refuse to resume *resumed_from* while a live process runs or resumes it."""
        me = this_process()[:2]
        found = self._owner(conn, resumed_from)
        if found is not None:
            status, owner = found
            live = status == RunStatus.RUNNING and owner is not None and owner.alive()
            if live and owner is not None and (owner.host, owner.pid) != me:
                msg = (
                    f"run {resumed_from} is still running ({owner.describe()}); "
                    "wait for it to end, or stop that process, before resuming it"
                )
                raise RunBusyError(msg, where="--resume")
        rows = conn.execute(
            f"SELECT r.run_id, {_OWNER_COLUMNS} FROM runs r "  # noqa: S608 - constant columns
            "JOIN run_owners o ON o.run_id = r.run_id "
            "WHERE r.resumed_from = ? AND r.status = 'RUNNING' AND r.run_id != ?",
            (resumed_from, run_id),
        ).fetchall()
        for other, *owner_row in rows:
            owner = _owner_of(tuple(owner_row))
            if owner is not None and (owner.host, owner.pid) != me and owner.alive():
                msg = (
                    f"run {resumed_from} is already being resumed by {owner.describe()} "
                    f"(as run {other}); wait for it to end, or stop that process"
                )
                raise RunBusyError(msg, where="--resume")

    def _beat(self, run_id: str) -> None:
        self.db.write(
            lambda conn: conn.execute(
                "UPDATE run_owners SET heartbeat_at = ? WHERE run_id = ?", (time.time(), run_id)
            )
        )

    def _stop_heartbeat(self, run_id: str) -> None:
        with self._hb_lock:
            beat = self._heartbeats.pop(run_id, None)
        if beat is not None:
            beat.stop()

    # -- writing ---------------------------------------------------------
    def start_run(
        self,
        info: RunInfo,
        *,
        recipe_hash: str,
        params: Mapping[str, Any],
        resumed_from: str | None = None,
    ) -> None:
        """Record that run ``info.run_id`` started (status RUNNING)."""
        recipe = info.recipe
        row = (
            info.run_id,
            recipe.name,
            recipe_path_key(recipe.path),
            recipe_hash,
            info.scheduler,
            RunStatus.RUNNING.value,
            info.started_at,
            dumps(dict(params)),
            resumed_from,
            len(recipe.steps),
        )
        host, pid, proc_started = this_process()

        def start(conn: sqlite3.Connection) -> None:
            # Checked and claimed in one write transaction: of two processes
            # resuming the same run at once, the second sees the first's claim.
            if resumed_from is not None:
                self._claim(conn, info.run_id, resumed_from)
            conn.execute(
                "INSERT INTO runs (run_id, recipe_name, recipe_path, recipe_hash, scheduler, "
                "status, started_at, params, resumed_from, steps_total) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id) DO UPDATE SET "
                "recipe_name = excluded.recipe_name, recipe_path = excluded.recipe_path, "
                "recipe_hash = excluded.recipe_hash, scheduler = excluded.scheduler, "
                "status = excluded.status, started_at = excluded.started_at, "
                "finished_at = NULL, params = excluded.params, "
                "resumed_from = excluded.resumed_from, steps_total = excluded.steps_total, "
                "context = NULL",
                row,
            )
            conn.execute(
                "INSERT OR REPLACE INTO run_owners (run_id, host, pid, proc_started, "
                "heartbeat_at) VALUES (?, ?, ?, ?, ?)",
                (info.run_id, host, pid, proc_started, time.time()),
            )

        self.db.write(start)
        if self.path is not None:  # a private in-memory store has no other reader
            run_id = info.run_id
            with self._hb_lock:
                old = self._heartbeats.pop(run_id, None)
                self._heartbeats[run_id] = Heartbeat(lambda: self._beat(run_id))
            if old is not None:
                old.stop()

    def record_step(self, run_id: str, record: StepRecord) -> None:
        """Record one finished step (replacing an earlier record of that step)."""
        now = time.time()
        if record.seq:
            self.db.write_later(_INSERT_STEP, _step_row(run_id, record, record.seq, now))
            return

        def insert(conn: sqlite3.Connection) -> None:
            (seq,) = conn.execute(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM steps WHERE run_id = ?", (run_id,)
            ).fetchone()
            conn.execute(_INSERT_STEP, _step_row(run_id, record, seq, now))

        self.db.write(insert)

    def finish_run(self, result: RunResult) -> None:
        """Record the final status, end time and context; steps never recorded are added."""
        self._stop_heartbeat(result.run_id)
        context = pack(dict(result.context))
        now = time.time()

        def finish(conn: sqlite3.Connection) -> None:
            updated = conn.execute(
                "UPDATE runs SET status = ?, finished_at = ?, context = ? WHERE run_id = ?",
                (result.status.value, result.finished_at, context, result.run_id),
            ).rowcount
            if not updated:  # finished without a start record (a store added late)
                conn.execute(
                    "INSERT INTO runs (run_id, recipe_name, recipe_path, status, started_at, "
                    "finished_at, steps_total, context) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        result.run_id,
                        result.recipe_name,
                        recipe_path_key(result.recipe_path),
                        result.status.value,
                        result.started_at,
                        result.finished_at,
                        len(result.steps),
                        context,
                    ),
                )
            known = {
                name
                for (name,) in conn.execute(
                    "SELECT name FROM steps WHERE run_id = ?", (result.run_id,)
                )
            }
            missing = [r for name, r in result.steps.items() if name not in known]
            if missing:
                (seq,) = conn.execute(
                    "SELECT COALESCE(MAX(seq), 0) FROM steps WHERE run_id = ?", (result.run_id,)
                ).fetchone()
                conn.executemany(
                    _INSERT_STEP,
                    [
                        _step_row(result.run_id, StepRecord(result=r), seq + n, now)
                        for n, r in enumerate(missing, 1)
                    ],
                )

        self.db.write(finish)

    # -- reading ---------------------------------------------------------
    def list_runs(
        self, *, limit: int | None = None, recipe_path: str | None = None
    ) -> list[RunSummary]:
        """Recorded runs, newest first, optionally only those of one recipe file."""
        where, args = self._recipe_filter(recipe_path)
        sql = (
            f"WITH r AS (SELECT rowid AS rid, {_RUN_COLUMNS} FROM runs {where} "  # noqa: S608 - constant parts
            "ORDER BY started_at DESC, rowid DESC LIMIT ?) "
            "SELECT r.run_id, r.recipe_name, r.recipe_path, r.status, r.started_at, "
            "r.finished_at, r.steps_total, "
            "SUM(s.status IN ('COMPLETED', 'CACHED')), SUM(s.status = 'FAILED'), "
            f"{_OWNER_COLUMNS} "
            "FROM r LEFT JOIN steps s ON s.run_id = r.run_id "
            "LEFT JOIN run_owners o ON o.run_id = r.run_id "
            "GROUP BY r.rid ORDER BY r.started_at DESC, r.rid DESC"
        )
        rows = self.db.read(
            lambda conn: conn.execute(sql, (*args, -1 if limit is None else limit)).fetchall()
        )
        now = time.time()
        return [self._decode(f"run {row[0]!r}", partial(_summary_of, row, now)) for row in rows]

    def get_run(self, run_id: str) -> RunRecord | None:
        """The run *run_id* with its steps in completion order, or None."""

        def fetch(conn: sqlite3.Connection) -> tuple[Any, list[Any]] | None:
            run = conn.execute(
                "SELECT r.run_id, r.recipe_name, r.recipe_path, r.recipe_hash, r.status, "  # noqa: S608 - constant columns
                "r.started_at, r.finished_at, r.params, r.resumed_from, r.context, "
                f"{_OWNER_COLUMNS} FROM runs r "
                "LEFT JOIN run_owners o ON o.run_id = r.run_id WHERE r.run_id = ?",
                (run_id,),
            ).fetchone()
            if run is None:
                return None
            steps = conn.execute(
                f"SELECT {_STEP_COLUMNS} FROM steps WHERE run_id = ? ORDER BY seq, rowid",  # noqa: S608
                (run_id,),
            ).fetchall()
            return run, steps

        found = self.db.read(fetch)
        if found is None:
            return None
        run, rows = found
        steps = [
            self._decode(f"step {row[0]!r} of run {run_id!r}", partial(_step_of, row))
            for row in rows
        ]
        (rid, name, path, rhash, status, started, finished, params, resumed, ctx) = run[:10]
        owner = _owner_of(run[10:14])
        return self._decode(
            f"run {run_id!r}",
            lambda: RunRecord(
                run_id=rid,
                recipe_name=name,
                recipe_path=path,
                recipe_hash=rhash,
                status=_effective_status(status, started, owner, time.time()),
                started_at=started,
                finished_at=finished,
                params=loads(params),
                resumed_from=resumed,
                steps={s.result.name: s for s in steps},
                context=unpack(ctx),
            ),
        )

    def resolve_resume(self, ref: str, *, recipe_path: str | None = None) -> tuple[str, str]:
        """The run ``f0 run --resume REF`` should resume, and a line saying which and why.

        For ``last``: of the newest run of the recipe and the runs it was resumed
        from (its chain), the one with the most completed steps; the newest of
        those on a tie. A resume killed while replaying has fewer completed steps
        than the run it resumed, so the older, fuller run is chosen.
        """
        run_id = self.resolve_run(ref, recipe_path=recipe_path)
        by_id = {s.run_id: s for s in self.list_runs(recipe_path=recipe_path)}
        if ref.strip() != "last" or run_id not in by_id:
            return run_id, ""
        chain = [by_id[run_id]]
        parents = dict(
            self.db.read(
                lambda conn: conn.execute(
                    "SELECT run_id, resumed_from FROM runs WHERE resumed_from IS NOT NULL"
                ).fetchall()
            )
        )
        while (parent := parents.get(chain[-1].run_id)) in by_id and len(chain) < 1000:  # noqa: PLR2004
            if any(s.run_id == parent for s in chain):
                break
            chain.append(by_id[parent])
        best = max(chain, key=lambda s: s.steps_completed)  # the first (newest) on a tie
        head = chain[0]

        def line(s: RunSummary) -> str:
            return f"{s.run_id} ({s.status.value}, {s.steps_completed}/{s.steps_total} steps done)"

        if best is head:
            return head.run_id, f"resuming run {line(head)}"
        return best.run_id, (
            f"resuming run {line(best)}: it has more completed work than the newest run "
            f"{line(head)}, which resumed it"
        )

    def resolve_run(self, ref: str, *, recipe_path: str | None = None) -> str:
        """``last`` (newest run, of *recipe_path* if given), an exact id or a unique id prefix."""
        ref = ref.strip()
        if ref == "last":
            runs = self.list_runs(limit=1, recipe_path=recipe_path)
            if runs:
                return runs[0].run_id
            msg = f"no run matches 'last': {self._what_exists(recipe_path)}"
            raise UsageError(msg, where="run")
        if not ref:
            msg = "empty run id (use a run id, a unique prefix of one, or 'last')"
            raise UsageError(msg, where="run")

        def matching(conn: sqlite3.Connection) -> list[str]:
            exact = conn.execute("SELECT run_id FROM runs WHERE run_id = ?", (ref,)).fetchone()
            if exact is not None:
                return [exact[0]]
            return [
                r
                for (r,) in conn.execute(
                    # A range on the primary key: every id that starts with ref sorts
                    # between ref and ref + the highest code point.
                    "SELECT run_id FROM runs WHERE run_id >= ? AND run_id < ? "
                    "ORDER BY started_at DESC LIMIT 6",
                    (ref, ref + "\U0010ffff"),
                )
            ]

        found = self.db.read(matching)
        if len(found) == 1:
            return found[0]
        if found:
            shown = ", ".join(found[:5]) + (", ..." if len(found) > 5 else "")  # noqa: PLR2004
            msg = f"run id prefix {ref!r} is ambiguous: it matches {shown}"
            raise UsageError(msg, where="run")
        newest = [r.run_id for r in self.list_runs(limit=3)]
        known = (
            f"newest runs: {', '.join(newest)} (see: f0 runs list)"
            if newest
            else self._what_exists(None)
        )
        msg = f"no run {ref!r} in {self.url}; {known}"
        raise UsageError(msg, where="run")

    def _what_exists(self, recipe_path: str | None) -> str:
        """``<url> has no runs``, or (for a recipe without runs) which recipes have some."""
        counts = self.db.read(
            lambda conn: conn.execute(
                "SELECT recipe_path, recipe_name, COUNT(*) FROM runs GROUP BY recipe_path "
                "ORDER BY MAX(started_at) DESC LIMIT 3"
            ).fetchall()
        )
        if not counts or recipe_path is None:
            return f"{self.url} has no runs"
        shown = ", ".join(f"{path or name} ({n})" for path, name, n in counts)
        return f"no runs of {recipe_path_key(recipe_path)} in {self.url}; runs exist for: {shown}"

    @staticmethod
    def _recipe_filter(recipe_path: str | None) -> tuple[str, tuple[Any, ...]]:
        if recipe_path is None:
            return "", ()
        return "WHERE recipe_path = ?", (recipe_path_key(recipe_path),)

    # -- step cache ----------------------------------------------------------
    def cache_get(self, recipe_path: str, step_name: str) -> CacheEntry | None:
        """The cache entry of *step_name* in recipe *recipe_path*, or None."""
        key = recipe_path_key(recipe_path)
        row = self.db.read(
            lambda conn: conn.execute(
                f"SELECT {_CACHE_COLUMNS} FROM cache_entries "  # noqa: S608 - constant columns
                "WHERE recipe_path = ? AND step_name = ?",
                (key, step_name),
            ).fetchone()
        )
        return (
            None
            if row is None
            else self._decode(f"cache entry {step_name!r}", lambda: _cache_of(row))
        )

    def cache_put(self, entry: CacheEntry) -> None:
        """Store *entry*, replacing the previous one of that recipe and step."""
        row = _cache_row(entry)
        self.db.write(
            lambda conn: conn.execute(
                f"INSERT OR REPLACE INTO cache_entries ({_CACHE_COLUMNS}) "  # noqa: S608
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
        )

    def cache_list(self, recipe_path: str | None = None) -> list[CacheEntry]:
        """Every cache entry (of one recipe if given), by recipe then step name."""
        where, args = (
            ("", ())
            if recipe_path is None
            else (
                "WHERE recipe_path = ?",
                (recipe_path_key(recipe_path),),
            )
        )
        rows = self.db.read(
            lambda conn: conn.execute(
                f"SELECT {_CACHE_COLUMNS} FROM cache_entries {where} "  # noqa: S608
                "ORDER BY recipe_path, step_name",
                args,
            ).fetchall()
        )
        return [self._decode(f"cache entry {row[1]!r}", partial(_cache_of, row)) for row in rows]

    def cache_clear(self, recipe_path: str | None = None, step_name: str | None = None) -> int:
        """Remove cache entries (all, one recipe's, or one step's); return how many."""
        clauses, args = [], []
        if recipe_path is not None:
            clauses.append("recipe_path = ?")
            args.append(recipe_path_key(recipe_path))
        if step_name is not None:
            clauses.append("step_name = ?")
            args.append(step_name)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        return self.db.write(
            lambda conn: conn.execute(f"DELETE FROM cache_entries {where}", args).rowcount  # noqa: S608
        )

    def close(self) -> None:
        """Stop heartbeats, close the database connection. Idempotent."""
        with self._hb_lock:
            beats, self._heartbeats = list(self._heartbeats.values()), {}
        for beat in beats:
            beat.stop()
        self.db.close()

    def __repr__(self) -> str:
        return f"SqliteRunStore({self.url!r})"
