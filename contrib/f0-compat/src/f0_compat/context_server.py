"""``server.enhanced_context_server``: Framework0's context server, served by f0-plugin-server.

:class:`EnhancedContextServer` builds f0-plugin-server's ASGI app
(``f0_server.create_app``: every legacy route, ``/ws``, Socket.IO's
``context_updated``, the dashboard, SQLite persistence) and runs it with
uvicorn, the way ``f0 serve`` does. The one difference from Framework0 is
f0's security decision (``spec/server.md`` §1): the default host is
``127.0.0.1``, and any other address needs a token (``token=`` or
``F0_TOKEN``), else ``ValueError``.

Command line: ``python -m server.enhanced_context_server [--host H] [--port P] [--debug]``
(or ``python server/enhanced_context_server.py`` from a Framework0 checkout
layout; ``f0 serve`` is the same server).
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from f0_server import ServerConfig, create_app

if TYPE_CHECKING:
    import uvicorn

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "EnhancedContextServer", "main"]

#: f0's default: loopback only (Framework0 used 0.0.0.0).
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080


def _is_loopback(host: str) -> bool:
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name may resolve to anything


class EnhancedContextServer:
    """The context server: ``run()`` blocks; ``start()``/``stop()`` run it in a thread.

    *store_url* is where the context lives (default: f0-plugin-server's
    ``sqlite:///.f0/context-server.db``; ``memory://`` keeps it in memory,
    as Framework0 did). *dump_dir* is where ``POST /ctx/dump`` writes.
    """

    def __init__(
        self,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        debug: bool = False,
        *,
        token: str | None = None,
        store_url: str | None = None,
        dump_dir: str | Path = "context_dumps",
    ) -> None:
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:  # noqa: PLR2004
            msg = f"port must be a whole number from 0 to 65535, not {port!r}"
            raise ValueError(msg)
        token = token if token is not None else (os.environ.get("F0_TOKEN") or None)
        if token is not None and not token.strip():
            msg = "the token must not be empty"
            raise ValueError(msg)
        if not _is_loopback(host) and token is None:
            msg = (
                f"refusing to listen on {host} without a token: anyone who can reach it could "
                "read and change the context; pass token=... (or set F0_TOKEN), or use 127.0.0.1"
            )
            raise ValueError(msg)
        self.host = host
        self.debug = debug
        self.config = ServerConfig(
            host=host,
            port=port,
            token=token,
            store_url=store_url or ServerConfig().store_url,
            dump_dir=Path(dump_dir),
            loopback_only=_is_loopback(host) and token is None,
        )
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._bound_port: int | None = None

    @property
    def port(self) -> int:
        """The port: the one asked for, or the one chosen for ``port=0`` once started."""
        return self._bound_port if self._bound_port is not None else self.config.port

    @property
    def url(self) -> str:
        """``http://HOST:PORT``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def create_app(self) -> Any:
        """The ASGI application (f0-plugin-server's), for your own ASGI server."""
        return create_app(self.config)

    def _make_server(self) -> uvicorn.Server:
        import uvicorn

        config = uvicorn.Config(
            self.create_app(),
            host=self.host,
            port=self.config.port,
            log_level="debug" if self.debug else "warning",
            access_log=self.debug,
            lifespan="on",
            ws_max_size=self.config.max_body,
            server_header=False,
            proxy_headers=False,
            timeout_graceful_shutdown=5,
        )
        return uvicorn.Server(config)

    def run(self) -> None:
        """Serve until Ctrl-C or SIGTERM. ``OSError`` if the port cannot be bound."""
        server = self._make_server()
        self._server = server
        server.run()
        if not server.started:
            msg = f"could not listen on {self.host}:{self.config.port} (is the port in use?)"
            raise OSError(msg)

    def start(self, timeout: float = 30.0) -> None:
        """Serve from a background thread; return once it accepts connections."""
        if self._thread is not None and self._thread.is_alive():
            msg = "the server is already running"
            raise RuntimeError(msg)
        server = self._make_server()
        self._server = server
        self._thread = threading.Thread(target=server.run, name="f0-compat-server", daemon=True)
        self._thread.start()
        deadline = threading.Event()
        waited = 0.0
        while not server.started:
            if not self._thread.is_alive() or waited >= timeout:
                self.stop()
                msg = f"could not listen on {self.host}:{self.config.port} (is the port in use?)"
                raise OSError(msg)
            deadline.wait(0.02)
            waited += 0.02
        for listener in server.servers:
            for sock in listener.sockets:
                self._bound_port = sock.getsockname()[1]

    def stop(self) -> None:
        """Stop a server started with :meth:`start` (waits for it)."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=15)
            self._thread = None

    def is_running(self) -> bool:
        """True while a started server accepts connections."""
        return bool(
            self._server is not None and self._server.started and not self._server.should_exit
        )

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    """``[--host H] [--port P] [--debug]``: serve until Ctrl-C; exit 2 for bad usage."""
    parser = argparse.ArgumentParser(
        prog="python -m server.enhanced_context_server",
        description="Framework0's context server, served by f0 (same as: f0 serve).",
    )
    parser.add_argument(
        "--host", default=os.environ.get("CONTEXT_SERVER_HOST", DEFAULT_HOST), help="bind address"
    )
    parser.add_argument(
        "--port", type=int, default=os.environ.get("CONTEXT_SERVER_PORT", str(DEFAULT_PORT))
    )
    parser.add_argument("--debug", action="store_true", help="debug logging")
    parser.add_argument("--token", default=None, help="bearer token (default: F0_TOKEN)")
    parser.add_argument("--store", default=None, metavar="URL", help="context store URL")
    args = parser.parse_args(argv)
    try:
        server = EnhancedContextServer(
            args.host, args.port, args.debug, token=args.token, store_url=args.store
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)  # noqa: T201 - a command line
        return 2
    print(f"context server on {server.url} (Ctrl-C stops it)", file=sys.stderr, flush=True)  # noqa: T201
    try:
        server.run()
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)  # noqa: T201
        return 2
    return 0
