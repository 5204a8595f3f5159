"""Tokens, bind address, Host/Origin checks, body limits and bad input, on real servers."""

from __future__ import annotations

import json
import socket
import subprocess

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from .conftest import F0

TOKEN = "s3cret-token"


@pytest.fixture
def guarded(start_server):
    return start_server("--store", "memory://", "--token", TOKEN)


def test_every_http_request_needs_the_token(guarded):
    with guarded.client() as http:
        for method, path in (
            ("GET", "/"),
            ("GET", "/ctx/all"),
            ("GET", "/status"),
            ("GET", "/openapi.json"),
            ("POST", "/ctx"),
            ("GET", "/ctx/dumps/x.txt"),
            ("GET", "/no/such/route"),
        ):
            response = http.request(method, path)
            assert response.status_code == 401, (method, path)
            assert response.headers["www-authenticate"].startswith("Bearer")
        wrong = http.get("/ctx/all", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        assert http.get("/ctx/all", headers={"Authorization": f"Bearer {TOKEN}"}).json() == {}
        # RFC 6750's query parameter (how a browser opens the dashboard)
        assert http.get("/", params={"access_token": TOKEN}).status_code == 200


def test_websocket_without_the_token_is_closed_with_1008(guarded):
    ws_url = guarded.url.replace("http", "ws") + "/ws"
    with connect(ws_url) as ws, pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=5)
    assert closed.value.rcvd.code == 1008
    with connect(ws_url, additional_headers={"Authorization": f"Bearer {TOKEN}"}) as ws:
        assert json.loads(ws.recv(timeout=5))["type"] == "context_snapshot"
    with connect(ws_url + f"?access_token={TOKEN}") as ws:
        assert json.loads(ws.recv(timeout=5))["type"] == "context_snapshot"


