"""Where things live in Redis, and JSON the same way everywhere.

Every key of one context shares the hash tag ``{NAME}``, so a Redis
Cluster keeps them in one slot and a script may touch them together.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["ContextKeys", "RunKeys", "dumps", "loads"]


def dumps(value: Any) -> str:
    """Compact JSON (values reaching a store are JSON already)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def loads(text: str | bytes) -> Any:
    """Inverse of :func:`dumps`."""
    return json.loads(text)


class ContextKeys:
    """The keys and channel of the context called *name*."""

    def __init__(self, name: str) -> None:
        base = f"f0:ctx:{{{name}}}"
        #: HASH: context key -> JSON value.
        self.data = base + ":data"
        #: STREAM: one entry per batch of changes (field ``batch``: JSON).
        self.history = base + ":history"
        #: Prefix of the keys that mark a batch id as applied (retries stay exactly-once).
        self.batch = base + ":batch:"
        #: Pub/sub channel: one message per batch, ``{"id": stream id, "batch": ...}``.
        self.channel = base + ":changes"


class RunKeys:
    """The keys of the run store (one per Redis database)."""

    #: ZSET of run ids scored by start time.
    runs = "f0:runs"
    #: HASH: ``recipe path NUL step name`` -> JSON cache entry.
    cache = "f0:cache"

    @staticmethod
    def run(run_id: str) -> str:
        """HASH of one run's fields (JSON values)."""
        return f"f0:run:{{{run_id}}}"

    @staticmethod
    def steps(run_id: str) -> str:
        """HASH: step name -> JSON step record."""
        return f"f0:run:{{{run_id}}}:steps"

    @staticmethod
    def events(run_id: str) -> str:
        """STREAM of one run's events (started, each step, finished), in order."""
        return f"f0:run:{{{run_id}}}:events"

    @staticmethod
    def recipe_runs(recipe_path: str) -> str:
        """ZSET of the run ids of one recipe file, scored by start time."""
        return f"f0:runs:recipe:{recipe_path}"
