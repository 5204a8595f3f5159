"""Real ``f0 serve`` processes on free ports (``--port 0``: the server prints the one it got)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

F0 = Path(sys.executable).with_name("f0")
_LISTENING = re.compile(r"listening on http://\S+?:(\d+)")


class ServerProcess:
    """One ``f0 serve`` subprocess; :meth:`restart` keeps its store."""

    def __init__(self, workdir: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.workdir = workdir
        self.args = list(args)
        self.env = {**os.environ, "NO_COLOR": "1", **(env or {})}
        for name in ("F0_TOKEN", "F0_SERVER", "F0_SERVER_STORE", "CONTEXT_SERVER_PORT"):
            if name not in (env or {}):
                self.env.pop(name, None)
        self.proc: subprocess.Popen[str] | None = None
        self.port = 0
        self.stderr_lines: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> ServerProcess:
        self.proc = subprocess.Popen(
            [str(F0), "serve", "--port", "0", *self.args],
            cwd=self.workdir,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + timeout
        assert self.proc.stderr is not None
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            self.stderr_lines.append(line)
            match = _LISTENING.search(line)
            if match:
                self.port = int(match.group(1))
                return self
        self.stop()
        pytest.fail(f"f0 serve did not start: {''.join(self.stderr_lines)}")
        return self  # pragma: no cover

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if self.proc is not None and self.proc.stderr is not None:
            self.proc.stderr.close()
        self.proc = None

    def restart(self, sig: int = signal.SIGTERM) -> ServerProcess:
        self.stop(sig)
        return self.start()

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=10.0, trust_env=False, **kwargs)


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., ServerProcess]]:
    """``start_server(*args, env=None)``: a running server in a fresh folder (stopped at teardown)."""
    started: list[ServerProcess] = []
    workdir = tmp_path / "srv"
    workdir.mkdir()

    def start(*args: str, env: dict[str, str] | None = None) -> ServerProcess:
        server = ServerProcess(workdir, *args, env=env).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One server for a module's read/write tests (each test uses its own keys)."""
    workdir = tmp_path_factory.mktemp("shared-server")
    server = ServerProcess(workdir, "--store", "sqlite:///ctx.db").start()
    yield server
    server.stop()


@pytest.fixture
def http(shared_server: ServerProcess) -> Iterator[httpx.Client]:
    with shared_server.client() as client:
        yield client
