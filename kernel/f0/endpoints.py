"""HTTP endpoints a plugin adds to f0's server, with no web framework in sight.

A plugin answers ``f0_http_endpoints`` with :class:`HttpEndpoint` objects:
a path and a plain function from :class:`HttpRequest` to
:class:`HttpResponse`. A server plugin (``f0 serve`` of f0-plugin-server)
mounts them with whatever framework it uses; the plugin that adds
``/metrics`` needs neither that framework nor the server plugin, and the two
never import each other.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import attrs

__all__ = ["HttpEndpoint", "HttpHandler", "HttpRequest", "HttpResponse"]

_SEGMENT = r"(?:[A-Za-z0-9._~!$&'()*+,;=:@-]+|\{[A-Za-z_]\w*\})"
#: ``/a/b``, ``/reports/{run_id}``: absolute, no query, ``{name}`` for one segment.
_PATH = re.compile(rf"/(?:{_SEGMENT}(?:/{_SEGMENT})*)?")


def _frozen_map(value: Mapping[str, str] | None) -> Mapping[str, str]:
    return dict(value or {})


@attrs.frozen(kw_only=True)
class HttpRequest:
    """What a handler gets: the request, already routed."""

    method: str = "GET"
    #: The path as requested (``/reports/abc123``).
    path: str = "/"
    #: Values of the endpoint path's ``{name}`` segments.
    path_params: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen_map)
    #: Query parameters, the first value of each.
    query: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen_map)


@attrs.frozen(kw_only=True)
class HttpResponse:
    """What a handler returns. A ``str`` body is sent as UTF-8."""

    body: str | bytes = ""
    status: int = 200
    content_type: str = "text/plain; charset=utf-8"
    headers: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen_map)


#: A handler: called off the server's event loop (it may block on files or a
#: database), once per request. An exception becomes a 500 reply with a one-line error.
HttpHandler = Callable[[HttpRequest], HttpResponse]


def _check_path(instance: Any, attribute: Any, value: str) -> None:  # noqa: ARG001 - attrs' validator signature
    if not isinstance(value, str) or not _PATH.fullmatch(value):
        msg = f"endpoint path {value!r} must be absolute, like /metrics or /reports/{{run_id}}"
        raise ValueError(msg)


@attrs.frozen(kw_only=True)
class HttpEndpoint:
    """One ``GET`` endpoint a plugin adds to f0's server (see ``f0_http_endpoints``)."""

    #: ``/metrics``; a ``{name}`` segment matches one path segment (``/reports/{run_id}``).
    path: str = attrs.field(validator=_check_path)
    handler: HttpHandler
    #: Link text for a page that lists the server's endpoints (the dashboard);
    #: empty: not linked.
    title: str = ""
    #: The path has a ``{run_id}`` segment and shows one run: a page that
    #: shows runs (the dashboard) links each run to it.
    run_link: bool = attrs.field(default=False)

    @run_link.validator
    def _run_link_has_run_id(self, attribute: Any, value: bool) -> None:  # noqa: ARG002 - attrs' validator signature
        if value and "{run_id}" not in self.path:
            msg = f"endpoint {self.path!r} is a run link but has no {{run_id}} segment"
            raise ValueError(msg)
