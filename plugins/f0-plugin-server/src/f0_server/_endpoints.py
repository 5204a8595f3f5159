"""Other plugins' HTTP endpoints (``f0_http_endpoints``), served beside the server's own.

A plugin's :class:`f0.HttpEndpoint` knows nothing of Starlette: here each
one becomes a ``GET`` route whose handler runs in a worker thread (it may
read a database) and whose :class:`f0.HttpResponse` becomes a Starlette
response. ``GET /api/endpoints`` lists them, which is how the dashboard
knows what to link to (``/metrics``, each run's report).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from f0 import HttpRequest, PluginError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from f0_server._http import error_response, json_response

if TYPE_CHECKING:
    from f0 import HttpEndpoint, HttpResponse

__all__ = ["PluginEndpoint", "check_paths", "endpoint_routes", "listing"]

#: (plugin name, endpoint), as ``Hooks.http_endpoints`` gives them.
PluginEndpoint = tuple[str, "HttpEndpoint"]


def check_paths(endpoints: Sequence[PluginEndpoint], own: Iterable[str]) -> None:
    """Raise :class:`f0.PluginError` for a path the server has or two plugins add."""
    taken = dict.fromkeys(own, "f0-plugin-server")
    for plugin, endpoint in endpoints:
        holder = taken.get(endpoint.path)
        if holder is not None:
            msg = f"plugin {plugin!r} adds the path {endpoint.path}, which {holder} serves already"
            raise PluginError(msg)
        taken[endpoint.path] = plugin


def _response(reply: HttpResponse) -> Response:
    return Response(
        reply.body,
        status_code=reply.status,
        media_type=reply.content_type,
        headers=dict(reply.headers),
    )


def _route(plugin: str, endpoint: HttpEndpoint) -> Route:
    async def serve(request: Request) -> Response:
        query: dict[str, str] = {}
        for name, value in request.query_params.multi_items():
            query.setdefault(name, value)
        call = HttpRequest(
            method=request.method,
            path=request.url.path,
            path_params={k: str(v) for k, v in request.path_params.items()},
            query=query,
        )
        try:
            reply = await asyncio.to_thread(endpoint.handler, call)
        except Exception as exc:  # noqa: BLE001 - a plugin's bug is one error line, not a dropped connection
            return error_response(500, f"{plugin}: {endpoint.path}: {type(exc).__name__}: {exc}")
        return _response(reply)

    serve.__name__ = f"{plugin}:{endpoint.path}"
    return Route(endpoint.path, serve, methods=["GET"])


def endpoint_routes(endpoints: Sequence[PluginEndpoint]) -> list[Route]:
    """One Starlette route per plugin endpoint."""
    return [_route(plugin, endpoint) for plugin, endpoint in endpoints]


def listing(endpoints: Sequence[PluginEndpoint]) -> Any:
    """The ``GET /api/endpoints`` reply for *endpoints*."""

    async def api_endpoints(request: Request) -> Response:  # noqa: ARG001
        """``GET /api/endpoints``: what plugins serve here, for pages that link to it."""
        return json_response(
            {
                "endpoints": [
                    {
                        "path": endpoint.path,
                        "title": endpoint.title,
                        "run_link": endpoint.run_link,
                        "plugin": plugin,
                    }
                    for plugin, endpoint in endpoints
                ]
            }
        )

    return api_endpoints
