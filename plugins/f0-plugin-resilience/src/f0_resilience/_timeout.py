"""``TimeoutManager`` (``spec/scriptlets.md`` §2): named timeouts and calls bounded by them.

``execute_with_timeout`` runs the call in a daemon thread and stops waiting
at the deadline with ``TimeoutError``. Python cannot kill a thread: the call
itself goes on in the background, so use it for calls that end on their own
(network I/O with its own timeout); the local scheduler's ``timeout:`` key
kills whole steps run in processes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

__all__ = ["TimeoutManager"]


class TimeoutManager:
    """Timeouts by operation name, with a default."""

    def __init__(self, default_timeout: float = 30.0) -> None:
        self.default_timeout = float(default_timeout)
        self._timeouts: dict[str, float] = {}
        self._lock = threading.Lock()

    def set_timeout(self, operation: str, seconds: float) -> None:
        """Limit *operation* to *seconds*."""
        if seconds <= 0:
            msg = f"timeout must be > 0, not {seconds!r}"
            raise ValueError(msg)
        with self._lock:
            self._timeouts[operation] = float(seconds)

    def get_timeout(self, operation: str) -> float:
        """The limit of *operation* (the default if none was set)."""
        with self._lock:
            return self._timeouts.get(operation, self.default_timeout)

    def execute_with_timeout(
        self,
        func: Callable[..., Any],
        *args: Any,
        operation: str | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> Any:
        """Return ``func(*args, **kwargs)``, or raise ``TimeoutError`` past the limit.

        The limit is *timeout*, else that of *operation*, else the default.
        The call's own exception is re-raised as is.
        """
        limit = timeout if timeout is not None else self.get_timeout(operation or "")
        box: dict[str, Any] = {}
        done = threading.Event()

        def target() -> None:
            try:
                box["value"] = func(*args, **kwargs)
            except BaseException as exc:  # noqa: BLE001 - handed to the caller below
                box["error"] = exc
            finally:
                done.set()

        threading.Thread(
            target=target, name=f"f0-timeout-{operation or 'call'}", daemon=True
        ).start()
        if not done.wait(limit):
            msg = f"{operation or 'operation'} timed out after {limit:g}s"
            raise TimeoutError(msg)
        if "error" in box:
            raise box["error"]
        return box.get("value")
