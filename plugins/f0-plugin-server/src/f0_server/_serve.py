"""``f0 serve``: check the bind address, build the app, run uvicorn."""

from __future__ import annotations

import ipaddress
import sys
from typing import Any

from f0 import UsageError

from f0_server._app import ServerConfig, create_app
from f0_server._store import ServerStore

__all__ = ["check_bind", "is_loopback", "serve"]


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def check_bind(host: str, token: str | None) -> None:
    """Refuse a non-loopback bind without a token (a :class:`UsageError`)."""
    if token is not None and not token.strip():
        msg = "the token must not be empty"
        raise UsageError(msg, where="--token")
    if not is_loopback(host) and token is None:
        msg = (
            f"refusing to listen on {host} without --token: anyone who can reach that "
            "address could read and change the context. Pass --token TOKEN (or set "
            "F0_TOKEN), or keep the default --host 127.0.0.1"
        )
        raise UsageError(msg, where="--host")


def serve(config: ServerConfig, *, log_level: str = "warning") -> None:
    """Run the server until Ctrl-C / SIGTERM. Prints where it listens on stderr."""
    import uvicorn

    check_bind(config.host, config.token)
    store = ServerStore(config.store_url)
    app = create_app(config, store)

    class Server(uvicorn.Server):
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets)
            if self.started:
                port = config.port
                for server in self.servers:
                    for sock in server.sockets:
                        port = sock.getsockname()[1]
                auth = "token required" if config.token else "no token"
                print(  # noqa: T201 - the one line a user (and a test) waits for
                    f"f0 serve: listening on http://{_url_host(config.host)}:{port} "
                    f"(store {config.store_url}, {auth})",
                    file=sys.stderr,
                    flush=True,
                )

    uv_config = uvicorn.Config(
        app,
        host=config.host,
        port=config.port,
        log_level=log_level,
        access_log=False,
        lifespan="on",
        ws_max_size=config.max_body,
        server_header=False,
        proxy_headers=False,
        timeout_graceful_shutdown=5,
    )
    server = Server(uv_config)
    server.run()
    if not server.started:
        msg = f"could not listen on {config.host}:{config.port} (is the port in use?)"
        raise UsageError(msg, where="--port")


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host