def test_socketio_without_the_token_is_refused(guarded):
    import socketio

    client = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(guarded.url, transports=["polling"], wait_timeout=5)
    client = socketio.Client(reconnection=False)
    client.connect(guarded.url, transports=["polling"], auth={"token": TOKEN}, wait_timeout=5)
    client.disconnect()


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "example.org", "10.1.2.3"])
def test_binding_beyond_loopback_without_a_token_refuses_to_start(tmp_path, host):
    proc = subprocess.run(
        [str(F0), "serve", "--host", host, "--port", str(_free_port()), "--store", "memory://"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"},
    )
    assert proc.returncode == 2
    assert f"refusing to listen on {host} without --token" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_an_empty_token_is_refused(tmp_path):
    proc = subprocess.run(
        [str(F0), "serve", "--host", "0.0.0.0", "--token", " ", "--store", "memory://"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert "token must not be empty" in proc.stderr


def test_a_port_in_use_is_a_clear_error(start_server, tmp_path):
    server = start_server("--store", "memory://")
    proc = subprocess.run(
        [str(F0), "serve", "--port", str(server.port), "--store", "memory://"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr


def test_foreign_host_and_cross_origin_requests_are_refused(shared_server, http):
    assert http.get("/ctx/all", headers={"Host": "evil.example:80"}).status_code == 403
    evil = http.post(
        "/ctx", json={"key": "x", "value": 1}, headers={"Origin": "http://evil.example"}
    )
    assert evil.status_code == 403
    same = http.post(
        "/ctx",
        json={"key": "origin.ok", "value": 1},
        headers={"Origin": shared_server.url},
    )
    assert same.status_code == 200
    ws_url = shared_server.url.replace("http", "ws") + "/ws"
    with connect(ws_url, origin="http://evil.example") as ws, pytest.raises(ConnectionClosed) as c:
        ws.recv(timeout=5)
    assert c.value.rcvd.code == 1008


def test_body_over_the_limit_is_413(start_server):
    server = start_server("--store", "memory://", "--max-body", "1000")
    with server.client() as http:
        big = {"key": "big", "value": "x" * 2000}
        assert http.post("/ctx", json=big).status_code == 413

        def chunks():
            yield b'{"key": "big", "value": "'
            for _ in range(10):
                yield b"x" * 500
            yield b'"}'

        # No Content-Length (chunked): the server counts as it reads.
        assert http.post("/ctx", content=chunks()).status_code == 413
        assert http.post("/ctx", json={"key": "small", "value": 1}).status_code == 200
    ws_url = server.url.replace("http", "ws") + "/ws"
    with connect(ws_url) as ws:
        ws.recv(timeout=5)
        ws.send(json.dumps({"type": "set", "key": "k", "value": "y" * 5000}))
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
        assert closed.value.rcvd.code == 1009  # message too big
    with server.client() as http:
        assert http.get("/status").status_code == 200


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"{not json", 400),
        (b"", 400),
        (b'{"key": "a", "value": NaN}', 400),
        (b'{"key": "a", "value": Infinity}', 400),
        (b"[1, 2]", 400),
        (b'"just a string"', 400),
        (b'{"value": 1}', 400),
        (b'{"key": "a"}', 400),
        (b'{"key": 5, "value": 1}', 422),
        (b'{"key": "", "value": 1}', 422),
        (b'{"key": "a\\u0000b", "value": 1}', 422),
        (b'{"key": "a", "value": 1, "who": 7}', 422),
        (b"\xff\xfe\x00garbage", 400),
        (b"[" * 5000 + b"]" * 5000, 400),
        (b'{"key": "deep", "value": ' + b"[" * 150 + b"]" * 150 + b"}", 400),
    ],
)
def test_bad_input_on_post_ctx(http, body, status):
    response = http.post("/ctx", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == status, response.text
    assert response.json()["status"] == "error"


def test_invalid_keys_are_422(http):
    long_key = "k" * 2000
    assert http.get("/ctx", params={"key": long_key}).status_code == 422
    assert http.put(f"/api/ctx/{long_key}", json={"value": 1}).status_code == 422
    assert http.put("/api/ctx/a%01b", json={"value": 1}).status_code == 422
    assert http.post("/api/ctx", json={"changes": {"": 1}}).status_code == 422
    assert http.post("/api/ctx", json={"removed": [1]}).status_code == 422
    assert http.post("/api/ctx", json={"removed": "x"}).status_code == 400
    assert http.post("/patch", json={"ok": 1, "": 2}).status_code == 422
    # nothing of a rejected batch was applied
    assert "ok" not in http.get("/ctx/all").json()


def test_bad_run_events_are_400(http):
    for event in (
        {"type": "nope", "run_id": "r"},
        {"type": "step_started", "run_id": "r"},
        {"type": "run_started", "run_id": ""},
        {"type": "run_started", "run_id": "r", "steps": [{"nope": 1}]},
        {"type": "run_finished", "run_id": "r", "duration_s": "long"},
    ):
        assert http.post("/api/events", json=event).status_code == 400, event


def test_websocket_bad_messages_get_errors_and_the_connection_stays(shared_server):
    ws_url = shared_server.url.replace("http", "ws") + "/ws?snapshot=0"
    with connect(ws_url) as ws:
        for bad in (
            "not json",
            "[1]",
            '{"type": "set", "key": ""}',
            '{"type": "what", "key": "a"}',
        ):
            ws.send(bad)
            assert json.loads(ws.recv(timeout=5))["type"] == "error"
        ws.send(json.dumps({"type": "set", "key": "ws.ok", "value": 1}))
        replies = [json.loads(ws.recv(timeout=5)) for _ in range(2)]
        assert {r["type"] for r in replies} == {"ack", "context_updated"}


def test_a_client_that_disconnects_mid_stream_disturbs_no_one(shared_server):
    ws_url = shared_server.url.replace("http", "ws") + "/ws?snapshot=0&prefix=mid."
    with connect(ws_url) as steady:
        for _ in range(5):
            rude = connect(ws_url)
            rude.socket.close()  # no close frame
        with httpx.Client(base_url=shared_server.url, trust_env=False) as http:
            for i in range(20):
                http.post("/ctx", json={"key": "mid.k", "value": i})
        got = [json.loads(steady.recv(timeout=5))["value"] for _ in range(20)]
        assert got == list(range(20))


def test_unreachable_websocket_handshake_is_clean(shared_server):
    with pytest.raises(InvalidStatus):
        connect(shared_server.url.replace("http", "ws") + "/nope").close()
