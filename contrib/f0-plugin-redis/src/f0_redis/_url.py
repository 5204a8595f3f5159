"""Redis URLs and connections.

``redis://[:PASSWORD@]HOST[:PORT][/DB][?name=NAME]``: everything but ``name``
is redis-py's own URL syntax. Connections retry with backoff on connection
errors and timeouts (about 15 s in all), so a Redis restart in the middle
of a run is waited out rather than failing the run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import attrs
from f0 import UsageError

if TYPE_CHECKING:
    import redis

__all__ = ["RedisUrl", "connect", "parse_url"]

#: Retries of one command on a lost connection, with capped exponential backoff.
RETRIES = 30
BACKOFF_CAP_S = 0.5
CONNECT_TIMEOUT_S = 2.0


@attrs.frozen
class RedisUrl:
    """A parsed store URL: what redis-py connects to, and f0's own ``name``."""

    url: str
    server: str
    name: str


def parse_url(url: str) -> RedisUrl:
    """Split *url* into the server URL (for redis-py) and ``?name=`` (default ``default``)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    names = [value for key, value in query if key == "name"]
    name = names[-1] if names else "default"
    if not name or any(c in name for c in " \t\n{}"):
        msg = f"{url}: name must be a non-empty word, not {name!r}"
        raise UsageError(msg, where="name")
    rest = urlencode([(k, v) for k, v in query if k != "name"])
    return RedisUrl(url=url, server=urlunsplit(parts._replace(query=rest)), name=name)


def connect(url: str, *, where: str) -> tuple[redis.Redis, RedisUrl]:
    """A client for *url*, checked with PING; :class:`f0.UsageError` naming *url* if unreachable.

    *where* is the option the URL came from (``--context``, ``--store``).
    """
    import redis
    from redis.backoff import ExponentialBackoff, NoBackoff
    from redis.retry import Retry

    parsed = parse_url(url)
    try:
        # A first PING without retries: an unreachable server fails now, at once.
        probe = redis.Redis.from_url(
            parsed.server, socket_connect_timeout=CONNECT_TIMEOUT_S, retry=Retry(NoBackoff(), 0)
        )
        try:
            probe.ping()
        finally:
            probe.close()
        client = redis.Redis.from_url(
            parsed.server,
            socket_connect_timeout=CONNECT_TIMEOUT_S,
            retry=Retry(ExponentialBackoff(cap=BACKOFF_CAP_S, base=0.05), RETRIES),
            retry_on_error=[redis.ConnectionError, redis.TimeoutError],
        )
    except (ValueError, redis.RedisError) as exc:
        msg = f"cannot use Redis at {url}: {exc}"
        raise UsageError(msg, where=where) from None
    return client, parsed
