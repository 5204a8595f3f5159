"""Threads: a small pool of daemon workers, and attempts with a deadline.

Not ``ThreadPoolExecutor``: its queue is first-in first-out, its workers are joined at interpreter exit, so a
step abandoned on Ctrl-C would keep the process alive, and it allocates a
Future and a work item per job, which shows on runs of thousands of tiny steps.
"""

from __future__ import annotations

import heapq
import queue
import threading
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["DaemonPool", "call_with_deadline"]

T = TypeVar("T")


class DaemonPool:
    """Up to *size* daemon threads calling ``work(job)``, lowest job number first.

    Jobs are ranks: when several wait, the lowest goes first, whatever order
    they were submitted in. Threads start lazily, one per job in flight, so a
    run that never has two steps at once starts none.
    """

    def __init__(self, size: int, work: Callable[[int], None], name: str) -> None:
        self._size = size
        self._work = work
        self._name = name
        # Waiting jobs sit in a heap; the queue only carries one wake-up token
        # per job (True) or a stop token (False). Both are C-level and cheaper
        # than queue.PriorityQueue's Condition.
        self._heap: list[int] = []
        self._lock = threading.Lock()
        self._tokens: queue.SimpleQueue[bool] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []

    def submit(self, job: int, in_flight: int) -> None:
        """Queue *job*; *in_flight* (this one included) says how many threads would help."""
        if len(self._threads) < in_flight and len(self._threads) < self._size:
            thread = threading.Thread(
                target=self._loop, name=f"{self._name}-{len(self._threads)}", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        with self._lock:
            heapq.heappush(self._heap, job)
        self._tokens.put(True)

    def shutdown(self, *, wait: bool) -> None:
        """Stop every thread once it is idle; with *wait*, join them."""
        for _ in self._threads:
            self._tokens.put(False)
        if wait:
            for thread in self._threads:
                thread.join()
        self._threads.clear()

    def _loop(self) -> None:
        get = self._tokens.get
        lock = self._lock
        heap = self._heap
        pop = heapq.heappop
        work = self._work
        while get():
            with lock:
                job = pop(heap)
            work(job)


class _Box:
    __slots__ = ("error", "value")

    def __init__(self) -> None:
        self.value: object = None
        self.error: BaseException | None = None


def call_with_deadline(fn: Callable[[], T], timeout: float, name: str) -> tuple[bool, T | None]:
    """Run *fn* in a daemon thread and wait at most *timeout* seconds.

    Returns ``(True, result)``, or ``(False, None)`` when the deadline passed;
    the thread is then abandoned (it is a daemon, so it never blocks exit).
    An exception raised by *fn* is raised here.
    """
    box = _Box()
    done = threading.Event()

    def target() -> None:
        try:
            box.value = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
            box.error = exc
        done.set()

    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    # Validation bounds recipe timeouts far below TIMEOUT_MAX; a Step built
    # in code is not validated, and Event.wait overflows past it.
    if not done.wait(min(timeout, threading.TIMEOUT_MAX)):
        return False, None
    if box.error is not None:
        raise box.error
    return True, box.value  # type: ignore[return-value]
