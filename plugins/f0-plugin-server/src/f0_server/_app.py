"""The ASGI application: every route of the context server.

Two families of HTTP routes share one :class:`ContextService`:

* the **legacy API** Framework0's clients and ``context.sh`` use (server.md
  §1.1): ``/ctx``, ``/ctx/all``, ``/ctx/history``, ``/ctx/dump``,
  ``/ctx/dumps``, ``/snapshot``, ``/patch``, ``/status``. A missing key on
  ``GET /ctx?key=K`` is ``{"key": K, "value": null}``, as there.
* the **new API** under ``/api``: ``GET|PUT|DELETE /api/ctx/{key}`` (an
  unknown key is 404), ``GET|POST /api/ctx`` (all values / an atomic batch),
  ``GET /api/keys``, ``GET /api/history``, ``POST /api/events`` (run and step
  events from ``f0 run --context-server``), ``GET /api/runs``.

Plus ``/ws`` (:mod:`f0_server._ws`), ``/socket.io`` (:mod:`f0_server._sio`),
``/openapi.json``, the dashboard at ``/``, and the ``GET`` endpoints other
plugins add through ``f0_http_endpoints`` (``/metrics`` and ``/reports`` of
f0-plugin-analytics), listed at ``GET /api/endpoints``
(:mod:`f0_server._endpoints`). Errors are
``{"status": "error", "error": message}`` with 400 (not JSON, missing
field), 401 (token), 404, 413 (body over ``max_body``) or 422 (a well-formed
request the server cannot accept: an invalid key, a wrong type).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import attrs
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp

from f0_server._dumps import (
    DUMP_FORMATS,
    BadDumpNameError,
    default_dump_name,
    dump_path,
    list_dumps,
    render_dump,
)
from f0_server._endpoints import PluginEndpoint, check_paths, endpoint_routes, listing
from f0_server._guard import Guard
from f0_server._http import HTTPError, error_response, fail, json_response, read_json
from f0_server._hub import DEFAULT_QUEUE
from f0_server._service import (
    RUN_EVENT_TYPES,
    ContextService,
    InvalidInputError,
    Write,
    check_key,
    check_value,
)
from f0_server._store import DEFAULT_SERVER_STORE, ServerStore
from f0_server._ws import websocket_endpoint

__all__ = ["DEFAULT_MAX_BODY", "ServerConfig", "create_app"]

#: Largest request body (and WebSocket message) accepted, in bytes: 1 MiB.
DEFAULT_MAX_BODY = 1024 * 1024
SERVER_VERSION = "0.1.0"


@attrs.frozen(kw_only=True)
class ServerConfig:
    """Everything ``f0 serve`` passes to :func:`create_app`."""

    host: str = "127.0.0.1"
    port: int = 8080
    token: str | None = None
    store_url: str = DEFAULT_SERVER_STORE
    max_body: int = DEFAULT_MAX_BODY
    dump_dir: Path = Path("context_dumps")
    ws_queue: int = DEFAULT_QUEUE
    socketio: bool = True
    #: Serve only loopback Host headers (set when bound to loopback without a token).
    loopback_only: bool = True
    #: Other plugins' endpoints, as ``(plugin name, f0.HttpEndpoint)``.
    endpoints: tuple[PluginEndpoint, ...] = ()


Handler = Callable[[Request], Awaitable[Response]]


def _route(handler: Handler) -> Handler:
    """Turn :class:`HTTPError`/:class:`InvalidInputError` into error replies."""

    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except HTTPError as exc:
            return error_response(exc.status, exc.message)
        except InvalidInputError as exc:
            return error_response(422, str(exc))

    wrapped.__name__ = handler.__name__
    wrapped.__doc__ = handler.__doc__
    return wrapped


def _service(request: Request) -> ContextService:
    return request.app.state.service  # type: ignore[no-any-return]


def _config(request: Request) -> ServerConfig:
    return request.app.state.config  # type: ignore[no-any-return]


def _who(value: Any, default: str) -> str | None:
    if value is None:
        return default
    if not isinstance(value, str):
        msg = "who must be a string"
        raise InvalidInputError(msg)
    return value


def _object(body: Any, what: str = "the request body") -> dict[str, Any]:
    if not isinstance(body, dict):
        fail(400, f"{what} must be a JSON object")
    return body


_MAX_INT = 2**63 - 1  # SQLite's INTEGER


def _int_param(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        fail(400, f"{name} must be an integer")
    if not 0 <= value <= _MAX_INT:
        fail(400, f"{name} must be between 0 and {_MAX_INT}")
    return value


# -- legacy API (server.md §1.1) -------------------------------------------------


@_route
async def ctx_get(request: Request) -> Response:
    """``GET /ctx?key=K``: ``{"key", "value"}``; a missing key has value null."""
    key = request.query_params.get("key")
    if not key:
        fail(400, "missing query parameter: key")
    check_key(key)
    return json_response({"key": key, "value": _service(request).get(key)})


@_route
async def ctx_post(request: Request) -> Response:
    """``POST /ctx`` ``{"key", "value", "who"}`` → ``{"status": "ok", "key"}``."""
    body = _object(await read_json(request, _config(request).max_body))
    if "key" not in body:
        fail(400, "missing field: key")
    key = check_key(body["key"])
    if "value" not in body:
        fail(400, "missing field: value")
    value = check_value(key, body["value"])
    who = _who(body.get("who"), "unknown")
    result = await _service(request).write(Write(changes={key: value}, who=who))
    return json_response(
        {"status": "ok", "key": key, "changed": bool(result.changed), "seq": result.seq}
    )


@_route
async def ctx_delete(request: Request) -> Response:
    """``DELETE /ctx?key=K``: 404 when K does not exist."""
    key = request.query_params.get("key")
    if not key:
        fail(400, "missing query parameter: key")
    return await _delete(request, check_key(key))


@_route
async def ctx_all(request: Request) -> Response:
    """``GET /ctx/all``: every key and value."""
    return json_response(_service(request).data)


@_route
async def ctx_history(request: Request) -> Response:
    """``GET /ctx/history?key=&who=&prefix=&since=&limit=``: history entries, oldest first."""
    params = request.query_params
    key = params.get("key") or None
    rows = _service(request).store.history(
        key=key,
        who=params.get("who") or None,
        prefix=params.get("prefix") or None,
        since=_int_param(request, "since"),
        limit=_int_param(request, "limit"),
        newest_first=params.get("order") == "desc",
    )
    return json_response([r.to_dict() for r in rows])


@_route
async def status(request: Request) -> Response:
    """``GET /status``."""
    service = _service(request)
    return json_response(
        {
            "status": "running",
            "uptime_seconds": round(time.time() - service.started_at, 3),
            "total_keys": len(service.data),
            "history_entries": service.history_entries,
            "connected_clients": len(service.hub),
            "version": SERVER_VERSION,
            "seq": service.seq,
            "store": service.store.url,
            "auth": _config(request).token is not None,
        }
    )


def _stats(service: ContextService) -> dict[str, Any]:
    return {
        "total_keys": len(service.data),
        "history_entries": service.history_entries,
        "seq": service.seq,
    }


def _dump_format(value: Any) -> str:
    fmt = "json" if value is None else value
    if fmt not in DUMP_FORMATS:
        fail(400, f"invalid dump format {fmt!r}: use one of {', '.join(DUMP_FORMATS)}")
    return str(fmt)


@_route
async def ctx_dump_post(request: Request) -> Response:
    """``POST /ctx/dump`` ``{"format", "filename", "include_history"}``: write a dump file."""
    body = _object(await read_json(request, _config(request).max_body))
    fmt = _dump_format(body.get("format"))
    include_history = body.get("include_history", False)
    if not isinstance(include_history, bool):
        fail(400, "include_history must be true or false")
    filename = body.get("filename") or default_dump_name(fmt)
    if not isinstance(filename, str):
        fail(400, "filename must be a string")
    folder = _config(request).dump_dir
    try:
        path = dump_path(folder, filename)
    except BadDumpNameError as exc:
        fail(400, str(exc))
    service = _service(request)
    history = [r.to_dict() for r in service.store.history()] if include_history else None
    text = render_dump(fmt, service.data, history=history, stats=_stats(service))
    folder.mkdir(parents=True, exist_ok=True)
    await asyncio.to_thread(path.write_text, text, encoding="utf-8")
    return json_response(
        {
            "status": "ok",
            "filename": path.name,
            "path": str(path),
            "size_bytes": path.stat().st_size,
            "format": fmt,
            "keys": len(service.data),
        }
    )


_MEDIA = {"json": "application/json", "pretty": "application/json", "csv": "text/csv"}


@_route
async def ctx_dump_get(request: Request) -> Response:
    """``GET /ctx/dump?format=csv&include_history=1``: the dump's text, nothing written."""
    fmt = _dump_format(request.query_params.get("format"))
    include_history = request.query_params.get("include_history", "") in {"1", "true", "yes"}
    service = _service(request)
    history = [r.to_dict() for r in service.store.history()] if include_history else None
    text = render_dump(fmt, service.data, history=history, stats=_stats(service))
    return Response(text, media_type=_MEDIA.get(fmt, "text/plain"))


