"""The native WebSocket endpoint ``/ws``.

Query: ``prefix=`` (repeatable: only keys starting with one of them),
``events=context,runs`` (which kinds; default both), ``snapshot=0`` (no
initial snapshot). Server → client messages are JSON objects with a
``type``: first ``context_snapshot`` (``data``, ``who`` (last writer of each key), ``seq``, ``runs``), then
``context_updated`` (``seq``, ``key``, ``value``/``after``,
``old_value``/``before``, ``who``, ``timestamp``, ``operation``) and the run
events ``run_started``, ``step_started``, ``step_finished``,
``run_finished``. Every message has an ``id`` one higher than the previous
one the server sent anyone, so a watcher can check it lost nothing.

Client → server: ``{"type": "set", "key", "value", "who"}``,
``{"type": "delete", "key"}``, ``{"type": "get", "key"}`` (answered with
``context_value``) and ``{"type": "subscribe", "prefixes": [...]}``.
Errors come back as ``{"type": "error", "error": ...}``; the connection
stays open.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from f0_server._guard import authorized
from f0_server._http import HTTPError, parse_json
from f0_server._hub import Subscriber, encode
from f0_server._service import InvalidInputError, Write, check_key, check_value

if TYPE_CHECKING:
    from f0_server._app import ServerConfig
    from f0_server._service import ContextService

__all__ = ["websocket_endpoint"]

#: Close code for a watcher that fell too far behind (RFC 6455 "try again later").
TOO_SLOW = 1013


async def websocket_endpoint(websocket: WebSocket) -> None:
    service: ContextService = websocket.app.state.service
    config: ServerConfig = websocket.app.state.config
    if not authorized(websocket.scope, config.token):
        await websocket.accept()
        await websocket.close(code=1008, reason="missing or wrong bearer token")
        return
    params = websocket.query_params
    kinds = {k.strip() for k in (params.get("events") or "context,runs").split(",")}
    sub = Subscriber(
        prefixes=params.getlist("prefix"),
        context="context" in kinds,
        runs="runs" in kinds,
        maxsize=config.ws_queue,
    )
    await websocket.accept()
    if params.get("snapshot", "1") not in {"0", "false", "no"}:
        # Snapshot and subscription in the same loop turn: no update can fall between.
        snapshot = {
            "type": "context_snapshot",
            "seq": service.seq,
            "data": {k: v for k, v in service.data.items() if sub.wants_key(k)},
            "who": {k: w for k, w in service.writers.items() if sub.wants_key(k)},
            "runs": [service.current_run()] if service.current_run() else [],
        }
        text = encode(snapshot)
        service.hub.add(sub)
        sender = asyncio.create_task(_send_loop(websocket, sub, first=text))
    else:
        service.hub.add(sub)
        sender = asyncio.create_task(_send_loop(websocket, sub, first=None))
    try:
        await _receive_loop(websocket, service, sub)
    finally:
        service.hub.remove(sub)
        sub.stop()
        with contextlib.suppress(Exception):
            await sender


async def _send_loop(websocket: WebSocket, sub: Subscriber, first: str | None) -> None:
    try:
        if first is not None:
            await websocket.send_text(first)
        while True:
            item = await sub.queue.get()
            if item is None:
                break
            await websocket.send_text(item[1])
        if sub.overflowed:
            await websocket.close(code=TOO_SLOW, reason="watcher too slow: events were dropped")
    except (WebSocketDisconnect, RuntimeError, OSError):
        return  # the client went away: nobody else is affected


async def _receive_loop(websocket: WebSocket, service: ContextService, sub: Subscriber) -> None:
    while True:
        try:
            text = await websocket.receive_text()
        except (WebSocketDisconnect, RuntimeError, KeyError):
            return
        reply = await _handle(service, sub, text)
        if reply is not None:
            sub.offer(reply, encode(reply))


async def _handle(  # noqa: PLR0911 - one reply per message type
    service: ContextService, sub: Subscriber, text: str
) -> dict[str, Any] | None:
    try:
        message = parse_json(text)
        if not isinstance(message, dict):
            return {"type": "error", "error": "messages must be JSON objects"}
        kind = message.get("type")
        if kind == "subscribe":
            prefixes = message.get("prefixes") or []
            if not isinstance(prefixes, list) or not all(isinstance(p, str) for p in prefixes):
                return {"type": "error", "error": "prefixes must be a list of strings"}
            sub.prefixes = tuple(p for p in prefixes if p)
            return {"type": "subscribed", "prefixes": list(sub.prefixes)}
        key = check_key(message.get("key"))
        if kind == "get":
            return {"type": "context_value", "key": key, "value": service.get(key)}
        who = message.get("who")
        who = who if isinstance(who, str) else "websocket"
        if kind == "set":
            if "value" not in message:
                return {"type": "error", "error": "set needs a value"}
            value = check_value(key, message["value"])
            result = await service.write(Write(changes={key: value}, who=who))
        elif kind == "delete":
            result = await service.write(Write(removed=[key], who=who))
        else:
            return {"type": "error", "error": f"unknown message type {kind!r}"}
    except HTTPError as exc:
        return {"type": "error", "error": exc.message}
    except InvalidInputError as exc:
        return {"type": "error", "error": str(exc)}
    return {"type": "ack", "key": key, "changed": bool(result.changed), "seq": result.seq}
