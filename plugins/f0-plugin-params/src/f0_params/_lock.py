"""The cross-process lock on the ``.lock`` file.

The lock primitive is filelock's: :func:`filelock.lock_descriptor` takes the
same OS lock :class:`filelock.FileLock` takes (``flock`` on POSIX,
``LockFileEx`` on Windows), so f0 contends correctly with any other filelock
user of the file. We call it on a descriptor of our own instead of building a
``FileLock`` per file because a ``FileLock`` acquire+release costs ~120 us in
filelock 4.x (fork tracking, registries, path canonicalisation) against ~3 us
here, and a whole increment is ~200 us: see ``benchmarks/README.md``.

Waiting: filelock offers no blocking wait with a deadline, so a contended
acquire retries the non-blocking lock with a growing sleep (50 us doubling
up to 5 ms, tenacity's exponential wait) until ``timeout``. Short first sleeps give a quick hand-over
when the holder is about to finish; the longer cap keeps waiters from
waking thousands of times a second and taking the CPU from the holder,
which on a 2-core machine with 4 writers is what limits throughput
(measured: caps of 0.2-1 ms were slower than 5 ms under load; see
``benchmarks/README.md``).

Each acquire opens its own descriptor, so two threads of one process, or a
process and its forked child, exclude each other like two processes do
(``flock`` locks belong to the open file description). After taking the lock
the holder writes its pid into the lock file (16 bytes at offset 0); a
waiter that times out reads it to name the holder. The lock file is created
when missing and never deleted.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import tenacity
from filelock import lock_descriptor, unlock_descriptor

from f0_params._errors import ParamsFileError, ParamsLockTimeoutError

__all__ = ["DEFAULT_TIMEOUT", "hold_lock", "read_holder_pid"]

#: Seconds to wait for the lock before giving up (spec: 10 s).
DEFAULT_TIMEOUT = 10.0
_FIRST_SLEEP = 0.00005
_MAX_SLEEP = 0.005
_PID_WIDTH = 16
_OPEN_FLAGS = os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)


@contextlib.contextmanager
def hold_lock(lock_path: Path, timeout: float = DEFAULT_TIMEOUT) -> Iterator[None]:
    """Hold the exclusive lock on *lock_path* for the ``with`` block.

    Raises :class:`ParamsLockTimeoutError` after *timeout* seconds (naming the
    lock file and the holder's pid where known) and :class:`ParamsFileError`
    when the lock file cannot be opened.
    """
    try:
        fd = os.open(lock_path, _OPEN_FLAGS, 0o666)
    except OSError as exc:
        reason = "its folder does not exist" if isinstance(exc, FileNotFoundError) else exc.strerror
        msg = f"cannot open the lock file: {reason}"
        raise ParamsFileError(msg, where=str(lock_path)) from None
    try:
        if not lock_descriptor(fd, blocking=False):
            _wait(fd, lock_path, timeout)
        try:
            _write_pid(fd)
            yield
        finally:
            unlock_descriptor(fd)
    finally:
        os.close(fd)


def _wait(fd: int, lock_path: Path, timeout: float) -> None:
    # filelock takes the OS lock; tenacity does the waiting (growing sleeps up
    # to a deadline), so neither is hand-written here.
    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_delay(timeout),
        wait=tenacity.wait_exponential(multiplier=_FIRST_SLEEP, max=_MAX_SLEEP),
        retry=tenacity.retry_if_result(lambda taken: not taken),
        retry_error_callback=lambda _state: lock_descriptor(fd, blocking=False),
    )
    if retrying(lock_descriptor, fd, blocking=False):
        return
    pid = _pid_in(fd)
    holder = f"held by pid {pid}" if pid is not None else "holder unknown"
    msg = f"could not take the lock within {timeout:g}s ({holder})"
    raise ParamsLockTimeoutError(msg, lock_file=str(lock_path), holder_pid=pid)


def _write_pid(fd: int) -> None:
    data = f"{os.getpid():<{_PID_WIDTH - 1}}\n".encode()
    pwrite = getattr(os, "pwrite", None)
    if pwrite is not None:
        pwrite(fd, data, 0)
    else:  # pragma: no cover - Windows
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, data)


def _pid_in(fd: int) -> int | None:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        text = os.read(fd, _PID_WIDTH).decode("ascii", errors="replace")
    except OSError:  # pragma: no cover - Windows: the holder's locked byte
        return None
    first = text.split("\n", 1)[0].strip()
    return int(first) if first.isdigit() else None


def read_holder_pid(lock_path: Path) -> int | None:
    """The pid recorded in *lock_path* by its last holder (None if none is recorded)."""
    try:
        fd = os.open(lock_path, os.O_RDONLY)
    except OSError:
        return None
    try:
        return _pid_in(fd)
    finally:
        os.close(fd)