@_route
async def ctx_dumps(request: Request) -> Response:
    """``GET /ctx/dumps``: the dump folder and its files."""
    folder = _config(request).dump_dir
    return json_response({"dump_directory": str(folder.resolve()), "files": list_dumps(folder)})


@_route
async def ctx_dump_file(request: Request) -> Response:
    """``GET /ctx/dumps/{filename}``: a dump's text; 400 for a bad name, 404 if missing."""
    name = request.path_params["filename"]
    try:
        path = dump_path(_config(request).dump_dir, name)
    except BadDumpNameError as exc:
        fail(400, str(exc))
    if not path.is_file():
        fail(404, f"no dump named {name!r}")
    text = await asyncio.to_thread(path.read_text, encoding="utf-8", errors="replace")
    return PlainTextResponse(text)


@_route
async def snapshot(request: Request) -> Response:
    """``GET /snapshot``: every key and value (memory-bus API)."""
    return json_response(_service(request).data)


def _changes(body: Any, what: str) -> dict[str, Any]:
    changes = _object(body, what)
    for key, value in changes.items():
        check_key(key)
        check_value(key, value)
    return changes


@_route
async def patch(request: Request) -> Response:
    """``POST /patch`` (object key → value, last write wins): ``{"status", "applied"}``."""
    changes = _changes(await read_json(request, _config(request).max_body), "a patch")
    who = request.query_params.get("who") or "patch"
    result = await _service(request).write(Write(changes=changes, who=who))
    return json_response({"status": "ok", "applied": len(changes), "changed": len(result.changed)})


