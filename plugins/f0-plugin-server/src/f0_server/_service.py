"""The server's context: values, history, runs, and the one writer.

Every write (one HTTP request, one WebSocket message, one run event) is a
:class:`Write`. Writes are queued and applied by a single flush on the
event loop, in arrival order, as one SQLite transaction per flush (group
commit); each caller gets its result only after that commit. So writes from
any number of clients are serialised, history ``seq`` numbers are gapless and
in apply order, and whatever was acknowledged survives a restart.
"""

from __future__ import annotations

import asyncio
import math
import sqlite3
import time
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import structlog

from f0_server._hub import Hub
from f0_server._store import HistoryRow, ServerStore

__all__ = [
    "MAX_KEY_LENGTH",
    "RUN_EVENT_TYPES",
    "ContextService",
    "InvalidInputError",
    "Write",
    "WriteResult",
    "check_key",
    "same_value",
]

log = structlog.get_logger(__name__)

MAX_KEY_LENGTH = 1024
RUN_EVENT_TYPES = frozenset({"run_started", "step_started", "step_finished", "run_finished"})
#: Runs kept for the dashboard (in memory and in the store).
KEEP_RUNS = 20
_MISSING: Any = object()


class InvalidInputError(ValueError):
    """A request the server understood but cannot accept (HTTP 422)."""


def check_key(key: object) -> str:
    """*key* if it is a valid context key; :class:`InvalidInputError` otherwise.

    Valid: a non-empty string of at most :data:`MAX_KEY_LENGTH` characters
    without control characters.
    """
    if not isinstance(key, str):
        msg = f"key must be a string, not {type(key).__name__}"
        raise InvalidInputError(msg)
    if not key:
        msg = "key must not be empty"
        raise InvalidInputError(msg)
    if len(key) > MAX_KEY_LENGTH:
        msg = f"key is longer than {MAX_KEY_LENGTH} characters"
        raise InvalidInputError(msg)
    if any(ord(c) < 32 or ord(c) == 127 for c in key):  # noqa: PLR2004 - ASCII control range
        msg = "key must not contain control characters"
        raise InvalidInputError(msg)
    return key


def check_value(key: str, value: Any) -> Any:
    """*value* if JSON can carry it (finite numbers only); :class:`InvalidInputError` otherwise."""
    if isinstance(value, float) and not math.isfinite(value):
        msg = f"value for {key!r} is not finite"
        raise InvalidInputError(msg)
    return value


