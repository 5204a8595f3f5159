"""Live updates: the native WebSocket (filters, run events, writes) and Socket.IO compatibility."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import pytest
from websockets.sync.client import connect


def ws_url(server, query=""):
    return server.url.replace("http", "ws") + "/ws" + (f"?{query}" if query else "")


def recv(ws):
    return json.loads(ws.recv(timeout=10))


def test_snapshot_then_every_change_with_both_field_names(shared_server, http):
    http.post("/ctx", json={"key": "live1.a", "value": 1})
    with connect(ws_url(shared_server, "prefix=live1.")) as ws:
        snap = recv(ws)
        assert snap["type"] == "context_snapshot"
        assert snap["data"] == {"live1.a": 1}
        http.post("/ctx", json={"key": "live1.a", "value": 2, "who": "bob"})
        http.delete("/api/ctx/live1.a")
        update, deletion = recv(ws), recv(ws)
    assert update["type"] == "context_updated"
    assert {k: update[k] for k in ("key", "value", "old_value", "before", "after", "who")} == {
        "key": "live1.a",
        "value": 2,
        "old_value": 1,
        "before": 1,
        "after": 2,
        "who": "bob",
    }
    assert isinstance(update["timestamp"], float)
    assert update["seq"] + 1 == deletion["seq"]
    assert deletion["operation"] == "delete"


def test_prefix_filters_and_event_kinds(shared_server, http):
    query = "prefix=live2.a.&prefix=live2.b.&events=context&snapshot=0"
    with connect(ws_url(shared_server, query)) as ws:
        http.post("/patch", json={"live2.a.1": 1, "live2.c.1": 2, "live2.b.1": 3, "live2.ab": 4})
        http.post("/api/events", json={"type": "run_started", "run_id": "live2", "steps": []})
        http.post("/ctx", json={"key": "live2.a.2", "value": 5})
        got = [recv(ws) for _ in range(3)]
    assert [(e["key"], e["value"]) for e in got] == [
        ("live2.a.1", 1),
        ("live2.b.1", 3),
        ("live2.a.2", 5),
    ]


def test_run_events_are_pushed_with_their_changes(shared_server, http):
    with connect(ws_url(shared_server, "prefix=live3.&snapshot=0")) as ws:
        http.post(
            "/api/events",
            json={
                "type": "run_started",
                "run_id": "live3-run",
                "recipe": "demo",
                "steps": [{"name": "a", "depends_on": []}],
            },
        )
        http.post(
            "/api/events",
            json={"type": "step_started", "run_id": "live3-run", "step": "a", "attempt": 1},
        )
        http.post(
            "/api/events",
            json={
                "type": "step_finished",
                "run_id": "live3-run",
                "step": "a",
                "status": "COMPLETED",
                "duration_s": 0.5,
                "changes": {"live3.out": 42},
            },
        )
        http.post(
            "/api/events",
            json={"type": "run_finished", "run_id": "live3-run", "status": "COMPLETED"},
        )
        events = [recv(ws) for _ in range(5)]
    assert [e["type"] for e in events] == [
        "run_started",
        "step_started",
        "context_updated",
        "step_finished",
        "run_finished",
    ]
    assert events[2]["who"] == "a"  # a step's changes are attributed to the step
    assert "changes" not in events[3]
    run = next(r for r in http.get("/api/runs").json()["runs"] if r["run_id"] == "live3-run")
    assert run["status"] == "COMPLETED"
    assert run["steps"]["a"]["status"] == "COMPLETED"
    assert run["steps"]["a"]["duration_s"] == 0.5


def test_websocket_writes_and_reads(shared_server):
    with connect(ws_url(shared_server, "prefix=live4.&snapshot=0")) as ws:
        ws.send(json.dumps({"type": "set", "key": "live4.x", "value": [1], "who": "wsuser"}))
        first, second = recv(ws), recv(ws)
        assert {first["type"], second["type"]} == {"ack", "context_updated"}
        ws.send(json.dumps({"type": "get", "key": "live4.x"}))
        assert recv(ws) == {"type": "context_value", "key": "live4.x", "value": [1]}
        ws.send(json.dumps({"type": "subscribe", "prefixes": ["live4.y"]}))
        assert recv(ws)["prefixes"] == ["live4.y"]
        ws.send(json.dumps({"type": "delete", "key": "live4.x"}))
        assert recv(ws)["type"] == "ack"  # the deletion of live4.x is filtered out now


def test_status_counts_connected_clients(shared_server, http):
    before = http.get("/status").json()["connected_clients"]
    with connect(ws_url(shared_server)) as ws:
        recv(ws)
        assert http.get("/status").json()["connected_clients"] == before + 1


def test_socketio_clients_get_context_updated(shared_server, http):
    import socketio

    client = socketio.Client(reconnection=False)
    received: list[tuple[str, dict]] = []
    done = threading.Event()

    @client.on("context_snapshot")
    def on_snapshot(data):
        received.append(("context_snapshot", data))

    @client.on("context_updated")
    def on_update(data):
        if data["key"].startswith("sio."):
            received.append(("context_updated", data))
            if data["key"] == "sio.last":
                done.set()

    @client.on("context_value")
    def on_value(data):
        received.append(("context_value", data))

    client.connect(shared_server.url, transports=["polling"], wait_timeout=10)
    try:
        http.post("/ctx", json={"key": "sio.a", "value": 1, "who": "http"})
        ack = client.call(
            "set_context", {"key": "sio.b", "value": {"x": 1}, "who": "sio"}, timeout=10
        )
        assert ack["status"] == "ok"
        assert client.call("get_context", {"key": "sio.b"}, timeout=10) == {
            "key": "sio.b",
            "value": {"x": 1},
        }
        http.post("/ctx", json={"key": "sio.last", "value": True})
        assert done.wait(10)
    finally:
        client.disconnect()
    kinds = [k for k, _ in received]
    assert kinds[0] == "context_snapshot"
    updates = [d for k, d in received if k == "context_updated"]
    assert [(u["key"], u["value"], u["who"]) for u in updates] == [
        ("sio.a", 1, "http"),
        ("sio.b", {"x": 1}, "sio"),
        ("sio.last", True, "unknown"),
    ]
    assert set(updates[0]) >= {"key", "value", "old_value", "who", "timestamp"}
    assert ("context_value", {"key": "sio.b", "value": {"x": 1}}) in received


def test_python_client_api(shared_server):
    from f0_server.client import ContextClient, NotFoundError

    with ContextClient(url=shared_server.url, who="pyclient") as client:
        assert client.ping()
        assert client.set("py.a", 5) is True
        assert client.get("py.a") == 5
        assert client.get("py.missing") is None
        assert client.require("py.a") == 5
        with pytest.raises(NotFoundError):
            client.require("py.missing")
        assert client.list_all()["py.a"] == 5
        assert client.get_history("py.a")[0]["who"] == "pyclient"
        assert client.get_history(who="pyclient", prefix="py.")[0]["key"] == "py.a"
        assert client.keys("py.") == ["py.a"]
        assert client.update({"py.b": 1}, removed=["py.a"]) == ["py.a", "py.b"]
        assert client.delete("py.b") is True
        assert client.delete("py.b") is False
        assert client.patch({"py.c": 3}) == 1
        assert client.snapshot()["py.c"] == 3
        assert client.get_status()["status"] == "running"
        with pytest.raises(ValueError, match="invalid dump format"):
            client.dump_context("xml")
        dump = client.dump_context("txt", "py-dump.txt")
        assert dump["filename"] == "py-dump.txt"
        assert "py.c = 3" in client.download_dump("py-dump.txt")
        assert "py-dump.txt" in {f["filename"] for f in client.list_dumps()["files"]}
        with pytest.raises(FileNotFoundError):
            client.download_dump("nope.txt")
        assert client.render_dump("csv").startswith("key,value,type")


def test_python_client_errors():
    from f0_server import client as mod

    with mod.ContextClient(port=1, timeout=2) as client:
        assert client.ping() is False
        with pytest.raises(mod.ConnectionError) as exc:
            client.get("a")
        assert isinstance(exc.value, mod.ContextClientError)


def test_python_client_auth_error(start_server):
    from f0_server.client import AuthenticationError, ContextClient

    server = start_server("--store", "memory://", "--token", "tok")
    with ContextClient(url=server.url, token="bad") as client, pytest.raises(AuthenticationError):
        client.get("a")
    with ContextClient(url=server.url, token="tok") as client:
        assert client.set("a", 1)
        with pytest.raises(AuthenticationError):
            next(ContextClient(url=server.url, token="bad").watch())


def test_watch_yields_changes(shared_server, http):
    from f0_server.client import ContextClient

    got: list[dict] = []

    def watcher():
        with ContextClient(url=shared_server.url) as client:
            for event in client.watch("watch.", timeout=10):
                got.append(event)
                if len(got) == 3:
                    return

    thread = threading.Thread(target=watcher)
    thread.start()
    time.sleep(0.5)
    for i in range(3):
        http.post("/ctx", json={"key": "watch.k", "value": i})
    thread.join(15)
    assert [e["value"] for e in got] == [0, 1, 2]


def test_async_client_and_handlers(shared_server):
    from f0_server.client import AsyncContextClient

    async def main():
        seen: list[dict] = []
        connected = asyncio.Event()
        got_all = asyncio.Event()

        async def on_update(event):
            if event["key"].startswith("async."):
                seen.append(event)
                if len(seen) == 2:
                    got_all.set()

        async with AsyncContextClient(url=shared_server.url) as client:
            client.on("connect", lambda _: connected.set())
            client.on("context_updated", on_update)
            await client.connect()
            await asyncio.wait_for(connected.wait(), 10)
            assert await client.set("async.a", 1)
            assert await client.get("async.a") == 1
            assert await client.update({"async.b": 2}) == ["async.b"]
            await asyncio.wait_for(got_all.wait(), 10)
            assert (await client.get_history("async.a"))[0]["who"] == "async_python_client"
            assert await client.ping()
            await client.disconnect()
        return [(e["key"], e["value"]) for e in seen]

    assert asyncio.run(main()) == [("async.a", 1), ("async.b", 2)]


def test_a_watcher_that_falls_behind_is_closed_not_silently_skipped(start_server):
    import socket

    server = start_server("--store", "memory://", "--ws-queue", "10")
    # A raw client that completes the handshake and then does not read.
    stuck = socket.socket()
    stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stuck.connect(("127.0.0.1", server.port))
    stuck.sendall(
        f"GET /ws?snapshot=0 HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    with connect(ws_url(server, "snapshot=0"), max_size=None) as healthy:
        with server.client() as http:
            big = "x" * 300_000
            for i in range(100):  # ~30 MB: more than the socket buffers hold
                http.post("/ctx", json={"key": f"big.{i}", "value": big + str(i)})
        # the healthy watcher gets everything, in order
        assert [json.loads(healthy.recv(timeout=10))["key"] for _ in range(100)] == [
            f"big.{i}" for i in range(100)
        ]
    # the stuck one, once it reads, finds the close frame 1013 after what was buffered
    stuck.settimeout(10)
    data = b""
    try:
        while chunk := stuck.recv(1 << 20):
            data += chunk
    except TimeoutError:
        pass
    finally:
        stuck.close()
    assert b"\x03\xf5watcher too slow" in data[-200:]
    assert data.count(b'"key":"big.') < 100
