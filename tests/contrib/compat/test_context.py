"""``orchestrator.context``: Context, MemoryBus and the HTTP memory bus, as Framework0 code uses them."""

from __future__ import annotations

import json
import threading

import pytest
from orchestrator.context import Context, MemoryBus, MemoryBusClient, MemoryBusServer
from orchestrator.context.context import Context as InnerContext


def test_constructor_flags_are_attributes():
    ctx = Context()
    assert (ctx.enable_history, ctx.enable_metrics) == (True, True)
    quiet = Context(enable_history=False, enable_metrics=False)
    assert (quiet.enable_history, quiet.enable_metrics) == (False, False)
    quiet.set("a", 1)
    assert quiet.get_history() == []
    assert quiet.get_metrics() is None
    assert InnerContext is Context


def test_get_set_keys_and_flat_dotted_keys():
    ctx = Context()
    assert ctx.get("missing") is None
    assert ctx.get("missing", 5) == 5
    ctx.set("numbers.stats_v1", {"mean": 2}, who="stats")
    assert ctx.get("numbers") is None  # dots are only a naming convention
    assert ctx.get("numbers.stats_v1") == {"mean": 2}
    ctx.set("b", (1, 2))
    assert ctx.get("b") == [1, 2]  # as JSON would return it
    assert ctx.keys() == ["numbers.stats_v1", "b"]


def test_bad_input():
    ctx = Context()
    with pytest.raises(TypeError):
        ctx.set(1, "x")
    with pytest.raises(ValueError, match="not JSON"):
        ctx.set("k", object())
    with pytest.raises(ValueError):
        ctx.set("k", float("nan"))
    assert ctx.keys() == []
    with pytest.raises(ValueError):
        Context.from_json("{not json")
    with pytest.raises(ValueError):
        Context.from_json("[1, 2]")
    with pytest.raises(ValueError):
        ctx.register_callback("on_everything", print)
    with pytest.raises(ValueError):
        ctx.merge_from(Context(), conflict_strategy="newest")


def test_json_round_trip_starts_clean():
    ctx = Context()
    ctx.set("a", {"x": [1, 2]})
    text = ctx.to_json()
    assert json.loads(text) == {"a": {"x": [1, 2]}}
    again = Context.from_json(text, enable_metrics=False)
    assert isinstance(again, Context)
    assert again.to_dict() == ctx.to_dict()
    assert again.get_history() == []
    assert again.pop_dirty_keys() == []
    assert again.enable_metrics is False


def test_history_entries():
    ctx = Context()
    ctx.set("k", 1, who="alice")
    ctx.set("k", 1, who="bob")  # equal value: no change recorded
    ctx.set("k", 2)
    history = ctx.get_history()
    assert [set(e) for e in history] == [
        {"timestamp", "key", "before", "after", "who", "operation"}
    ] * 2
    assert [(e["before"], e["after"], e["who"], e["operation"]) for e in history] == [
        (None, 1, "alice", "set"),
        (1, 2, None, "set"),
    ]
    assert ctx.get_history("other") == []
    assert ctx.clear_history() == 2
    assert ctx.get_history() == []


def test_dirty_keys_once():
    ctx = Context()
    ctx.set("a", 1)
    ctx.set("b", 1)
    ctx.set("a", 2)
    assert ctx.pop_dirty_keys() == ["a", "b"]
    assert ctx.pop_dirty_keys() == []


def test_callbacks_events():
    ctx = Context()
    seen = []
    for event in ("before_set", "after_set", "before_get", "after_get", "on_dirty"):
        ctx.register_callback(event, lambda event=event, **kw: seen.append((event, kw["key"])))
    ctx.register_callback("after_set", lambda **kw: 1 / 0)  # logged and swallowed
    ctx.set("a", 1)
    ctx.get("a")
    assert seen == [
        ("before_set", "a"),
        ("on_dirty", "a"),
        ("after_set", "a"),
        ("before_get", "a"),
        ("after_get", "a"),
    ]


