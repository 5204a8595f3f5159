"""``orchestrator.persistence.*`` over f0-plugin-store, through the old import paths."""

from __future__ import annotations

import json
import threading
import time

import pytest
from orchestrator.persistence.cache import (
    Cache,
    CacheDecorator,
    CacheEntryNotFoundError,
    CacheFullError,
    EvictionPolicy,
)
from orchestrator.persistence.core import (
    CacheStrategy,
    DataIntegrityError,
    EnhancedPersistenceError,
    PersistenceBase,
    PersistenceError,
    PersistenceMetrics,
    SnapshotNotFoundError,
    ThreadSafeContextWrapper,
)
from orchestrator.persistence.delta import DeltaChain, DeltaCompressionError, DeltaCompressor
from orchestrator.persistence.enhanced import (
    CachedPersistenceDecorator,
    EnhancedPersistenceV2,
    create_enhanced_persistence,
)
from orchestrator.persistence.snapshot import SnapshotManager, StorageBackend, VersioningError


def test_error_tree():
    for error in (
        DataIntegrityError,
        SnapshotNotFoundError,
        CacheFullError,
        EnhancedPersistenceError,
    ):
        assert issubclass(error, PersistenceError)
    assert issubclass(CacheEntryNotFoundError, KeyError)


def test_cache_policies_and_errors():
    assert EvictionPolicy.all_policies() == ["LRU", "LFU", "FIFO", "TTL"]
    cache = Cache(max_size=2, eviction_policy="LRU")
    cache.set("a", 1)
    cache.set("b", 2)
    cache.get("a")
    cache.set("c", 3)  # b is the least recently used
    assert sorted(cache.get_keys()) == ["a", "c"]
    assert cache.get_stats()["evictions"] == 1
    with pytest.raises(CacheEntryNotFoundError):
        cache.get_entry_metadata("b")
    with pytest.raises(ValueError):
        Cache(eviction_policy="RANDOM")
    with pytest.raises(CacheFullError):
        Cache(max_memory_mb=0.000001).set("big", "x" * 10_000)
    calls = []

    @CacheDecorator(ttl=60)
    def square(n):
        calls.append(n)
        return n * n

    assert (square(3), square(3)) == (9, 9)
    assert calls == [3]