# -- new API ------------------------------------------------------------------------


@_route
async def api_key_get(request: Request) -> Response:
    """``GET /api/ctx/{key}``: ``{"key", "value"}``, 404 for an unknown key."""
    key = check_key(request.path_params["key"])
    service = _service(request)
    if not service.has(key):
        fail(404, f"no key {key!r}")
    return json_response({"key": key, "value": service.get(key)})


@_route
async def api_key_put(request: Request) -> Response:
    """``PUT /api/ctx/{key}`` ``{"value", "who"}``."""
    key = check_key(request.path_params["key"])
    body = _object(await read_json(request, _config(request).max_body))
    if "value" not in body:
        fail(400, "missing field: value")
    value = check_value(key, body["value"])
    who = _who(body.get("who"), "unknown")
    result = await _service(request).write(Write(changes={key: value}, who=who))
    return json_response(
        {"status": "ok", "key": key, "changed": bool(result.changed), "seq": result.seq}
    )


@_route
async def api_key_delete(request: Request) -> Response:
    """``DELETE /api/ctx/{key}``: 404 for an unknown key."""
    return await _delete(request, check_key(request.path_params["key"]))


async def _delete(request: Request, key: str) -> Response:
    service = _service(request)
    if not service.has(key):
        fail(404, f"no key {key!r}")
    who = request.query_params.get("who") or "unknown"
    result = await service.write(Write(removed=[key], who=who))
    if not result.changed:  # deleted by a write queued just before ours
        fail(404, f"no key {key!r}")
    return json_response({"status": "ok", "key": key, "seq": result.seq})


