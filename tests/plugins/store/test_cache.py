"""The in-process Cache: policies, TTLs, memory cap, stats (a hand-moved clock, no sleeps)."""

from __future__ import annotations

import threading

import pytest
from f0_store import Cache, CacheDecorator, CacheEntryNotFoundError, CacheFullError, EvictionPolicy
from f0_store.cache import CacheEntry


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


def make(clock, **kwargs):
    return Cache(timer=clock, **kwargs)


def test_policies():
    assert EvictionPolicy.all_policies() == ["LRU", "LFU", "FIFO", "TTL"]
    assert EvictionPolicy.parse("lfu") is EvictionPolicy.LFU
    with pytest.raises(ValueError, match="unknown eviction policy"):
        Cache(eviction_policy="MRU")
    with pytest.raises(ValueError, match="max_size"):
        Cache(max_size=-1)


def test_lru_evicts_the_least_recently_used(clock):
    cache = make(clock, max_size=2)
    cache.set("a", 1)
    cache.set("b", 2)
    assert cache.get("a") == 1
    cache.set("c", 3)
    assert cache.get_keys() == ["a", "c"]
    assert cache.get_stats()["evictions"] == 1


def test_lfu_evicts_the_least_used_ties_to_the_least_recent(clock):
    cache = make(clock, max_size=3, eviction_policy="LFU")
    for key in "abc":
        cache.set(key, key)
    cache.get("a")
    cache.get("a")
    cache.get("c")
    cache.get("b")
    cache.set("d", "d")  # b and c have one use each; c was used first
    assert sorted(cache.get_keys()) == ["a", "b", "d"]


def test_fifo_ignores_reads(clock):
    cache = make(clock, max_size=2, eviction_policy=EvictionPolicy.FIFO)
    cache.set("a", 1)
    cache.set("b", 2)
    cache.get("a")
    cache.set("c", 3)
    assert cache.get_keys() == ["b", "c"]


def test_ttl_policy_evicts_the_soonest_expiry_then_lru(clock):
    cache = make(clock, max_size=3, eviction_policy="TTL")
    cache.set("forever", 0)
    cache.set("long", 1, ttl=100)
    cache.set("short", 2, ttl=10)
    cache.set("new", 3)
    assert sorted(cache.get_keys()) == ["forever", "long", "new"]
    cache.set("newer", 4)
    assert "long" not in cache
    cache.get("forever")
    cache.set("newest", 5)  # no TTLs left: least recently used goes
    assert sorted(cache.get_keys()) == ["forever", "newer", "newest"]


def test_entries_expire(clock):
    cache = make(clock, default_ttl=10)
    cache.set("a", 1)
    cache.set("b", 2, ttl=30)
    clock.now += 11
    assert "a" not in cache
    assert cache.get("a", "gone") == "gone"
    assert cache.get("b") == 2
    assert cache.get_keys() == ["b"]
    stats = cache.get_stats()
    assert (stats["hits"], stats["misses"], stats["expirations"]) == (1, 1, 1)
    with pytest.raises(CacheEntryNotFoundError):
        cache.get_entry_metadata("a")


def test_expired_entries_go_before_live_ones_are_evicted(clock):
    cache = make(clock, max_size=2)
    cache.set("old", 1, ttl=5)
    cache.set("live", 2)
    clock.now += 6
    cache.set("new", 3)
    assert sorted(cache.get_keys()) == ["live", "new"]
    stats = cache.get_stats()
    assert (stats["evictions"], stats["expirations"]) == (0, 1)


def test_memory_cap(clock):
    cache = make(clock, max_size=0, max_memory_mb=100 / (1024 * 1024))  # 100 bytes
    cache.set("a", "x" * 40)  # 42 bytes of JSON
    cache.set("b", "y" * 40)
    cache.set("c", "z" * 40)
    assert cache.get_keys() == ["b", "c"]
    assert cache.get_stats()["memory_usage_bytes"] == 84
    with pytest.raises(CacheFullError):
        cache.set("huge", "h" * 200)
    assert cache.get_keys() == ["b", "c"]


def test_replacing_a_value_is_not_an_eviction(clock):
    cache = make(clock, max_size=1)
    cache.set("a", 1)
    cache.set("a", 2)
    assert cache.get("a") == 2
    assert cache.get_stats()["evictions"] == 0


