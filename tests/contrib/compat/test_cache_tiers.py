"""``orchestrator.persistence.cache.PersistentCache`` and ``TieredCache``: real files, real SQLite."""

from __future__ import annotations

import json
import sqlite3
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from orchestrator.persistence.cache import (
    Cache,
    EvictionPolicy,
    PersistentCache,
    TieredCache,
)

from .compat_support import python


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_store_cache_peek_entries_and_on_evict_do_not_disturb_the_policy():
    evicted = []
    cache = Cache(max_size=2, eviction_policy=EvictionPolicy.LRU, on_evict=evicted.append)
    cache.set("a", 1)
    cache.set("b", 2)
    assert cache.peek("a").value == 1  # no hit, "a" stays least recently used
    assert cache.get_stats()["hits"] == 0
    assert {e.key for e in cache.entries()} == {"a", "b"}
    cache.set("c", 3)
    assert [e.key for e in evicted] == ["a"]
    assert cache.peek("missing") is None


def test_a_framework0_persistent_cache_survives_a_restart(tmp_path):
    # Written as Framework0 code: persist, "restart" (a new process), read back.
    first = python(
        f"""
        from orchestrator.persistence.cache import PersistentCache
        cache = PersistentCache(cache_dir={str(tmp_path)!r}, max_size=100, default_ttl=3600)
        cache.set("user:1", {{"name": "ada"}})
        cache.set("counter", 41)
        cache.get("counter")
        print(cache.persist())
        """,
        tmp_path,
    )
    assert first.returncode == 0, first.stderr
    assert first.stdout.split() == ["2"]
    data = json.loads((tmp_path / "cache.json").read_text())
    assert {row["key"] for row in data["entries"]} == {"user:1", "counter"}
    second = python(
        f"""
        from orchestrator.persistence.cache import PersistentCache
        cache = PersistentCache(cache_dir={str(tmp_path)!r})
        print(cache.get("user:1"), cache.get("counter"), cache.get_entry_metadata("counter")["access_count"])
        """,
        tmp_path,
    )
    assert second.returncode == 0, second.stderr
    assert second.stdout.split() == ["{'name':", "'ada'}", "41", "2"]


def test_persistent_cache_keeps_ttls_and_skips_expired_entries(tmp_path):
    clock = Clock()
    cache = PersistentCache(tmp_path, auto_persist_interval=None, timer=clock)
    cache.set("short", 1, ttl=10)
    cache.set("long", 2, ttl=100)
    cache.set(("tuple", 1), "tuple keys round-trip")
    cache.set("object", object())  # not JSON: memory only
    assert cache.persist() == 3
    clock.now += 50
    again = PersistentCache(tmp_path, auto_persist_interval=None, timer=clock)
    assert again.get("short") is None
    assert again.get("long") == 2
    assert again.get(("tuple", 1)) == "tuple keys round-trip"
    assert again.get_entry_metadata("long")["age"] == 50
    clock.now += 60
    assert again.get("long") is None  # the TTL counted from the first store
    again.clear()
    assert not (tmp_path / "cache.json").exists()


def test_shutdown_persists_and_with_closes(tmp_path):
    with PersistentCache(tmp_path, auto_persist_interval=None) as cache:
        cache.set("k", "v")
    assert PersistentCache(tmp_path, auto_persist_interval=None).get("k") == "v"
    off = PersistentCache(tmp_path / "off", auto_persist_interval=None, persist_on_shutdown=False)
    off.set("k", "v")
    off.shutdown()
    assert not (tmp_path / "off" / "cache.json").exists()


def test_a_damaged_cache_file_is_moved_aside_not_lost(tmp_path):
    (tmp_path / "cache.json").write_text("{not json", encoding="utf-8")
    cache = PersistentCache(tmp_path, auto_persist_interval=None)
    assert len(cache) == 0
    assert (tmp_path / "cache.json.damaged").read_text() == "{not json"


def test_the_background_saver_writes_the_file(tmp_path):
    cache = PersistentCache(tmp_path, auto_persist_interval=0.05)
    cache.set("k", 1)
    saved = threading.Event()
    for _ in range(200):
        if (tmp_path / "cache.json").exists():
            saved.set()
            break
        threading.Event().wait(0.05)
    cache.shutdown()
    assert saved.is_set()


def test_tiered_cache_demotes_to_sqlite_and_promotes_back(tmp_path):
    cache = TieredCache(max_size=2, disk_cache_dir=tmp_path)
    for key in ("a", "b", "c"):
        cache.set(key, {"v": key})
    # Memory holds two; "a" went to the disk tier: a real row in cache.db.
    with sqlite3.connect(tmp_path / "cache.db") as db:
        rows = db.execute("SELECT key, value FROM entries").fetchall()
    assert rows == [('"a"', '{"v": "a"}')]
    assert cache.contains("a")
    assert sorted(cache.get_keys()) == ["a", "b", "c"]
    assert cache.get("a") == {"v": "a"}  # a disk hit, promoted...
    stats = cache.get_stats()
    assert stats["memory"]["size"] == 2
    assert stats["disk"]["hits"] == 1
    # ...which pushed the least recently used ("b") down.
    assert cache.disk.get_keys() == ["b"]
    assert cache.delete("b") is True
    assert cache.get("b") is None
    cache.clear()
    assert cache.get_keys() == []
    cache.close()


def test_tiered_cache_without_promotion_keeps_the_entry_on_disk(tmp_path):
    cache = TieredCache(max_size=1, disk_cache_dir=tmp_path, promote_on_access=False)
    cache.set("a", 1)
    cache.set("b", 2)
    assert cache.get("a") == 1
    assert cache.disk.get_keys() == ["a"]
    assert cache.get_stats()["memory"]["size"] == 1
    cache.close()


def test_tiered_cache_disk_tier_respects_its_size_and_ttl(tmp_path):
    clock = Clock()
    cache = TieredCache(
        max_size=1, disk_cache_dir=tmp_path, disk_cache_size_mb=0.001, timer=clock
    )  # about 1 KB on disk
    cache.set("old", "x" * 600, ttl=5)
    cache.set("new", "y" * 600)
    cache.set("newest", "z")  # "new" goes to disk; "old" (600 B) no longer fits beside it
    assert cache.disk.get_keys() == ["new"]
    assert cache.get_stats()["disk"]["evictions"] == 1
    clock.now += 10
    assert cache.get("old") is None
    cache.close()


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abcdefgh"), st.integers()), max_size=40))
def test_tiered_cache_never_loses_a_value_it_has_room_for(tmp_path_factory, writes):
    # Memory 3 + a large disk tier: every key keeps its last written value.
    cache = TieredCache(max_size=3, disk_cache_dir=tmp_path_factory.mktemp("tier"))
    expected = {}
    for key, value in writes:
        cache.set(key, value)
        expected[key] = value
    assert {k: cache.get(k) for k in expected} == expected
    cache.close()


def test_tiered_cache_from_several_threads(tmp_path):
    cache = TieredCache(max_size=5, disk_cache_dir=tmp_path)
    errors = []

    def work(n):
        try:
            for i in range(50):
                key = f"{n}:{i % 10}"
                cache.set(key, i)
                assert cache.get(key) == i
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(cache.get_keys()) == 40
    cache.close()


def test_bad_arguments():
    with pytest.raises(ValueError, match="eviction policy"):
        TieredCache(eviction_policy="RANDOM")
