"""Socket.IO compatibility (python-socketio's ASGI app at ``/socket.io``).

Framework0's dashboards and ``AsyncContextClient`` spoke Socket.IO; they keep
working: on ``connect`` the server sends ``context_snapshot`` (``data``,
``seq``); after every write it emits ``context_updated`` (``key``,
``value``, ``old_value``, ``who``, ``timestamp``, plus ``seq`` and
``operation``) and the run events by their names. Clients may emit
``set_context`` ``{"key", "value", "who"}`` and ``get_context`` ``{"key"}``
(answered with ``context_value`` and as the acknowledgement). With a token,
``connect`` needs it in the ``Authorization`` header, ``auth={"token": ...}``
or ``?access_token=``; otherwise the connection is refused.
"""

from __future__ import annotations

import asyncio
import hmac
from typing import TYPE_CHECKING, Any

import socketio  # type: ignore[import-untyped]

from f0_server._guard import authorized
from f0_server._service import InvalidInputError, Write, check_key, check_value

if TYPE_CHECKING:
    from starlette.types import ASGIApp

    from f0_server._app import ServerConfig
    from f0_server._service import ContextService

__all__ = ["socketio_app"]

_PAYLOAD_FIELDS = ("key", "value", "old_value", "who", "timestamp", "seq", "operation")


def socketio_app(app: ASGIApp, service: ContextService, config: ServerConfig) -> ASGIApp:
    """*app* behind a Socket.IO server that mirrors *service*'s events."""
    sio = socketio.AsyncServer(
        async_mode="asgi",
        max_http_buffer_size=config.max_body,
        logger=False,
        engineio_logger=False,
    )
    clients: set[str] = set()
    queue: asyncio.Queue[list[dict[str, Any]]] = asyncio.Queue()
    pump: list[asyncio.Task[None]] = []

    def listener(messages: list[dict[str, Any]]) -> None:
        if clients:
            queue.put_nowait(messages)

    service.listeners.append(listener)

    async def forward() -> None:
        # One task: events are emitted in the order they were committed.
        while True:
            messages = await queue.get()
            for message in messages:
                kind = message["type"]
                if kind == "context_updated":
                    payload = {k: message.get(k) for k in _PAYLOAD_FIELDS}
                else:
                    payload = {k: v for k, v in message.items() if k != "type"}
                await sio.emit(kind, payload)

    @sio.event  # type: ignore[untyped-decorator]
    async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        if config.token is not None and not _authorized(environ, auth, config.token):
            raise socketio.exceptions.ConnectionRefusedError("missing or wrong bearer token")
        if not pump:
            pump.append(asyncio.create_task(forward()))
        clients.add(sid)
        await sio.emit("context_snapshot", {"data": service.data, "seq": service.seq}, to=sid)

    @sio.event  # type: ignore[untyped-decorator]
    async def disconnect(sid: str, *args: Any) -> None:  # noqa: ARG001
        clients.discard(sid)

    @sio.event  # type: ignore[untyped-decorator]
    async def set_context(sid: str, data: Any) -> dict[str, Any]:  # noqa: ARG001
        try:
            if not isinstance(data, dict) or "value" not in data:
                return {"status": "error", "error": "set_context needs {key, value}"}
            key = check_key(data.get("key"))
            value = check_value(key, data["value"])
            who = data.get("who") if isinstance(data.get("who"), str) else "socketio"
        except InvalidInputError as exc:
            return {"status": "error", "error": str(exc)}
        result = await service.write(Write(changes={key: value}, who=who))
        return {"status": "ok", "key": key, "seq": result.seq}

    @sio.event  # type: ignore[untyped-decorator]
    async def get_context(sid: str, data: Any) -> dict[str, Any]:
        key = data.get("key") if isinstance(data, dict) else data
        try:
            key = check_key(key)
        except InvalidInputError as exc:
            return {"status": "error", "error": str(exc)}
        reply = {"key": key, "value": service.get(key)}
        await sio.emit("context_value", reply, to=sid)
        return reply

    return socketio.ASGIApp(sio, other_asgi_app=app, socketio_path="socket.io")  # type: ignore[no-any-return]


def _authorized(environ: dict[str, Any], auth: Any, token: str) -> bool:
    scope = environ.get("asgi.scope")
    if scope is not None and authorized(scope, token):
        return True
    if isinstance(auth, dict) and isinstance(auth.get("token"), str):
        return hmac.compare_digest(auth["token"].encode(), token.encode())
    return False
