"""``f0 run --context-server URL``: a run seen live on a context server.

* **Seed** (``f0_context_seed``): the run starts from the server's values
  (``GET /ctx/all``), so a team can set ``threshold`` on the server before a
  run reads it. An unreachable server stops the run before any step.
* **Publish** (the observer hooks): ``run_started``, ``step_started`` and
  ``step_finished`` (with the step's delta and its ``steps.<name>.*`` keys,
  attributed to the step) and ``run_finished`` go to ``POST /api/events``,
  in order, from one background thread, so steps never wait for the network.
  At the end, any value of the final context the server has not seen (the
  ``recipe.*`` keys, ``--set`` values) is sent with ``run_finished``, and
  ``f0 run`` waits (up to :data:`FLUSH_TIMEOUT_S`) until everything is
  acknowledged. A server that goes away mid-run costs a warning, not the run.

The token comes from ``F0_TOKEN``.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import structlog

if TYPE_CHECKING:
    import httpx
    from f0 import Delta, RunInfo, RunResult, Step, StepResult

__all__ = ["FLUSH_TIMEOUT_S", "Publisher", "publisher_for", "start_publisher"]

log = structlog.get_logger(__name__)

#: Seconds ``f0 run`` waits at the end for the server to acknowledge every event.
FLUSH_TIMEOUT_S = 30.0
_TIMEOUT_S = 10.0

_publishers: dict[str, Publisher] = {}
_lock = threading.Lock()


def _same(a: Any, b: Any) -> bool:
    from f0_server._service import same_value

    return same_value(a, b)


class Publisher:
    """Sends one run's events to a server, in order, from a daemon thread."""

    def __init__(self, url: str, token: str | None) -> None:
        import httpx

        self.url = url.rstrip("/")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http: httpx.Client = httpx.Client(
            base_url=self.url, headers=headers, timeout=_TIMEOUT_S, trust_env=False
        )
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._send_lock = threading.Lock()  # steps finish on several threads
        self._warned = False
        #: What the server holds, as far as this run knows (for the final sync).
        self.known: dict[str, Any] = {}
        self.sent = 0
        self.failed = 0

    # -- seed ---------------------------------------------------------------
    def fetch(self) -> dict[str, Any]:
        """The server's values; a ``UsageError`` naming the server when it cannot be read."""
        import httpx
        from f0 import UsageError

        try:
            response = self._http.get("/ctx/all")
        except httpx.HTTPError as exc:
            msg = f"cannot reach the context server at {self.url}: {exc}"
            raise UsageError(msg, where="--context-server") from None
        if response.status_code != 200:  # noqa: PLR2004
            msg = f"the context server at {self.url} answered {response.status_code}: {response.text[:200]}"
            raise UsageError(msg, where="--context-server")
        data = response.json()
        if not isinstance(data, dict):
            msg = f"the context server at {self.url} sent no JSON object for /ctx/all"
            raise UsageError(msg, where="--context-server")
        self.known = dict(data)
        return data

    # -- events ---------------------------------------------------------------
    def send(self, event: dict[str, Any]) -> None:
        """Queue *event* (never blocks on the network)."""
        with self._send_lock:
            for key in event.get("removed") or ():
                self.known.pop(key, None)
            self.known.update(event.get("changes") or {})
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._pump, name="f0-context-server-publisher", daemon=True
                )
                self._thread.start()
            self._queue.put(event)

    def close(self, timeout: float = FLUSH_TIMEOUT_S) -> None:
        """Send what is queued (waiting at most *timeout* seconds), then stop."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning(
                    "server.publish_incomplete", server=self.url, pending=self._queue.qsize()
                )
        self._http.close()

    def _pump(self) -> None:
        while True:
            event = self._queue.get()
            if event is None:
                return
            try:
                self._post(event)
            except Exception as exc:  # noqa: BLE001 - the pump must outlive any one event
                self.failed += 1
                log.warning("server.publish_failed", server=self.url, error=repr(exc))

    def _post(self, event: dict[str, Any]) -> None:
        import httpx

        for attempt in range(3):
            try:
                response = self._http.post("/api/events", json=event)
            except httpx.HTTPError as exc:
                error = str(exc) or type(exc).__name__
            else:
                if response.status_code == 200:  # noqa: PLR2004
                    self.sent += 1
                    return
                error = f"{response.status_code} {response.text[:200]}"
                if response.status_code < 500:  # noqa: PLR2004 - a rejected event is not retried
                    break
            time.sleep(0.1 * (attempt + 1))
        self.failed += 1
        if not self._warned:
            self._warned = True
            log.warning(
                "server.publish_failed", server=self.url, event_type=event["type"], error=error
            )


def start_publisher(run: RunInfo) -> dict[str, Any] | None:
    """For a run with ``--context-server``: start its publisher, return the server's values."""
    url = run.options.get("context_server")
    if not url:
        return None
    publisher = Publisher(str(url), os.environ.get("F0_TOKEN") or None)
    try:
        values = publisher.fetch()
    except BaseException:
        publisher.close()
        raise
    with _lock:
        _publishers[run.run_id] = publisher
    return values


