"""Who runs a run: the owner process (host, pid, start time) and its heartbeat.

A run is recorded RUNNING when it starts and gets its final status when it
ends; a process killed in between (SIGKILL, OOM, a lost host) leaves it
RUNNING forever. So each run also records its owner and a heartbeat, and a
RUNNING run counts as **CRASHED** when its owner is gone:

* same host: no process with that pid, a zombie, or a process with that pid
  but another start time (the pid was reused) -- exact, thanks to psutil;
* another host: no heartbeat for :data:`STALE_AFTER_S` seconds.

The heartbeat is one tiny UPDATE every :data:`HEARTBEAT_S` seconds from a
daemon thread, so it costs nothing a step would notice.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable
from functools import cache

import attrs
import psutil

__all__ = [
    "HEARTBEAT_S",
    "STALE_AFTER_S",
    "Heartbeat",
    "Owner",
    "this_process",
]

#: Seconds between two heartbeats of a running run.
HEARTBEAT_S = 5.0
#: Seconds without a heartbeat after which a run owned by another host is CRASHED
#: (and after which a RUNNING run recorded without an owner, by an older f0, is).
STALE_AFTER_S = 30.0
#: psutil's process start times are derived from clock ticks: allow for rounding.
_START_SLACK_S = 0.5


@attrs.frozen
class Owner:
    """The process recorded as running a run."""

    host: str
    pid: int
    proc_started: float | None
    heartbeat_at: float

    def alive(self, now: float | None = None) -> bool:
        """True while the owner process is known (or, on another host, believed) to be running."""
        if self.host == hostname():
            return _pid_alive(self.pid, self.proc_started)
        return (now if now is not None else time.time()) - self.heartbeat_at <= STALE_AFTER_S

    def describe(self) -> str:
        """``pid 123 on host h``."""
        return f"pid {self.pid} on host {self.host}"


@cache
def hostname() -> str:
    """This machine's host name (as recorded in ``run_owners.host``)."""
    return socket.gethostname()


def _pid_alive(pid: int, started: float | None) -> bool:
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:  # killed, not yet reaped: dead
            return False
        created = proc.create_time()
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return False
    except psutil.AccessDenied:  # exists, owned by someone else
        return True
    return started is None or abs(created - started) <= _START_SLACK_S


def this_process() -> tuple[str, int, float | None]:
    """``(host, pid, process start time)`` of the calling process."""
    pid = os.getpid()
    try:
        started: float | None = psutil.Process(pid).create_time()
    except psutil.Error:
        started = None
    return hostname(), pid, started


class Heartbeat:
    """A daemon thread calling *beat* every *interval* seconds until :meth:`stop`."""

    def __init__(self, beat: Callable[[], None], interval: float = HEARTBEAT_S) -> None:
        self._beat = beat
        self._interval = interval
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="f0-store-heartbeat", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stopped.wait(self._interval):
            try:
                self._beat()
            except Exception:  # noqa: BLE001, S112 - step records report store failures
                continue

    def stop(self) -> None:
        """Stop beating (returns at once; the thread ends within one interval)."""
        self._stopped.set()
