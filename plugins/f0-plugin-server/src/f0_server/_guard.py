"""Who may talk to the server: bearer token, Host and Origin checks.

* **Token** (``--token``): every HTTP request needs ``Authorization: Bearer
  TOKEN`` (or RFC 6750's ``access_token`` query parameter, which is how a
  browser opens the dashboard and its WebSocket); otherwise 401. WebSockets
  are accepted and then closed with 1008 (policy violation) so the client
  sees why. Socket.IO checks the token in its ``connect`` handler.
* **Host** (loopback without a token): only ``127.0.0.1``, ``localhost`` and
  ``[::1]`` hosts are served, so a DNS-rebinding page cannot reach the API.
* **Origin**: a browser request from another origin (a web page the user
  happens to have open posting to ``127.0.0.1:8080``) is refused with 403.
"""

from __future__ import annotations

import hmac
from urllib.parse import parse_qs, urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from f0_server._http import error_response

__all__ = ["LOOPBACK_HOSTS", "Guard", "authorized", "request_token"]

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


def _host_only(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):
        return host[: host.find("]") + 1] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def request_token(scope: Scope) -> str | None:
    """The bearer token of a request: the Authorization header, else ``?access_token=``."""
    headers = Headers(scope=scope)
    auth = headers.get("authorization")
    if auth:
        scheme, _, value = auth.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
    query = scope.get("query_string", b"").decode("latin-1")
    if "access_token" in query:
        values = parse_qs(query).get("access_token")
        if values:
            return str(values[-1])
    return None


def authorized(scope: Scope, token: str | None) -> bool:
    """Whether *scope* carries *token* (always True when the server has none)."""
    if token is None:
        return True
    given = request_token(scope)
    return given is not None and hmac.compare_digest(given.encode(), token.encode())


class Guard:
    """ASGI middleware in front of everything (routes, WebSocket, Socket.IO)."""

    def __init__(self, app: ASGIApp, *, token: str | None, loopback_only: bool) -> None:
        self.app = app
        self.token = token
        self.loopback_only = loopback_only

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in {"http", "websocket"}:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        host = headers.get("host")
        problem: tuple[int, str] | None = None
        if self.loopback_only and host and _host_only(host) not in LOOPBACK_HOSTS:
            problem = (403, f"host {host!r} is not served (the server is bound to loopback)")
        origin = headers.get("origin")
        if problem is None and origin and origin != "null" and host:
            if urlsplit(origin).netloc.lower() != host.strip().lower():
                problem = (403, f"cross-origin request from {origin!r} refused")
        elif problem is None and origin == "null":
            problem = (403, "cross-origin request from an opaque origin refused")
        path: str = scope.get("path", "")
        if (
            problem is None
            and scope["type"] == "http"
            and not path.startswith("/socket.io")
            and not authorized(scope, self.token)
        ):
            response = error_response(
                401,
                "missing or wrong bearer token (send Authorization: Bearer TOKEN)",
                headers={"WWW-Authenticate": 'Bearer realm="f0"'},
            )
            await response(scope, receive, send)
            return
        if problem is not None:
            if scope["type"] == "websocket":
                await _close_websocket(receive, send, problem[1])
                return
            await error_response(*problem)(scope, receive, send)
            return
        await self.app(scope, receive, send)


async def _close_websocket(receive: Receive, send: Send, reason: str) -> None:
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.close", "code": 1008, "reason": reason[:120]})