def test_merge_strategies_and_prefix():
    ours = Context()
    ours.set("a", 1)
    theirs = Context()
    theirs.set("a", 2)
    theirs.set("b", 3)
    with pytest.raises(ValueError, match="a"):
        ours.merge_from(theirs, conflict_strategy="error")
    assert ours.to_dict() == {"a": 1}
    ours.merge_from(theirs, conflict_strategy="first_wins")
    assert ours.to_dict() == {"a": 1, "b": 3}
    ours.merge_from(theirs)  # last_wins
    assert ours.get("a") == 2
    ours.merge_from(theirs, prefix="remote.")
    assert ours.get("remote.b") == 3
    assert ours.get_history("remote.b")[0]["operation"] == "merge"


def test_metrics():
    ctx = Context()
    ctx.set("a", 1)
    ctx.get("a")
    metrics = ctx.get_metrics()
    assert (metrics.set_operations, metrics.get_operations, metrics.total_keys) == (1, 1, 1)


def test_threads_share_one_context():
    ctx = Context()
    barrier = threading.Barrier(8)

    def work(n):
        barrier.wait()
        for i in range(200):
            ctx.set(f"t{n}.{i}", i, who=f"thread{n}")
            assert ctx.get(f"t{n}.{i}") == i

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(ctx.keys()) == 1600
    assert len(ctx.get_history()) == 1600
    assert len(ctx.pop_dirty_keys()) == 1600


def test_memory_bus():
    bus = MemoryBus()
    bus.set("a", {"x": 1})
    assert bus.get("a") == {"x": 1}
    assert bus.get("zz", "d") == "d"
    assert bus.keys() == ["a"]
    with pytest.raises(ValueError):
        bus.set("b", {1, 2})
    with pytest.raises(TypeError):
        bus.set(3, 1)
    bus.clear()
    assert bus.keys() == []

    def work(n):
        for i in range(100):
            bus.set(f"{n}.{i}", i)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(bus.keys()) == 400


@pytest.fixture
def server():
    with MemoryBusServer() as srv:
        yield srv


def test_client_fetch_push_and_sync(server):
    client = MemoryBusClient(server.url, timeout=5.0)
    assert client.fetch_snapshot() is None  # empty server
    assert client.push_patch({"shared.a": 1, "shared.b": [1]}) is True
    snap = client.fetch_snapshot()
    assert isinstance(snap, Context)
    assert snap.to_dict() == {"shared.a": 1, "shared.b": [1]}

    local = Context()
    local.set("shared.a", 10)  # a local change: pushed, not overwritten
    local.set("local.only", "x")
    client.sync(local)
    assert local.get("shared.b") == [1]
    assert local.get("shared.a") == 10
    assert server.get_snapshot() == {"shared.a": 10, "shared.b": [1], "local.only": "x"}
    assert local.pop_dirty_keys() == []
    assert server.context.get_history("shared.a")[-1]["who"] == "memory_bus"


def test_client_bad_input_and_errors(server):
    with pytest.raises(ValueError):
        MemoryBusClient("localhost:8080")
    client = MemoryBusClient(server.url)
    assert client.push_patch({"a": object()}) is False
    with pytest.raises(ValueError):
        server.apply_patch(["not", "a", "dict"])
    # The server answers 400 to a non-object patch; the client sees False.
    assert client._request("GET", "/snapshot") == {}
    assert client.push_patch([1, 2]) is False  # type: ignore[arg-type]
    dead = MemoryBusClient("http://127.0.0.1:9", timeout=0.5)
    assert dead.fetch_snapshot() is None
    assert dead.push_patch({"a": 1}) is False
    local = Context()
    local.set("k", 1)
    dead.sync(local)  # nothing reachable: the change is kept and pushed on the next sync
    assert local.pop_dirty_keys() == []
    dead.server_url = server.url
    dead.sync(local)
    assert server.get_snapshot() == {"k": 1}


def test_concurrent_clients(server):
    def work(n):
        client = MemoryBusClient(server.url)
        for i in range(10):
            assert client.push_patch({f"c{n}.{i}": i})

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(server.get_snapshot()) == 40
