"""``orchestrator.enhanced_memory_bus``: the bus over a Context, messaging, backends."""

from __future__ import annotations

import gzip
import json
import threading
import time

import pytest
from orchestrator.context import Context
from orchestrator.enhanced_memory_bus import (
    EnhancedMemoryBus,
    JSONPersistenceBackend,
    MessageEvent,
    SQLitePersistenceBackend,
    create_enhanced_memory_bus,
    create_json_memory_bus,
    create_sqlite_memory_bus,
)


def test_message_event_defaults_and_round_trip():
    event = MessageEvent()
    assert (event.event_type, event.source, event.target, event.data) == (
        "generic",
        "unknown",
        None,
        {},
    )
    assert (event.priority, event.ttl_seconds) == (0, 300)
    assert len(event.event_id) == 36
    assert MessageEvent.from_dict({**event.to_dict(), "extra": 1}) == event
    assert MessageEvent(timestamp=time.time() - 10, ttl_seconds=5).is_expired()
    assert not MessageEvent(timestamp=time.time() - 10, ttl_seconds=0).is_expired()


def test_data_is_mirrored_into_the_context():
    ctx = Context()
    with EnhancedMemoryBus(context=ctx) as bus:
        assert bus.set("a", {"x": 1}, who="me") is True
        assert ctx.get("a") == {"x": 1}
        assert ctx.get_history("a")[0]["who"] == "me"
        assert bus.get("a") == {"x": 1}
        assert bus.get("missing", 3) == 3
        assert bus.set("bad", object()) is False
        assert bus.set(5, 1) is False  # type: ignore[arg-type]
        assert bus.delete("a") is True
        assert bus.delete("a") is False
        bus.set("b", 1)
        bus.clear()
        assert bus.keys() == []
        metrics = bus.get_metrics()
        assert (metrics.set_operations, metrics.get_operations, metrics.delete_operations) == (
            2,
            2,
            2,
        )
        assert metrics.cache_hit_ratio == 0.5
        assert metrics.error_count == 2


def test_pub_sub_with_targets_and_expiry():
    with EnhancedMemoryBus() as bus:
        got, everything = [], []
        sub = bus.subscribe("job.done", lambda e: got.append(e.data["n"]), subscriber_id="worker1")
        bus.subscribe("*", everything.append)
        bus.subscribe("job.done", lambda e: 1 / 0)  # counted, not raised
        assert bus.publish(MessageEvent(event_type="job.done", data={"n": 1}))
        assert bus.publish(MessageEvent(event_type="job.done", data={"n": 2}, target="worker1"))
        assert bus.publish(MessageEvent(event_type="job.done", data={"n": 3}, target="other"))
        expired = MessageEvent(
            event_type="job.done", data={"n": 4}, timestamp=time.time() - 999, ttl_seconds=1
        )
        assert bus.publish(expired) is False
        assert got == [1, 2]
        assert len(everything) == 1  # a targeted event reaches only its target
        assert bus.unsubscribe("job.done", sub) is True
        assert bus.unsubscribe("job.done", sub) is False
        bus.publish(MessageEvent(event_type="job.done", data={"n": 5}))
        assert got == [1, 2]
        metrics = bus.get_metrics()
        assert (metrics.message_count, metrics.broadcast_count) == (4, 2)
        assert metrics.error_count == 2
        with pytest.raises(TypeError):
            bus.subscribe("x", "not callable")  # type: ignore[arg-type]
    off = EnhancedMemoryBus(enable_messaging=False)
    assert off.publish(MessageEvent()) is False
    off.shutdown()


def test_the_cleaner_purges_expired_messages():
    with EnhancedMemoryBus(cleanup_interval=0.05) as bus:
        bus.publish(MessageEvent(event_type="a", ttl_seconds=0.1))
        bus.publish(MessageEvent(event_type="b", ttl_seconds=0))
        assert [m.event_type for m in bus.get_messages()] == ["a", "b"]
        deadline = time.monotonic() + 30
        while len(bus._messages) > 1 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert [m.event_type for m in bus._messages] == ["b"]
        assert bus.purge_expired_messages() == 0


