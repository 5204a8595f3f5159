"""The redis stores against a real redis-server: the kernel's contracts, atomicity, history, pub/sub."""

from __future__ import annotations

import threading

import pytest
from f0 import UsageError
from f0.testing import ContextStoreContract, RunStoreContract
from f0_redis import ChangeFeed, RedisContextStore, RedisRunStore
from redis_server import free_port


class TestRedisContextStore(ContextStoreContract):
    @pytest.fixture
    def store(self, redis_url: str):
        store = RedisContextStore(redis_url)
        yield store
        store.close()


class TestRedisRunStore(RunStoreContract):
    @pytest.fixture
    def store(self, redis_url: str):
        store = RedisRunStore(redis_url)
        yield store
        store.close()


def test_hooks_answer_only_for_redis_urls() -> None:
    import f0_redis

    assert f0_redis.f0_context_store(url="memory://") is None
    assert f0_redis.f0_run_store(url="sqlite:///x.db") is None


@pytest.mark.parametrize("cls", [RedisContextStore, RedisRunStore])
def test_unreachable_server_names_the_url(cls: type) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    with pytest.raises(UsageError) as raised:
        cls(url)
    assert url in str(raised.value)
    assert raised.value.where in {"--context", "--store"}


def test_bad_name_is_a_usage_error(redis_url: str) -> None:
    with pytest.raises(UsageError, match="name"):
        RedisContextStore(redis_url + "?name=")


def test_named_contexts_are_kept_apart(redis_url: str) -> None:
    one = RedisContextStore(redis_url + "?name=one")
    two = RedisContextStore(redis_url + "?name=two")
    one.write({"k": 1}, ())
    two.write({"k": 2}, ())
    assert one.load() == {"k": 1}
    assert two.load() == {"k": 2}
    one.close()
    two.close()


def test_every_batch_is_in_the_history_once_in_order(redis_url: str) -> None:
    store = RedisContextStore(redis_url)
    store.write({"a": 1, "b": 2.0}, ())
    store.write({"a": 3}, ["b"])
    store.write({}, [])  # nothing: no history entry
    feed = ChangeFeed(redis_url)
    history = feed.history()
    assert [(dict(c.changes), c.removed) for c in history] == [
        ({"a": 1, "b": 2.0}, ()),
        ({"a": 3}, ("b",)),
    ]
    assert type(history[0].changes["b"]) is float
    assert feed.history(after=history[0].id) == history[1:]
    feed.close()
    store.close()


def test_concurrent_writers_never_interleave_a_batch(redis_url: str) -> None:
    """Each batch sets two keys to the same number: a reader never sees them differ."""
    stores = [RedisContextStore(redis_url) for _ in range(3)]
    stop = threading.Event()
    torn: list[dict] = []

    def write(store: RedisContextStore, base: int) -> None:
        for n in range(200):
            store.write({"x": base + n, "y": base + n}, ())

    def read() -> None:
        reader = RedisContextStore(redis_url)
        while not stop.is_set():
            data = reader.load()
            if data.get("x") != data.get("y"):
                torn.append(data)
        reader.close()

    watcher = threading.Thread(target=read)
    watcher.start()
    writers = [threading.Thread(target=write, args=(s, 1000 * i)) for i, s in enumerate(stores)]
    for t in writers:
        t.start()
    for t in writers:
        t.join(timeout=60)
    stop.set()
    watcher.join(timeout=10)
    assert torn == []
    assert len(ChangeFeed(redis_url).history()) == 600
    for s in stores:
        s.close()


def test_every_subscriber_gets_every_batch(redis_url: str) -> None:
    """Two subscribers (two context servers, say) see the same changes in the same order."""
    feeds = [ChangeFeed(redis_url) for _ in range(2)]
    for feed in feeds:
        feed.subscribe()
    store = RedisContextStore(redis_url)
    for n in range(5):
        store.write({"n": n}, ["gone"] if n else ())
    seen = [[(c.id, dict(c.changes)) for c in feed.changes(timeout=1.0)] for feed in feeds]
    assert seen[0] == seen[1]
    assert [changes for _, changes in seen[0]] == [{"n": n} for n in range(5)]
    assert [cid for cid, _ in seen[0]] == [c.id for c in feeds[0].history()]
    for feed in feeds:
        feed.close()
    store.close()