def same_value(a: Any, b: Any) -> bool:
    """Equal as JSON: ``1``, ``1.0`` and ``True`` differ, also nested."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_value(v, b[k]) for k, v in a.items())
    if isinstance(a, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


@attrs.define(kw_only=True)
class Write:
    """One atomic batch: removals, then changes, and optionally a run event."""

    changes: Mapping[str, Any] = attrs.field(factory=dict)
    removed: Sequence[str] = ()
    who: str | None = None
    operation: str = "set"
    event: dict[str, Any] | None = None


@attrs.frozen(kw_only=True)
class WriteResult:
    """What a write did: the keys it changed (in order) and the last ``seq`` after it."""

    changed: list[str]
    seq: int


class ContextService:
    """Values in memory, mirrored to a :class:`ServerStore`, and live events to a :class:`Hub`."""

    def __init__(self, store: ServerStore, hub: Hub | None = None) -> None:
        self.store = store
        self.hub = hub or Hub()
        self.data, self.seq = store.load()
        #: Who last wrote each current key (the dashboard's "who" column).
        self.writers: dict[str, str | None] = store.last_writers()
        self.runs: dict[str, dict[str, Any]] = {
            r["run_id"]: r for r in reversed(store.runs(KEEP_RUNS))
        }
        self.started_at = time.time()
        self.history_entries = store.history_count()
        self._pending: list[tuple[Write, asyncio.Future[WriteResult]]] = []
        self._scheduled = False
        #: Extra callbacks given every flushed message (Socket.IO bridge).
        self.listeners: list[Any] = []

    # -- reading ---------------------------------------------------------
    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def has(self, key: str) -> bool:
        return key in self.data

    def current_run(self) -> dict[str, Any] | None:
        """The run that started last, if any."""
        if not self.runs:
            return None
        return max(self.runs.values(), key=lambda r: r.get("started_at") or 0.0)

    # -- writing ---------------------------------------------------------
    async def write(self, write: Write) -> WriteResult:
        """Queue *write*; return once it is committed (or raise why it was not)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[WriteResult] = loop.create_future()
        self._pending.append((write, future))
        if not self._scheduled:
            self._scheduled = True
            # Everything that arrives before this callback runs joins the same commit.
            loop.call_soon(self._flush)
        return await future

    def _flush(self) -> None:
        self._scheduled = False
        pending, self._pending = self._pending, []
        if not pending:
            return
        entries: list[HistoryRow] = []
        results: list[WriteResult] = []
        messages: list[dict[str, Any]] = []
        touched: dict[str, dict[str, Any]] = {}
        for write, _ in pending:
            changed = self._apply(write, entries, messages)
            if write.event is not None:
                run = self._apply_event(write.event)
                touched[run["run_id"]] = run
                messages.append({k: v for k, v in write.event.items() if k not in _EVENT_DATA})
            results.append(WriteResult(changed=changed, seq=self.seq))
        try:
            if entries or touched:
                self.store.commit(entries, touched, keep_runs=KEEP_RUNS)
        except sqlite3.Error as exc:
            log.exception("server.commit_failed", error=str(exc), writes=len(pending))
            # The store rolled back: it is the truth again.
            self.data, self.seq = self.store.load()
            self.writers = self.store.last_writers()
            self.runs = {r["run_id"]: r for r in reversed(self.store.runs(KEEP_RUNS))}
            failure = RuntimeError(f"the context store failed: {exc}")
            for _, future in pending:
                if not future.done():
                    future.set_exception(failure)
            return
        self.history_entries += len(entries)
        for key in [k for k in self.runs if k not in touched][: max(0, len(self.runs) - KEEP_RUNS)]:
            del self.runs[key]
        for (_, future), result in zip(pending, results, strict=True):
            if not future.done():  # the caller may have gone (client disconnected)
                future.set_result(result)
        self.hub.publish(messages)
        for listener in self.listeners:
            listener(messages)

    def _apply(
        self, write: Write, entries: list[HistoryRow], messages: list[dict[str, Any]]
    ) -> list[str]:
        data = self.data
        now = time.time()
        changed: list[str] = []
        who = write.who

        def record(key: str, before: Any, after: Any, operation: str) -> None:
            # One history row and one live message per changed key, numbered alike.
            self.seq += 1
            fields = {"key": key, "before": before, "after": after, "who": who}
            entries.append(HistoryRow(seq=self.seq, timestamp=now, operation=operation, **fields))
            messages.append(_update(seq=self.seq, now=now, operation=operation, **fields))
            changed.append(key)

        for key in write.removed:
            before = data.pop(key, _MISSING)
            if before is _MISSING:
                continue
            self.writers.pop(key, None)
            record(key, before, None, "delete")
        for key, value in write.changes.items():
            old = data.get(key, _MISSING)
            if old is not _MISSING and same_value(old, value):
                continue  # equal value: a no-op, as in f0.Context
            data[key] = value
            self.writers[key] = who
            record(key, None if old is _MISSING else old, value, write.operation)
        return changed

    def _apply_event(self, event: dict[str, Any]) -> dict[str, Any]:
        """Fold a run event into :attr:`runs`; return the run it touched."""
        kind = event["type"]
        run_id = event["run_id"]
        now = time.time()
        run = self.runs.get(run_id)
        if run is None:
            run = {
                "run_id": run_id,
                "recipe": event.get("recipe"),
                "recipe_path": event.get("recipe_path"),
                "status": "RUNNING",
                "started_at": event.get("started_at") or now,
                "finished_at": None,
                "steps": {},
            }
            self.runs[run_id] = run
        steps: dict[str, dict[str, Any]] = run["steps"]
        if kind == "run_started":
            run.update(
                recipe=event.get("recipe"),
                recipe_path=event.get("recipe_path"),
                started_at=event.get("started_at") or now,
                status="RUNNING",
            )
            for spec in event.get("steps") or []:
                steps.setdefault(spec["name"], _new_step(spec["name"], spec.get("depends_on")))
        elif kind == "run_finished":
            run.update(
                status=event.get("status", "COMPLETED"), finished_at=event.get("finished_at") or now
            )
            if event.get("duration_s") is not None:
                run["duration_s"] = event["duration_s"]
        else:
            name = event["step"]
            step = steps.setdefault(name, _new_step(name, None))
            if kind == "step_started":
                step.update(status="RUNNING", attempt=event.get("attempt", 1))
                if step.get("started_at") is None:
                    step["started_at"] = event.get("timestamp") or now
            else:
                step.update(
                    status=event.get("status", "COMPLETED"),
                    attempt=event.get("attempts", step.get("attempt", 0)),
                    started_at=event.get("started_at") or step.get("started_at"),
                    finished_at=event.get("finished_at") or now,
                    duration_s=event.get("duration_s"),
                    error=event.get("error"),
                )
        return run


#: Event fields that are applied as context changes, not repeated in the broadcast event.
_EVENT_DATA = frozenset({"changes", "removed"})


def _new_step(name: str, depends_on: Any) -> dict[str, Any]:
    return {
        "name": name,
        "status": "PENDING",
        "attempt": 0,
        "depends_on": list(depends_on or []),
        "started_at": None,
        "finished_at": None,
        "duration_s": None,
        "error": None,
    }


def _update(
    *, seq: int, now: float, key: str, before: Any, after: Any, who: str | None, operation: str
) -> dict[str, Any]:
    # Both naming schemes: the legacy event (value/old_value) and history's (before/after).
    return {
        "type": "context_updated",
        "seq": seq,
        "key": key,
        "value": after,
        "old_value": before,
        "before": before,
        "after": after,
        "who": who,
        "timestamp": now,
        "operation": operation,
    }