@_route
async def api_all(request: Request) -> Response:
    """``GET /api/ctx?prefix=``: ``{"data", "seq"}``."""
    service = _service(request)
    prefix = request.query_params.get("prefix")
    data = service.data
    if prefix:
        data = {k: v for k, v in data.items() if k.startswith(prefix)}
    return json_response({"data": data, "seq": service.seq})


@_route
async def api_batch(request: Request) -> Response:
    """``POST /api/ctx`` ``{"changes", "removed", "who"}``: one atomic batch."""
    body = _object(await read_json(request, _config(request).max_body))
    changes = _changes(body.get("changes") or {}, "changes")
    removed = body.get("removed") or []
    if not isinstance(removed, list):
        fail(400, "removed must be a list of keys")
    for key in removed:
        check_key(key)
    who = _who(body.get("who"), "unknown")
    result = await _service(request).write(Write(changes=changes, removed=removed, who=who))
    return json_response({"status": "ok", "changed": result.changed, "seq": result.seq})


@_route
async def api_keys(request: Request) -> Response:
    """``GET /api/keys?prefix=``: ``{"keys": [...]}`` in insertion order."""
    prefix = request.query_params.get("prefix") or ""
    keys = [k for k in _service(request).data if k.startswith(prefix)]
    return json_response({"keys": keys})


def _check_event(body: dict[str, Any]) -> None:
    kind = body.get("type")
    if not isinstance(kind, str) or kind not in RUN_EVENT_TYPES:
        fail(400, f"type must be one of {', '.join(sorted(RUN_EVENT_TYPES))}")
    if not isinstance(body.get("run_id"), str) or not body["run_id"]:
        fail(400, "run_id must be a non-empty string")
    if kind in {"step_started", "step_finished"} and (
        not isinstance(body.get("step"), str) or not body["step"]
    ):
        fail(400, "step must be a non-empty string")
    for name in ("recipe", "recipe_path", "status", "error", "scheduler", "who"):
        value = body.get(name)
        if value is not None and not isinstance(value, str):
            fail(400, f"{name} must be a string")
    for name in ("attempt", "attempts"):
        value = body.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            fail(400, f"{name} must be an integer")
    for name in ("started_at", "finished_at", "duration_s", "timestamp"):
        value = body.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            fail(400, f"{name} must be a number")
    if kind == "run_started":
        steps = body.get("steps") or []
        if not isinstance(steps, list) or not all(
            isinstance(s, dict)
            and isinstance(s.get("name"), str)
            and isinstance(s.get("depends_on") or [], list)
            for s in steps
        ):
            fail(400, "steps must be a list of {name, depends_on}")


@_route
async def api_events(request: Request) -> Response:
    """``POST /api/events``: a run/step event, with the context changes it carries."""
    body = _object(await read_json(request, _config(request).max_body))
    _check_event(body)
    changes = _changes(body.get("changes") or {}, "changes")
    removed = body.get("removed") or []
    if not isinstance(removed, list):
        fail(400, "removed must be a list of keys")
    for key in removed:
        check_key(key)
    who = body.get("who")
    if not isinstance(who, str):
        who = body["step"] if body["type"] == "step_finished" else "f0"
    result = await _service(request).write(
        Write(changes=changes, removed=removed, who=who, event=body)
    )
    return json_response({"status": "ok", "changed": result.changed, "seq": result.seq})


@_route
async def api_runs(request: Request) -> Response:
    """``GET /api/runs``: the runs the server knows of, newest first."""
    runs = sorted(
        _service(request).runs.values(), key=lambda r: r.get("started_at") or 0.0, reverse=True
    )
    return json_response({"runs": runs})


