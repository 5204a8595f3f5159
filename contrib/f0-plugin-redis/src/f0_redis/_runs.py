"""The ``redis://`` run store: runs, their steps and the step cache in one Redis database.

Layout (see :mod:`f0_redis._keys`): a hash per run (its fields as JSON), a
hash of its step records, a stream of its events, sorted sets of run ids
by start time (all runs, and per recipe file), and one hash of cache
entries. Every method that writes is one MULTI/EXEC transaction, so a run
never shows half a step; several ``f0 run`` processes may share the store.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from f0 import F0Error, RunRecord, RunStatus, RunSummary, StepStatus, UsageError

from f0_redis._codec import cache_entry, encode, step_record
from f0_redis._keys import RunKeys, dumps, loads
from f0_redis._url import connect

if TYPE_CHECKING:
    from f0 import CacheEntry, RunInfo, RunResult, StepRecord

__all__ = ["RedisRunStore", "StoreUnavailableError"]

P = ParamSpec("P")
R = TypeVar("R")
_DONE = {StepStatus.COMPLETED.value, StepStatus.CACHED.value}
_EVENTS_MAXLEN = 10_000


class StoreUnavailableError(F0Error):
    """Redis stayed unreachable past the retries (or refused a command)."""

    exit_code = 1


def _redis_errors(method: Callable[P, R]) -> Callable[P, R]:
    """Turn a redis-py error into one line naming the store (no traceback)."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        import redis

        try:
            return method(*args, **kwargs)
        except redis.RedisError as exc:
            store: Any = args[0]
            msg = f"Redis run store {store.url}: {type(exc).__name__}: {exc}"
            raise StoreUnavailableError(msg, where="--store") from None

    return wrapper


def _path_key(path: str | Path | None) -> str | None:
    """Recipe paths are kept resolved (``<name>`` keys as they are), and matched so."""
    if path is None:
        return None
    text = str(path)
    return text if text.startswith("<") else str(Path(text).resolve())


def _cache_field(recipe_path: str, step_name: str) -> str:
    return f"{_path_key(recipe_path)}\0{step_name}"


