"""The ``redis://`` context store: a hash of values, a history stream, a pub/sub channel.

Each :meth:`RedisContextStore.write` is one Lua script, so Redis applies it
atomically: set and delete the keys, append the batch to the history stream
(trimmed to about ``HISTORY_MAXLEN`` entries) and publish it. Every batch
carries a fresh id that the script marks as applied: when a connection drops
after Redis ran the script but before the answer came, redis-py's retry sends
it again and the script does nothing the second time.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from f0_redis._keys import ContextKeys, dumps, loads
from f0_redis._url import connect

__all__ = ["HISTORY_MAXLEN", "RedisContextStore"]

#: The history stream keeps about this many batches (``XADD MAXLEN ~``).
HISTORY_MAXLEN = 100_000
#: How long a batch id is remembered (seconds): far longer than any retry.
_BATCH_TTL_S = 86_400

# KEYS: data hash, history stream, batch marker.
# ARGV: channel, batch JSON, maxlen, n, key1, value1, ..., keyN, valueN, removed...
_WRITE = """
if not redis.call('SET', KEYS[3], '1', 'NX', 'EX', @TTL@) then
  return false
end
local n = tonumber(ARGV[4])
local last = 4 + 2 * n
for i = 5, last, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
for i = last + 1, #ARGV do
  redis.call('HDEL', KEYS[1], ARGV[i])
end
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'batch', ARGV[2])
redis.call('PUBLISH', ARGV[1], '{"id":"' .. id .. '","batch":' .. ARGV[2] .. '}')
return id
""".replace("@TTL@", str(_BATCH_TTL_S))


class RedisContextStore:
    """A context kept in Redis; several processes may share it."""

    def __init__(self, url: str) -> None:
        self.url = url
        client, parsed = connect(url, where="--context")
        self._client: Any = client  # redis-py's reply types are unions of every command's
        self.name = parsed.name
        self.keys = ContextKeys(parsed.name)
        self._write = self._client.register_script(_WRITE)
        self._closed = False

    def load(self) -> dict[str, Any]:
        """All data the context holds now."""
        raw: dict[bytes, bytes] = self._client.hgetall(self.keys.data)
        return {key.decode(): loads(value) for key, value in raw.items()}

    def write(self, changes: Mapping[str, Any], removed: Iterable[str]) -> None:
        """Apply one batch atomically; it is in the history and published when this returns."""
        gone = [key for key in removed if key not in changes]  # removals, then changes
        if not changes and not gone:
            return
        batch = dumps({"changes": changes, "removed": gone, "ts": time.time()})
        args: list[Any] = [self.keys.channel, batch, HISTORY_MAXLEN, len(changes)]
        for key, value in changes.items():
            args += (key, dumps(value))
        args += gone
        marker = self.keys.batch + uuid.uuid4().hex
        self._write(keys=[self.keys.data, self.keys.history, marker], args=args)

    def close(self) -> None:
        """Close the connection pool. Idempotent."""
        if not self._closed:
            self._closed = True
            self._client.close()

    def __repr__(self) -> str:
        return f"RedisContextStore({self.url!r})"
