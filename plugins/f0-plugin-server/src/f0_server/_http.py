"""Request parsing and error replies shared by the routes."""

from __future__ import annotations

import json
from typing import Any, NoReturn

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

__all__ = [
    "MAX_DEPTH",
    "HTTPError",
    "error_response",
    "json_response",
    "parse_json",
    "read_json",
]

#: Deepest nesting of arrays/objects a value may have.
MAX_DEPTH = 100


class HTTPError(Exception):
    """An error reply: *status* and a one-line *message*."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def fail(status: int, message: str) -> NoReturn:
    raise HTTPError(status, message)


def _reject_constant(name: str) -> Any:
    msg = f"{name} is not JSON"
    raise ValueError(msg)


def _check_depth(value: Any) -> None:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > MAX_DEPTH:
            fail(400, f"invalid JSON: nested deeper than {MAX_DEPTH} levels")
        stack.extend((child, depth + 1) for child in children)


def parse_json(body: bytes | str) -> Any:
    """Strict JSON (no NaN/Infinity, bounded nesting); :class:`HTTPError` 400 otherwise."""
    try:
        value = json.loads(body, parse_constant=_reject_constant)
    except RecursionError:
        fail(400, f"invalid JSON: nested deeper than {MAX_DEPTH} levels")
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        fail(400, f"invalid JSON: {exc}")
    _check_depth(value)
    return value


async def read_json(request: Request, limit: int) -> Any:
    """The request's JSON body: 413 past *limit* bytes, 400 when it is not JSON."""
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        fail(413, f"request body is larger than {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            fail(413, f"request body is larger than {limit} bytes")
    if not body:
        fail(400, "invalid JSON: the request body is empty")
    return parse_json(bytes(body))


def json_response(content: Any, status: int = 200) -> Response:
    return JSONResponse(content, status_code=status)


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """The error body every route uses: ``{"status": "error", "error": message}``."""
    return JSONResponse({"status": "error", "error": message}, status_code=status, headers=headers)