class RedisRunStore:
    """Run history and the step cache in Redis (``redis://HOST:PORT/DB``)."""

    def __init__(self, url: str) -> None:
        self.url = url
        # redis-py's reply types are unions of everything a command may return.
        client: Any = connect(url, where="--store")[0]
        self._client = client
        self._closed = False

    # -- runs --------------------------------------------------------------
    @_redis_errors
    def start_run(
        self,
        info: RunInfo,
        *,
        recipe_hash: str,
        params: Mapping[str, Any],
        resumed_from: str | None = None,
    ) -> None:
        """Record that run ``info.run_id`` started (status RUNNING)."""
        path = _path_key(info.recipe.path)
        fields = {
            "run_id": info.run_id,
            "recipe_name": info.recipe.name,
            "recipe_path": path,
            "recipe_hash": recipe_hash,
            "status": RunStatus.RUNNING.value,
            "started_at": info.started_at,
            "finished_at": None,
            "params": dict(params),
            "resumed_from": resumed_from,
            "context": None,
            "steps_total": len(info.recipe.steps),
        }
        with self._client.pipeline(transaction=True) as tx:
            tx.hset(RunKeys.run(info.run_id), mapping={k: dumps(v) for k, v in fields.items()})
            tx.zadd(RunKeys.runs, {info.run_id: info.started_at})
            if path is not None:
                tx.zadd(RunKeys.recipe_runs(path), {info.run_id: info.started_at})
            self._event(tx, info.run_id, "started", {"status": RunStatus.RUNNING.value})
            tx.execute()

    @_redis_errors
    def record_step(self, run_id: str, record: StepRecord) -> None:
        """Record one finished step (a second record of the same step replaces the first)."""
        name = record.result.name
        with self._client.pipeline(transaction=True) as tx:
            tx.hset(RunKeys.steps(run_id), name, dumps(encode(record)))
            self._event(tx, run_id, "step", {"step": name, "status": record.result.status.value})
            tx.execute()

    @_redis_errors
    def finish_run(self, result: RunResult) -> None:
        """Record the run's final status, end time and final context."""
        fields = {
            "status": result.status.value,
            "finished_at": result.finished_at,
            "context": dict(result.context),
        }
        with self._client.pipeline(transaction=True) as tx:
            tx.hset(RunKeys.run(result.run_id), mapping={k: dumps(v) for k, v in fields.items()})
            self._event(tx, result.run_id, "finished", {"status": result.status.value})
            tx.execute()

    @staticmethod
    def _event(tx: Any, run_id: str, kind: str, data: Mapping[str, Any]) -> None:
        event = {"event": kind, "data": dumps(data)}
        tx.xadd(RunKeys.events(run_id), event, maxlen=_EVENTS_MAXLEN, approximate=True)

    def _fields(self, raw: Mapping[bytes, bytes]) -> dict[str, Any]:
        return {key.decode(): loads(value) for key, value in raw.items()}

    @_redis_errors
    def list_runs(
        self, *, limit: int | None = None, recipe_path: str | None = None
    ) -> list[RunSummary]:
        """Recorded runs, newest first, optionally only those of one recipe file."""
        index = (
            RunKeys.runs
            if recipe_path is None
            else RunKeys.recipe_runs(_path_key(recipe_path) or "")
        )
        ids = [
            i.decode() for i in self._client.zrevrange(index, 0, -1 if limit is None else limit - 1)
        ]
        with self._client.pipeline(transaction=False) as pipe:
            for run_id in ids:
                pipe.hgetall(RunKeys.run(run_id))
                pipe.hvals(RunKeys.steps(run_id))
            replies = pipe.execute()
        summaries = []
        for n, run_id in enumerate(ids):
            fields = self._fields(replies[2 * n])
            if not fields:
                continue  # removed meanwhile
            statuses = [loads(s)["result"]["status"] for s in replies[2 * n + 1]]
            summaries.append(
                RunSummary(
                    run_id=run_id,
                    recipe_name=fields["recipe_name"],
                    recipe_path=fields["recipe_path"],
                    status=RunStatus(fields["status"]),
                    started_at=fields["started_at"],
                    finished_at=fields["finished_at"],
                    steps_total=fields["steps_total"],
                    steps_completed=sum(1 for s in statuses if s in _DONE),
                    steps_failed=statuses.count(StepStatus.FAILED.value),
                )
            )
        return summaries

    @_redis_errors
    def get_run(self, run_id: str) -> RunRecord | None:
        """The run *run_id* with its steps in completion order, or None."""
        with self._client.pipeline(transaction=True) as tx:
            tx.hgetall(RunKeys.run(run_id))
            tx.hvals(RunKeys.steps(run_id))
            raw, raw_steps = tx.execute()
        fields = self._fields(raw)
        if not fields:
            return None
        steps = sorted((step_record(loads(s)) for s in raw_steps), key=lambda r: r.seq)
        return RunRecord(
            run_id=run_id,
            recipe_name=fields["recipe_name"],
            recipe_path=fields["recipe_path"],
            recipe_hash=fields["recipe_hash"],
            status=RunStatus(fields["status"]),
            started_at=fields["started_at"],
            finished_at=fields["finished_at"],
            params=fields["params"],
            resumed_from=fields["resumed_from"],
            steps={s.result.name: s for s in steps},
            context=fields["context"],
        )

    @_redis_errors
    def resolve_run(self, ref: str, *, recipe_path: str | None = None) -> str:
        """``last`` (newest run, of *recipe_path* if given), an exact id or a unique id prefix."""
        ref = ref.strip()
        if ref == "last":
            runs = self.list_runs(limit=1, recipe_path=recipe_path)
            if runs:
                return runs[0].run_id
            where = f" of {_path_key(recipe_path)}" if recipe_path else ""
            msg = f"no run matches 'last': {self.url} has no runs{where}"
            raise UsageError(msg, where="run")
        if not ref:
            raise UsageError(
                "empty run id (use a run id, a unique prefix of one, or 'last')", where="run"
            )
        if self._client.zscore(RunKeys.runs, ref) is not None:
            return ref
        ids: list[str] = [i.decode() for i in self._client.zrevrange(RunKeys.runs, 0, -1)]
        found = [run_id for run_id in ids if run_id.startswith(ref)]
        if len(found) == 1:
            return found[0]
        if found:
            shown = ", ".join(found[:5]) + (", ..." if len(found) > 5 else "")  # noqa: PLR2004
            msg = f"run id prefix {ref!r} is ambiguous: it matches {shown}"
            raise UsageError(msg, where="run")
        msg = f"no run {ref!r} in {self.url} (see: f0 runs list)"
        raise UsageError(msg, where="run")

    # -- the step cache ------------------------------------------------------
    @_redis_errors
    def cache_get(self, recipe_path: str, step_name: str) -> CacheEntry | None:
        """The cache entry of *step_name* in recipe *recipe_path*, or None."""
        raw = self._client.hget(RunKeys.cache, _cache_field(recipe_path, step_name))
        return None if raw is None else cache_entry(loads(raw))

    @_redis_errors
    def cache_put(self, entry: CacheEntry) -> None:
        """Store *entry*, replacing the previous one of that recipe and step."""
        field = _cache_field(entry.recipe_path, entry.step_name)
        self._client.hset(RunKeys.cache, field, dumps(encode(entry)))

    def _cache_fields(self, recipe_path: str | None, step_name: str | None) -> dict[str, bytes]:
        raw: dict[bytes, bytes] = self._client.hgetall(RunKeys.cache)
        path = _path_key(recipe_path)
        chosen = {}
        for field, value in raw.items():
            entry_path, _, entry_step = field.decode().partition("\0")
            if path is not None and entry_path != path:
                continue
            if step_name is not None and entry_step != step_name:
                continue
            chosen[field.decode()] = value
        return chosen

    @_redis_errors
    def cache_list(self, recipe_path: str | None = None) -> list[CacheEntry]:
        """Every cache entry (of one recipe if given)."""
        return [cache_entry(loads(v)) for v in self._cache_fields(recipe_path, None).values()]

    @_redis_errors
    def cache_clear(self, recipe_path: str | None = None, step_name: str | None = None) -> int:
        """Remove cache entries (all, one recipe's, or one step's); return how many."""
        fields = list(self._cache_fields(recipe_path, step_name))
        return int(self._client.hdel(RunKeys.cache, *fields)) if fields else 0

    def close(self) -> None:
        """Close the connection pool. Idempotent."""
        if not self._closed:
            self._closed = True
            self._client.close()

    def __repr__(self) -> str:
        return f"RedisRunStore({self.url!r})"
