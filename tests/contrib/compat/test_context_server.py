"""``server.enhanced_context_server`` and ``orchestrator.context_client`` / ``src.context_client``.

A real server (f0-plugin-server's app under uvicorn) on 127.0.0.1; the
clients are Framework0 snippets run unchanged.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time

import f0_server
import pytest
from orchestrator.context_client import (
    AsyncContextClient,
    ConnectionError,  # noqa: A004 - Framework0's names
    ContextClient,
    ContextClientError,
    ServerError,
)
from server.enhanced_context_server import EnhancedContextServer
from src import context_client as src_client

from .compat_support import python

pytestmark = pytest.mark.slow


@pytest.fixture
def server(tmp_path):
    srv = EnhancedContextServer(
        port=0, store_url=f"sqlite:///{tmp_path / 'ctx.db'}", dump_dir=tmp_path / "dumps"
    )
    srv.start()
    yield srv
    srv.stop()


def test_every_path_gives_f0_server_s_classes():
    assert ContextClient is f0_server.ContextClient is src_client.ContextClient
    assert AsyncContextClient is f0_server.AsyncContextClient is src_client.AsyncContextClient
    assert issubclass(ConnectionError, ContextClientError)
    assert issubclass(ServerError, ContextClientError)


def test_a_framework0_client_script_runs_unchanged(server, tmp_path):
    # server.md §2, as a Framework0 user wrote it.
    snippet = f"""
        from src.context_client import ContextClient, ConnectionError

        client = ContextClient(host="127.0.0.1", port={server.port})
        assert client.ping()
        client.set("config.timeout", 30)
        client.set("numbers.stats_v1", {{"mean": 2.5}})
        assert client.get("config.timeout") == 30
        assert client.get("missing.key") is None
        assert client.list_all()["numbers.stats_v1"] == {{"mean": 2.5}}
        history = client.get_history(key="config.timeout")
        assert history[-1]["after"] == 30 and history[-1]["who"] == "python_client", history
        assert client.get_status()["total_keys"] == 2
        dump = client.dump_context("csv", filename="ctx.csv")
        assert dump["format"] == "csv"
        assert "config.timeout" in client.download_dump("ctx.csv")
        assert "ctx.csv" in [f["filename"] for f in client.list_dumps()["files"]]
        try:
            client.dump_context("xml")
        except ValueError as exc:
            print("bad format:", exc)
        try:
            ContextClient(host="127.0.0.1", port=1, timeout=2).get("x")
        except ConnectionError:
            print("unreachable: ConnectionError")
        print("ok")
    """
    done = python(snippet, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "bad format:" in done.stdout
    assert "unreachable: ConnectionError" in done.stdout
    assert done.stdout.strip().endswith("ok")
    assert (tmp_path / "dumps" / "ctx.csv").is_file()


def test_the_async_client_gets_context_updated_events(server):
    async def scenario():
        events = []
        got = asyncio.Event()

        async def on_update(event):
            events.append(event)
            if event.get("key") == "live.value":
                got.set()

        connected = asyncio.Event()
        client = AsyncContextClient(host="127.0.0.1", port=server.port)
        client.on("context_updated", on_update)
        client.on("connect", lambda *_: connected.set())
        await client.connect()
        await asyncio.wait_for(connected.wait(), 20)
        with ContextClient(host="127.0.0.1", port=server.port, who="other") as writer:
            writer.set("live.value", 7)
        await asyncio.wait_for(got.wait(), 20)
        assert await client.get("live.value") == 7
        await client.close()
        return events

    events = asyncio.run(scenario())
    update = next(e for e in events if e.get("key") == "live.value")
    assert update["who"] == "other"
    assert update.get("value", update.get("after")) == 7


def test_server_refuses_a_public_address_without_a_token(monkeypatch):
    monkeypatch.delenv("F0_TOKEN", raising=False)
    with pytest.raises(ValueError, match="without a token"):
        EnhancedContextServer(host="0.0.0.0")
    with pytest.raises(ValueError, match="port"):
        EnhancedContextServer(port=70000)
    guarded = EnhancedContextServer(host="0.0.0.0", token="s3cret")
    assert guarded.config.token == "s3cret"
    assert not guarded.config.loopback_only


def test_a_token_protected_server_rejects_a_client_without_it(tmp_path, monkeypatch):
    monkeypatch.delenv("F0_TOKEN", raising=False)
    srv = EnhancedContextServer(port=0, token="s3cret", store_url="memory://")
    with srv:
        with (
            ContextClient(host="127.0.0.1", port=srv.port) as anonymous,
            pytest.raises(ServerError) as caught,
        ):
            anonymous.get("x")
        assert caught.value.status == 401
        with ContextClient(host="127.0.0.1", port=srv.port, token="s3cret") as client:
            assert client.set("x", 1) is True
            assert client.get("x") == 1
    assert not srv.is_running()


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_server_command_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "F0_TOKEN"}}
    bad = subprocess.run(
        [sys.executable, "-m", "server.enhanced_context_server", "--host", "0.0.0.0"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert bad.returncode == 2
    assert "without a token" in bad.stderr
    assert "Traceback" not in bad.stderr
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "server.enhanced_context_server", "--port", str(port), "--debug"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        client = ContextClient(host="127.0.0.1", port=port, timeout=2)
        deadline = time.monotonic() + 60
        while not client.ping():
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "server did not come up"
            time.sleep(0.1)
        client.set("from.cli", True)
        assert client.get("from.cli") is True
        client.close()
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)
    # The default store is f0-plugin-server's file in the working folder: the value survived.
    assert (tmp_path / ".f0" / "context-server.db").is_file()