def test_delta_round_trip_and_chain():
    compressor = DeltaCompressor()
    old, new = {"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}
    delta = compressor.calculate_delta(old, new)
    assert compressor.apply_delta(old, delta) == new
    record = compressor.create_delta_record(delta["changes"], delta["removed_keys"])
    assert (
        compressor.deserialize_delta(compressor.serialize_delta(record)).changes == record.changes
    )
    with pytest.raises(DeltaCompressionError):
        compressor.deserialize_delta(b"Zgarbage")
    chain = DeltaChain(max_chain_length=20)
    for i in range(5):
        chain.add_state({"n": i})
    assert chain.get_state_at_index(2) == {"n": 2}
    assert chain.get_current_state() == {"n": 4}
    with pytest.raises(IndexError):
        chain.get_state_at_index(99)


def test_snapshot_manager_legacy_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    manager = SnapshotManager()
    try:
        assert manager.base_path.name == "snapshots"
        assert (tmp_path / "snapshots").is_dir()  # created, unlike Framework0's
        assert manager.storage_backend is StorageBackend.FILE_SYSTEM
        v1 = manager.create_snapshot({"a": 1}, tags=["start"])
        v2 = manager.create_snapshot({"a": 2, "b": 1}, tags=["start"], version="mine")
        assert v2 == "mine"
        with pytest.raises(VersioningError):
            manager.create_snapshot({}, version="mine")
        assert manager.get_snapshot(v1)[0] == {"a": 1}
        assert manager.get_latest_snapshot()[0] == {"a": 2, "b": 1}
        assert manager.get_snapshot_by_tag("start", latest=False)[0] == {"a": 1}
        assert manager.list_tags() == {"start": 2}
        assert manager.compare_snapshots(v1, v2)["modified"] == {"a": {"old": 1, "new": 2}}
        with pytest.raises(SnapshotNotFoundError):
            manager.get_snapshot("nope")
    finally:
        manager.close()
    with pytest.raises(ValueError):
        SnapshotManager(tmp_path / "x", max_snapshots=-1)


def test_enhanced_persistence(tmp_path):
    with EnhancedPersistenceV2(tmp_path / "p", max_snapshots=50) as store:
        assert isinstance(store, PersistenceBase)
        store.set("a", 1)
        store.set("b", {"x": [1]})
        assert store.get("b") == {"x": [1]}
        assert store.get("b") == {"x": [1]}  # second read: a cache hit
        assert store.get("missing", "d") == "d"
        v1 = store.create_snapshot(tag="one", description="first")
        store.set("a", 2)
        assert store.delete("b") is True
        assert store.delete("b") is False
        v2 = store.create_delta_snapshot(tag="two")
        assert store.compare_snapshots(v1, v2)["removed"] == ["b"]
        assert store.get_snapshot_data(v2) == {"a": 2}
        assert store.restore_snapshot(v1) is True
        assert store.load() == {"a": 1, "b": {"x": [1]}}
        assert store.restore_snapshot_by_tag("two")
        assert store.get("a") == 2
        assert [s["version"] for s in store.list_snapshots()] == [v1, v2]
        saved = store.save({"fresh": True})
        assert store.get_snapshot_data(saved) == {"fresh": True}
        exported = store.export_data(tmp_path / "out" / "data.json")
        assert json.loads(exported.read_text()) == {"fresh": True}
        store.clear()
        assert store.load() == {}
        assert store.import_data(exported) == 1
        assert store.get("fresh") is True
        metrics = store.get_metrics()
        assert metrics["cache_hits"] >= 1
        assert metrics["save_count"] == 1
        assert metrics["snapshots"] == 3


def test_enhanced_persistence_bad_input(tmp_path):
    store = create_enhanced_persistence(tmp_path / "p", cache_strategy=CacheStrategy.NONE)
    try:
        with pytest.raises(EnhancedPersistenceError):
            store.set("a", object())
        with pytest.raises(EnhancedPersistenceError):
            store.set(3, 1)  # type: ignore[arg-type]
        with pytest.raises(EnhancedPersistenceError):
            store.restore_snapshot("nope")
        with pytest.raises(EnhancedPersistenceError):
            store.save(["not", "a", "dict"])  # type: ignore[arg-type]
        (tmp_path / "list.json").write_text("[1]")
        with pytest.raises(EnhancedPersistenceError):
            store.import_data(tmp_path / "list.json")
        with pytest.raises(EnhancedPersistenceError):
            store.import_data(tmp_path / "missing.json")
        assert store.get_metrics()["error_count"] == 6
        assert store.get_metrics()["cache"] is None
    finally:
        store.cleanup()
        store.cleanup()
    with pytest.raises(ValueError):
        EnhancedPersistenceV2(tmp_path / "q", auto_snapshot_interval=0)


def test_auto_snapshot_only_when_changed(tmp_path):
    with EnhancedPersistenceV2(tmp_path / "p", auto_snapshot_interval=0.05) as store:
        store.set("a", 1)
        deadline = time.monotonic() + 30
        while not store.list_snapshots() and time.monotonic() < deadline:
            time.sleep(0.02)
        snapshots = store.list_snapshots()
        assert len(snapshots) == 1
        assert snapshots[0]["tags"] == ["auto"]
        time.sleep(0.3)  # nothing changed since: no new snapshot
        assert len(store.list_snapshots()) == 1


def test_threads_write_one_store(tmp_path):
    with EnhancedPersistenceV2(tmp_path / "p") as store:

        def work(n):
            for i in range(50):
                store.set(f"{n}.{i}", i)
                assert store.get(f"{n}.{i}") == i

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(store.load()) == 200


def test_cached_decorator_invalidates_on_write(tmp_path):
    with EnhancedPersistenceV2(tmp_path / "p", cache_strategy="none") as inner:
        cached = CachedPersistenceDecorator(inner, ttl=300.0)
        cached.set("a", 1)
        assert cached.get("a") == 1
        inner.set("a", 2)  # behind the decorator's back: the cached value stays
        assert cached.get("a") == 1
        cached.set("a", 3)  # through it: invalidated
        assert cached.get("a") == 3
        assert cached.load() == {"a": 3}
        assert cached.get("zz", "d") == "d"
        assert cached.list_snapshots() == []


def test_metrics_and_wrapper():
    metrics = PersistenceMetrics()
    metrics.start_operation()
    assert metrics.end_operation() >= 0.0
    assert metrics.end_operation() == 0.0
    metrics.update_save(10, 0.5)
    metrics.update_save(30, 1.5)
    metrics.increment_cache_hits()
    metrics.increment_cache_misses()
    assert metrics.get_average_save_time() == 1.0
    assert metrics.get_average_load_time() == 0.0
    assert metrics.get_cache_hit_ratio() == 0.5
    assert metrics.to_dict()["bytes_saved"] == 40
    metrics.reset()
    assert metrics.to_dict()["save_count"] == 0
    wrapper = ThreadSafeContextWrapper({"n": 0})

    def bump():
        for _ in range(1000):
            with wrapper as data:
                data["n"] += 1

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with wrapper as data:
        assert data["n"] == 4000
