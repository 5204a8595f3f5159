"""A real Dask cluster for tests: ``dask scheduler`` and ``dask worker`` subprocesses on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

DASK = Path(sys.executable).with_name("dask")
START_TIMEOUT_S = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Cluster:
    """One scheduler and *workers* single-threaded workers (no nanny: the pid runs the steps)."""

    def __init__(self, root: Path, workers: int = 2) -> None:
        self.root = root
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.scheduler: subprocess.Popen[bytes] | None = None
        self.workers: list[subprocess.Popen[bytes]] = []
        self._logs: list[Path] = []
        self._env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self._start(workers)

    def _spawn(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = self.root / f"{name}.log"
        self._logs.append(log)
        with log.open("wb") as out:
            return subprocess.Popen(
                [str(DASK), *args],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=self.root,
                env=self._env,
            )

    def _start(self, workers: int) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.scheduler = self._spawn(
            "scheduler",
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--no-dashboard",
        )
        for n in range(workers):
            self.add_worker(n)
        self.wait_for_workers(workers)

    def add_worker(self, n: int) -> subprocess.Popen[bytes]:
        local = self.root / f"worker-{n}"
        local.mkdir(exist_ok=True)
        proc = self._spawn(
            f"worker-{n}",
            "worker",
            self.address,
            "--host",
            "127.0.0.1",
            "--nthreads",
            "1",
            "--no-nanny",
            "--no-dashboard",
            "--name",
            f"w{n}",
            "--local-directory",
            str(local),
            "--death-timeout",
            "60",
        )
        self.workers.append(proc)
        return proc

    def wait_for_workers(self, count: int) -> None:
        """Wait (bounded) until *count* worker logs say they registered."""
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            registered = sum(
                1
                for log in self._logs
                if log.name.startswith("worker-")
                and "Registered to" in log.read_text("utf-8", "replace")
            )
            if registered >= count:
                return
            if self.scheduler is not None and self.scheduler.poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"dask cluster did not start:\n{self.logs()}")

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text('utf-8', 'replace')[-3000:]}" for p in self._logs
        )

    def stop(self) -> None:
        for proc in [*self.workers, self.scheduler]:
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in [*self.workers, self.scheduler]:
            if proc is None:
                continue
            try:
                proc.wait(timeout=3)  # a worker waits for a step still sleeping: don't
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