def publisher_for(run: RunInfo) -> Publisher | None:
    if not run.options.get("context_server"):
        return None
    with _lock:
        return _publishers.get(run.run_id)


def run_started(run: RunInfo) -> None:
    publisher = publisher_for(run)
    if publisher is None:
        return
    publisher.send(
        {
            "type": "run_started",
            "run_id": run.run_id,
            "recipe": run.recipe.name,
            "recipe_path": str(run.recipe.path) if run.recipe.path else None,
            "started_at": run.started_at,
            "scheduler": run.scheduler,
            "steps": [{"name": s.name, "depends_on": list(s.depends_on)} for s in run.recipe.steps],
        }
    )


def step_started(run: RunInfo, step: Step, attempt: int) -> None:
    publisher = publisher_for(run)
    if publisher is not None:
        publisher.send(
            {
                "type": "step_started",
                "run_id": run.run_id,
                "step": step.name,
                "attempt": attempt,
                "timestamp": time.time(),
            }
        )


def _outcome_keys(step: Step, result: StepResult) -> dict[str, Any]:
    """The kernel's ``steps.<name>.*`` keys, as the session wrote them."""
    prefix = f"steps.{step.name}."
    keys: dict[str, Any] = {
        prefix + "status": result.status.value,
        prefix + "exit_code": result.exit_code,
        prefix + "duration": round(result.duration_s, 6),
    }
    if isinstance(result.result, dict):
        from f0 import normalize_value

        # As the session does: a result JSON cannot carry is not stored.
        with contextlib.suppress(ValueError):
            keys[prefix + "result"] = normalize_value(prefix + "result", result.result)
    return keys


def step_finished(run: RunInfo, step: Step, result: StepResult, delta: Delta) -> None:
    publisher = publisher_for(run)
    if publisher is None:
        return
    changes = dict(delta.changes)
    if step.enabled or result.status.value != "SKIPPED":
        changes.update(_outcome_keys(step, result))
    publisher.send(
        {
            "type": "step_finished",
            "run_id": run.run_id,
            "step": step.name,
            "status": result.status.value,
            "attempts": result.attempts,
            "started_at": result.started_at,
            "finished_at": result.finished_at,
            "duration_s": round(result.duration_s, 6),
            "error": result.error,
            "exit_code": result.exit_code,
            "changes": changes,
            "removed": list(delta.removed),
            "who": step.name,
        }
    )


def run_finished(run: RunInfo, result: RunResult) -> None:
    with _lock:
        publisher = _publishers.pop(run.run_id, None) if run.options.get("context_server") else None
    if publisher is None:
        return
    unseen = _unseen(publisher.known, result.context)
    publisher.send(
        {
            "type": "run_finished",
            "run_id": run.run_id,
            "status": result.status.value,
            "finished_at": result.finished_at,
            "duration_s": round(result.duration_s, 6),
            "changes": unseen,
            "who": "f0",
        }
    )
    with contextlib.suppress(Exception):
        publisher.close()


def _unseen(known: Mapping[str, Any], final: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in final.items() if k not in known or not _same(known[k], v)}