@_route
async def openapi(request: Request) -> Response:  # noqa: ARG001
    """``GET /openapi.json``."""
    from f0_server._openapi import openapi_schema

    return json_response(openapi_schema(SERVER_VERSION))


@_route
async def dashboard(request: Request) -> Response:  # noqa: ARG001
    """``GET /``: the live dashboard (one self-contained page)."""
    from f0_server._dashboard import dashboard_html

    return HTMLResponse(dashboard_html(), headers=_PAGE_HEADERS)


# The page loads nothing from elsewhere: a strict CSP says so.
_PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'unsafe-inline'; "
    "style-src 'unsafe-inline'; connect-src 'self' ws: wss:; img-src 'self' data:",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def routes() -> list[Route | WebSocketRoute]:
    """The server's own routes (plugins' endpoints come after, see :func:`create_app`)."""
    return [
        Route("/", dashboard, methods=["GET"]),
        Route("/ctx", ctx_get, methods=["GET"]),
        Route("/ctx", ctx_post, methods=["POST"]),
        Route("/ctx", ctx_delete, methods=["DELETE"]),
        Route("/ctx/all", ctx_all, methods=["GET"]),
        Route("/ctx/history", ctx_history, methods=["GET"]),
        Route("/ctx/dump", ctx_dump_post, methods=["POST"]),
        Route("/ctx/dump", ctx_dump_get, methods=["GET"]),
        Route("/ctx/dumps", ctx_dumps, methods=["GET"]),
        Route("/ctx/dumps/{filename:path}", ctx_dump_file, methods=["GET"]),
        Route("/snapshot", snapshot, methods=["GET"]),
        Route("/patch", patch, methods=["POST"]),
        Route("/status", status, methods=["GET"]),
        Route("/api/ctx", api_all, methods=["GET"]),
        Route("/api/ctx", api_batch, methods=["POST"]),
        Route("/api/ctx/{key:path}", api_key_get, methods=["GET"]),
        Route("/api/ctx/{key:path}", api_key_put, methods=["PUT"]),
        Route("/api/ctx/{key:path}", api_key_delete, methods=["DELETE"]),
        Route("/api/keys", api_keys, methods=["GET"]),
        Route("/api/history", ctx_history, methods=["GET"]),
        Route("/api/events", api_events, methods=["POST"]),
        Route("/api/runs", api_runs, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
        WebSocketRoute("/ws", websocket_endpoint),
    ]


async def _not_found(request: Request, exc: Exception) -> Response:  # noqa: ARG001
    return error_response(404, f"no route {request.url.path!r}")


async def _method_not_allowed(request: Request, exc: Exception) -> Response:
    headers = getattr(exc, "headers", None)
    return error_response(
        405, f"method {request.method} not allowed on {request.url.path!r}", headers=headers
    )


async def _internal(request: Request, exc: Exception) -> Response:  # noqa: ARG001
    return error_response(500, f"internal error: {type(exc).__name__}: {exc}")


def create_app(config: ServerConfig, store: ServerStore | None = None) -> ASGIApp:
    """The whole server as one ASGI app (Guard → Socket.IO → Starlette)."""
    store = store or ServerStore(config.store_url)
    service = ContextService(store)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:  # noqa: ARG001
        try:
            yield
        finally:
            service.hub.close_all()
            store.close()

    own = routes()
    check_paths(config.endpoints, (r.path for r in own))
    own.append(Route("/api/endpoints", listing(config.endpoints), methods=["GET"]))
    app = Starlette(
        routes=[*own, *endpoint_routes(config.endpoints)],
        lifespan=lifespan,
        exception_handlers={404: _not_found, 405: _method_not_allowed, 500: _internal},
    )
    app.state.service = service
    app.state.config = config
    inner: ASGIApp = app
    if config.socketio:
        from f0_server._sio import socketio_app

        inner = socketio_app(app, service, config)
    return Guard(inner, token=config.token, loopback_only=config.loopback_only)
