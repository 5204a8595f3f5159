"""Fan-out of live events to WebSocket (and Socket.IO) subscribers.

Every message is encoded once and put on each interested subscriber's own
bounded queue; a sender task per connection drains it. A subscriber that
falls :data:`DEFAULT_QUEUE` messages behind is cut off (closed with 1013,
"try again later") rather than silently skipping events or slowing the
writers down: every watcher either sees every event, in order, or knows it
was dropped.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from typing import Any

__all__ = ["DEFAULT_QUEUE", "Hub", "Subscriber", "encode"]

#: Messages a subscriber may have pending before it is disconnected.
DEFAULT_QUEUE = 10_000

CONTEXT_EVENTS = frozenset({"context_updated"})
RUN_EVENTS = frozenset({"run_started", "step_started", "step_finished", "run_finished"})


def encode(message: dict[str, Any]) -> str:
    """A message as compact JSON text."""
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


class Subscriber:
    """One live connection's interest (key prefixes, event kinds) and its queue."""

    def __init__(
        self,
        *,
        prefixes: Iterable[str] = (),
        context: bool = True,
        runs: bool = True,
        maxsize: int = DEFAULT_QUEUE,
    ) -> None:
        self.prefixes: tuple[str, ...] = tuple(p for p in prefixes if p)
        self.context = context
        self.runs = runs
        self.queue: asyncio.Queue[tuple[dict[str, Any], str] | None] = asyncio.Queue(maxsize)
        self.overflowed = False

    def wants(self, message: dict[str, Any]) -> bool:
        kind = message.get("type")
        if kind in CONTEXT_EVENTS:
            if not self.context:
                return False
            if not self.prefixes:
                return True
            key = message.get("key", "")
            return any(key.startswith(p) for p in self.prefixes)
        if kind in RUN_EVENTS:
            return self.runs
        return True

    def wants_key(self, key: str) -> bool:
        return not self.prefixes or any(key.startswith(p) for p in self.prefixes)

    def offer(self, message: dict[str, Any], text: str) -> None:
        if self.overflowed:
            return
        try:
            self.queue.put_nowait((message, text))
        except asyncio.QueueFull:
            self.overflowed = True
            # Wake the sender so it closes the connection.
            self._drain_and_stop()

    def stop(self) -> None:
        """Ask the sender to finish (server shutting down or client gone)."""
        try:
            self.queue.put_nowait(None)
        except asyncio.QueueFull:
            self._drain_and_stop()

    def _drain_and_stop(self) -> None:
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(None)


class Hub:
    """The set of live subscribers; :meth:`publish` is called from the event loop."""

    def __init__(self) -> None:
        self._subscribers: set[Subscriber] = set()
        self.next_id = 1

    def __len__(self) -> int:
        return len(self._subscribers)

    def add(self, subscriber: Subscriber) -> None:
        self._subscribers.add(subscriber)

    def remove(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)

    def publish(self, messages: Iterable[dict[str, Any]]) -> None:
        """Number, encode and queue *messages* for every subscriber that wants them."""
        subscribers = self._subscribers
        for message in messages:
            message["id"] = self.next_id
            self.next_id += 1
            if not subscribers:
                continue
            text = encode(message)
            for sub in subscribers:
                if sub.wants(message):
                    sub.offer(message, text)

    def close_all(self) -> None:
        for sub in list(self._subscribers):
            sub.stop()
