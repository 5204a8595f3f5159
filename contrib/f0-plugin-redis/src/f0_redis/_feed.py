"""Following a Redis context: its history stream and its pub/sub change messages.

Several processes (context servers, dashboards) can each open a
:class:`ChangeFeed` on the same context: Redis pub/sub delivers every
batch to every subscriber. A subscriber that was away reads what it missed
from the history stream (:meth:`ChangeFeed.history` with ``after=`` the
last id it saw).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from f0_redis._keys import ContextKeys, loads
from f0_redis._url import connect

__all__ = ["Change", "ChangeFeed"]


@attrs.frozen(kw_only=True)
class Change:
    """One batch of changes to a context, as written by one ``ContextStore.write``."""

    #: The batch's history stream id (``1733300000000-0``): its place in the order.
    id: str
    changes: Mapping[str, Any]
    removed: tuple[str, ...]
    #: When the writer sent it (seconds since the epoch).
    ts: float

    @classmethod
    def from_batch(cls, entry_id: str, batch: str | bytes | Mapping[str, Any]) -> Change:
        """Build one from a stream id and the batch (its JSON, or that decoded)."""
        data = batch if isinstance(batch, Mapping) else loads(batch)
        return cls(
            id=entry_id,
            changes=data["changes"],
            removed=tuple(data["removed"]),
            ts=data["ts"],
        )


class ChangeFeed:
    """The changes of the context at *url* (``redis://HOST:PORT/DB?name=NAME``)."""

    def __init__(self, url: str) -> None:
        self.url = url
        client, parsed = connect(url, where="url")
        self._client: Any = client  # redis-py's reply types are unions of every command's
        self.keys = ContextKeys(parsed.name)
        self._pubsub: Any = None

    def history(self, *, after: str | None = None, count: int | None = None) -> list[Change]:
        """Batches from the history stream, oldest first (only those after id *after*)."""
        start = "-" if after is None else f"({after}"
        entries = self._client.xrange(self.keys.history, min=start, count=count)
        return [
            Change.from_batch(entry_id.decode(), fields[b"batch"]) for entry_id, fields in entries
        ]

    def subscribe(self) -> None:
        """Start listening; changes published from now on are kept for :meth:`changes`."""
        if self._pubsub is None:
            self._pubsub = self._client.pubsub(ignore_subscribe_messages=True)
            self._pubsub.subscribe(self.keys.channel)

    def changes(self, *, timeout: float) -> Iterator[Change]:
        """Yield published changes until none arrives for *timeout* seconds (subscribes first)."""
        self.subscribe()
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            message = self._pubsub.get_message(timeout=left)
            if message is None or message.get("type") != "message":
                continue
            data = loads(message["data"])
            yield Change.from_batch(data["id"], data["batch"])
            deadline = time.monotonic() + timeout

    def close(self) -> None:
        """Unsubscribe and close the connections. Idempotent."""
        if self._pubsub is not None:
            self._pubsub.close()
            self._pubsub = None
        self._client.close()