def test_unlimited(clock):
    cache = make(clock, max_size=0)
    for i in range(5000):
        cache.set(i, i)
    assert len(cache) == 5000


def test_metadata_and_stats(clock):
    cache = make(clock, max_size=10)
    cache.set("k", {"v": 1}, ttl=60)
    clock.now += 5
    cache.get("k")
    cache.get("missing")
    clock.now += 2
    meta = cache.get_entry_metadata("k")
    assert meta == {
        "key": "k",
        "created_at": 1000.0,
        "last_accessed": 1005.0,
        "access_count": 1,
        "ttl": 60,
        "expires_at": 1060.0,
        "size_bytes": len('{"v": 1}'),
        "age": 7.0,
        "idle_time": 2.0,
    }
    stats = cache.get_stats()
    assert stats["hit_ratio"] == stats["hit_rate"] == 0.5
    assert (stats["size"], stats["max_size"], stats["eviction_policy"]) == (1, 10, "LRU")
    assert cache.contains("k")
    assert cache.get_stats()["hits"] == 1  # contains is not a hit
    assert cache.delete("k") is True
    assert cache.delete("k") is False
    cache.set("x", 1)
    cache.clear()
    assert len(cache) == 0
    assert cache.get_stats()["memory_usage_bytes"] == 0
    assert make(clock).get_stats()["hit_ratio"] == 0.0


def test_entry():
    entry = CacheEntry(key="k", value=[1], ttl=10, created_at=100.0)
    assert not entry.is_expired(105)
    assert entry.is_expired(111)
    entry.access(103)
    assert (entry.access_count, entry.get_age(104), entry.get_idle_time(104)) == (1, 4, 1)
    assert CacheEntry.from_dict(entry.to_dict()) == entry
    assert CacheEntry(key="o", value=object()).size_bytes > 0


def test_decorator(clock):
    calls = []
    memo = CacheDecorator(make(clock), ttl=10)

    @memo
    def square(n, *, plus=0):
        calls.append(n)
        return n * n + plus

    assert [square(3), square(3), square(3, plus=1), square(4)] == [9, 9, 10, 16]
    assert calls == [3, 3, 4]
    clock.now += 11
    square(3)
    assert calls == [3, 3, 4, 3]
    keyed = CacheDecorator(key_func=lambda n: n % 2)(lambda n: n)
    assert (keyed(1), keyed(3)) == (1, 1)


def test_threads(clock):
    cache = make(clock, max_size=50)

    def work(offset):
        for i in range(2000):
            cache.set((offset, i % 80), i)
            cache.get((offset, (i * 7) % 80))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stats = cache.get_stats()
    assert stats["size"] == 50
    assert stats["hits"] + stats["misses"] == 8000


# -- peek, entries, on_evict (what a second tier or a file copy needs) --------------


@pytest.mark.parametrize("policy", EvictionPolicy.all_policies())
def test_peek_and_entries_count_no_hit_and_keep_the_eviction_order(policy):
    evicted: list[CacheEntry] = []
    cache = Cache(max_size=2, eviction_policy=policy, on_evict=evicted.append)
    cache.set("a", 1, ttl=100)
    cache.set("b", 2, ttl=200)
    cache.get("b")
    before = cache.get_stats()
    assert cache.peek("a").value == 1
    assert cache.peek("nope") is None
    assert sorted(e.key for e in cache.entries()) == ["a", "b"]
    assert cache.get_stats() == before
    assert cache.get_entry_metadata("a")["access_count"] == 0
    cache.set("c", 3)
    # Peeking at "a" did not save it: it is still the victim under every policy.
    assert [e.key for e in evicted] == ["a"]
    assert evicted[0].value == 1


def test_on_evict_is_not_called_for_deletes_or_expiry():
    now = [0.0]
    evicted: list[CacheEntry] = []
    cache = Cache(max_size=5, timer=lambda: now[0], on_evict=evicted.append)
    cache.set("gone", 1, ttl=1)
    cache.set("deleted", 2)
    cache.delete("deleted")
    now[0] = 5
    assert cache.peek("gone") is None
    assert cache.get("gone") is None
    assert evicted == []