@pytest.mark.parametrize("kind", ["json", "json.gz", "sqlite"])
def test_persist_backup_restore(tmp_path, kind):
    path = tmp_path / ("bus.db" if kind == "sqlite" else "bus.json")
    factory = {
        "json": lambda: create_json_memory_bus(path, auto_persist_interval=None),
        "json.gz": lambda: create_json_memory_bus(
            path, enable_compression=True, auto_persist_interval=None
        ),
        "sqlite": lambda: create_sqlite_memory_bus(path, auto_persist_interval=None),
    }[kind]
    with factory() as bus:
        bus.set("a", 1)
        bus.set("b", [1, 2])
        assert bus.persist() is True
        assert bus.backup("first") is True
        bus.set("a", 99)
        assert bus.health_check()["status"] == "healthy"
    if kind == "json.gz":
        assert json.loads(gzip.decompress(path.read_bytes())) == {"a": 99, "b": [1, 2]}
    with factory() as again:  # shutdown persisted the last change
        assert again.get("a") == 99
        assert again.restore(tmp_path / "backups" / "first") is True
        assert again.context.to_dict() == {"a": 1, "b": [1, 2]}
        assert again.get("a") == 1
        assert again.restore(tmp_path / "nope") is False
        assert again.backup("../escape") is False
        metrics = again.get_metrics()
        assert (metrics.recovery_operations, metrics.backup_operations) == (2, 0)


def test_backends_directly(tmp_path):
    json_backend = JSONPersistenceBackend(tmp_path / "d" / "x.json")
    assert json_backend.exists() is False
    assert json_backend.load() == {}
    assert json_backend.save({"a": 1, "b": 2})
    assert json_backend.delete("a") is True
    assert json_backend.delete("a") is False
    assert json_backend.load() == {"b": 2}
    assert json_backend.save({"x": object()}) is False
    (tmp_path / "bad.json").write_text("[1]")
    assert json_backend.restore(tmp_path / "bad.json") is False
    assert json_backend.load() == {"b": 2}
    (tmp_path / "d" / "x.json").write_text("{broken")
    assert json_backend.load() == {}

    sqlite_backend = SQLitePersistenceBackend(tmp_path / "s.db", table_name="bus")
    assert sqlite_backend.save({"k": {"v": 1}, "j": None})
    assert sqlite_backend.load() == {"k": {"v": 1}, "j": None}
    assert sqlite_backend.delete("j") is True
    assert sqlite_backend.delete("j") is False
    with pytest.raises(ValueError):
        SQLitePersistenceBackend(tmp_path / "s.db", table_name="bus; DROP TABLE x")


def test_factories_and_bad_input(tmp_path):
    assert create_enhanced_memory_bus().backend is None
    with create_enhanced_memory_bus("sqlite", tmp_path / "b.db", auto_persist_interval=None) as bus:
        assert isinstance(bus.backend, SQLitePersistenceBackend)
    with pytest.raises(ValueError):
        create_enhanced_memory_bus("json")
    with pytest.raises(ValueError):
        create_enhanced_memory_bus("redis", tmp_path / "x")
    plain = EnhancedMemoryBus()
    assert plain.persist() is False
    assert plain.backup() is False
    assert plain.restore(tmp_path / "x") is False
    assert plain.health_check()["backend"]["configured"] is False
    plain.shutdown()


def test_auto_persist_in_the_background(tmp_path):
    path = tmp_path / "auto.json"
    with create_json_memory_bus(path, auto_persist_interval=0.05) as bus:
        bus.set("a", 1)
        deadline = time.monotonic() + 30
        while not path.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert json.loads(path.read_text()) == {"a": 1}


def test_threads(tmp_path):
    with create_sqlite_memory_bus(tmp_path / "t.db", auto_persist_interval=None) as bus:
        received = []
        lock = threading.Lock()

        def on_event(event):
            with lock:
                received.append(event.data["i"])

        bus.subscribe("tick", on_event)

        def work(n):
            for i in range(50):
                assert bus.set(f"{n}.{i}", i)
                bus.publish(MessageEvent(event_type="tick", data={"i": i}))

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(bus.keys()) == 200
        assert len(received) == 200
        assert bus.persist()
    assert len(SQLitePersistenceBackend(tmp_path / "t.db").load()) == 200
