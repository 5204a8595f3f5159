"""Python clients of the context server (Framework0's ``orchestrator.context_client``).

``ContextClient`` is blocking, ``AsyncContextClient`` its asyncio twin; both
use httpx with keep-alive, and the server's native WebSocket for live
events (``watch()``, ``on(event, handler)``). The method names, defaults and
error classes are Framework0's (server.md §2)::

    from f0_server.client import ContextClient

    with ContextClient(port=8080) as client:
        client.set("threshold", 5)
        client.get("threshold")         # 5; None for a missing key
        for event in client.watch("steps."):
            print(event["key"], event["value"])

``ConnectionError`` and ``TimeoutError`` shadow the builtins inside this
module, as they did in Framework0; both derive from ``ContextClientError``.
The token comes from ``token=`` or the ``F0_TOKEN`` environment variable.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import inspect
import json
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from typing import Any, Self
from urllib.parse import quote, urlencode, urlsplit

import httpx

__all__ = [
    "DUMP_FORMATS",
    "AsyncContextClient",
    "AuthenticationError",
    "ConnectionError",
    "ContextClient",
    "ContextClientError",
    "NotFoundError",
    "ServerError",
    "TimeoutError",
]

DUMP_FORMATS = ("json", "pretty", "csv", "txt")


class ContextClientError(Exception):
    """Base class of every client error."""


class ConnectionError(ContextClientError):  # noqa: A001 - Framework0's name
    """The server could not be reached."""


class TimeoutError(ContextClientError):  # noqa: A001 - Framework0's name
    """The request took longer than the client's ``timeout``."""


class ServerError(ContextClientError):
    """The server answered with an error status (or ``{"status": "error"}``)."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class NotFoundError(ServerError):
    """404: no such key (new API), dump or route."""


class AuthenticationError(ServerError):
    """401: the server wants a (different) bearer token."""


def _base_url(url: str | None, host: str, port: int) -> str:
    if url:
        if "://" not in url:
            url = "http://" + url
        return url.rstrip("/")
    return f"http://{host}:{port}"


def _ws_url(base: str, path: str, params: list[tuple[str, str]]) -> str:
    parts = urlsplit(base)
    scheme = "wss" if parts.scheme == "https" else "ws"
    query = f"?{urlencode(params)}" if params else ""
    return f"{scheme}://{parts.netloc}{parts.path}{path}{query}"


def _watch_params(
    prefix: str | Iterable[str] | None, events: Iterable[str], snapshot: bool
) -> list[tuple[str, str]]:
    prefixes = [prefix] if isinstance(prefix, str) else list(prefix or [])
    params = [("prefix", p) for p in prefixes if p]
    params.append(("events", ",".join(events)))
    if not snapshot:
        params.append(("snapshot", "0"))
    return params


def _check_format(format_type: str) -> None:
    if format_type not in DUMP_FORMATS:
        msg = f"invalid dump format {format_type!r}: use one of {', '.join(DUMP_FORMATS)}"
        raise ValueError(msg)


def _raise_for(response: httpx.Response) -> None:
    if response.status_code < 400:  # noqa: PLR2004
        return
    try:
        message = response.json().get("error") or response.text
    except (ValueError, AttributeError):
        message = response.text
    text = (
        f"{response.status_code} {response.request.method} {response.request.url.path}: {message}"
    )
    if response.status_code == 404:  # noqa: PLR2004
        raise NotFoundError(text, status=404)
    if response.status_code == 401:  # noqa: PLR2004
        raise AuthenticationError(text, status=401)
    raise ServerError(text, status=response.status_code)


def _body(response: httpx.Response) -> Any:
    _raise_for(response)
    if response.headers.get("content-type", "").startswith("application/json"):
        data = response.json()
        if isinstance(data, dict) and data.get("status") == "error":
            raise ServerError(str(data.get("error")), status=response.status_code)
        return data
    return response.text


class _Base:
    def __init__(
        self,
        *,
        host: str,
        port: int,
        timeout: float,
        who: str,
        url: str | None,
        token: str | None,
    ) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout
        self.who = who
        self.base_url = _base_url(url, host, port)
        self.token = token if token is not None else (os.environ.get("F0_TOKEN") or None)

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


class ContextClient(_Base):
    """Blocking client: one keep-alive connection pool (close it, or use ``with``)."""

    def __init__(
        self,
        host: str = "localhost",
        port: int = 8080,
        timeout: float = 10.0,
        who: str = "python_client",
        *,
        url: str | None = None,
        token: str | None = None,
    ) -> None:
        super().__init__(host=host, port=port, timeout=timeout, who=who, url=url, token=token)
        self._http = httpx.Client(
            base_url=self.base_url, timeout=timeout, headers=self._headers(), trust_env=False
        )

    # -- plumbing ----------------------------------------------------------
    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            msg = f"request to {self.base_url}{path} timed out after {self.timeout}s"
            raise TimeoutError(msg) from exc
        except httpx.TransportError as exc:
            msg = f"cannot connect to the context server at {self.base_url}: {exc}"
            raise ConnectionError(msg) from exc
        return _body(response)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- Framework0's API ----------------------------------------------------
    def get(self, key: str) -> Any:
        """The value of *key*, or None when it does not exist."""
        return self._call("GET", "/ctx", params={"key": key})["value"]

    def set(self, key: str, value: Any) -> bool:
        """Set *key* to *value* (as this client's ``who``); True once acknowledged."""
        self._call("POST", "/ctx", json={"key": key, "value": value, "who": self.who})
        return True

    def list_all(self) -> dict[str, Any]:
        """Every key and value."""
        return self._call("GET", "/ctx/all")  # type: ignore[no-any-return]

    def get_history(
        self,
        key: str | None = None,
        who: str | None = None,
        *,
        prefix: str | None = None,
        since: int | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """History entries (oldest first), filtered by *key*, *who*, *prefix*, ``seq > since``."""
        params = {"key": key, "who": who, "prefix": prefix, "since": since, "limit": limit}
        return self._call(  # type: ignore[no-any-return]
            "GET", "/ctx/history", params={k: v for k, v in params.items() if v is not None}
        )

    def get_status(self) -> dict[str, Any]:
        return self._call("GET", "/status")  # type: ignore[no-any-return]

    def ping(self) -> bool:
        """True when the server answers ``/status``; never raises."""
        try:
            self.get_status()
        except ContextClientError:
            return False
        return True

    def dump_context(
        self, format_type: str = "json", filename: str | None = None, include_history: bool = False
    ) -> dict[str, Any]:
        """Ask the server to write a dump file; ``ValueError`` for an unknown format."""
        _check_format(format_type)
        body: dict[str, Any] = {"format": format_type, "include_history": include_history}
        if filename:
            body["filename"] = filename
        return self._call("POST", "/ctx/dump", json=body)  # type: ignore[no-any-return]

    def list_dumps(self) -> dict[str, Any]:
        return self._call("GET", "/ctx/dumps")  # type: ignore[no-any-return]

    def download_dump(self, filename: str) -> str:
        """A dump file's text; ``FileNotFoundError`` when there is none of that name."""
        try:
            return str(self._call("GET", f"/ctx/dumps/{quote(filename, safe='')}"))
        except NotFoundError as exc:
            raise builtins.FileNotFoundError(filename) from exc

    # -- beyond Framework0 ---------------------------------------------------
    def require(self, key: str) -> Any:
        """The value of *key*; :class:`NotFoundError` when it does not exist."""
        return self._call("GET", f"/api/ctx/{quote(key, safe='')}")["value"]

    def delete(self, key: str) -> bool:
        """Remove *key*; False when it did not exist."""
        try:
            self._call("DELETE", f"/api/ctx/{quote(key, safe='')}", params={"who": self.who})
        except NotFoundError:
            return False
        return True

    def keys(self, prefix: str | None = None) -> list[str]:
        params = {"prefix": prefix} if prefix else {}
        return self._call("GET", "/api/keys", params=params)["keys"]  # type: ignore[no-any-return]

    def update(self, changes: dict[str, Any], removed: Iterable[str] = ()) -> list[str]:
        """Apply *changes* and *removed* as one atomic batch; return the keys that changed."""
        body = {"changes": changes, "removed": list(removed), "who": self.who}
        return self._call("POST", "/api/ctx", json=body)["changed"]  # type: ignore[no-any-return]

    def snapshot(self) -> dict[str, Any]:
        return self._call("GET", "/snapshot")  # type: ignore[no-any-return]

    def patch(self, changes: dict[str, Any]) -> int:
        """Memory-bus patch (last write wins); the number of keys sent."""
        result = self._call("POST", "/patch", json=changes, params={"who": self.who})
        return int(result["applied"])

    def render_dump(self, format_type: str = "json", include_history: bool = False) -> str:
        """A dump's text, written nowhere."""
        _check_format(format_type)
        params = {"format": format_type, "include_history": "1" if include_history else "0"}
        response = self._call("GET", "/ctx/dump", params=params)
        return response if isinstance(response, str) else json.dumps(response)

    def runs(self) -> list[dict[str, Any]]:
        return self._call("GET", "/api/runs")["runs"]  # type: ignore[no-any-return]

    def watch(
        self,
        prefix: str | Iterable[str] | None = None,
        *,
        events: Iterable[str] = ("context",),
        snapshot: bool = False,
        timeout: float | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Yield live events (``context_updated`` for keys under *prefix*...) until closed.

        *events*: ``"context"`` and/or ``"runs"``. With *snapshot*, the first
        message is the ``context_snapshot``. *timeout*: seconds without a
        message before :class:`TimeoutError` (None: wait forever).
        """
        from websockets.exceptions import ConnectionClosed, InvalidHandshake
        from websockets.sync.client import connect

        url = _ws_url(self.base_url, "/ws", _watch_params(prefix, events, snapshot))
        try:
            ws = connect(url, additional_headers=self._headers(), open_timeout=self.timeout)
        except (OSError, InvalidHandshake) as exc:
            msg = f"cannot open the event stream at {url}: {exc}"
            raise ConnectionError(msg) from exc
        with ws:
            while True:
                try:
                    text = ws.recv(timeout=timeout)
                except builtins.TimeoutError as exc:
                    msg = f"no event for {timeout}s"
                    raise TimeoutError(msg) from exc
                except ConnectionClosed as exc:
                    if exc.rcvd is not None and exc.rcvd.code == 1008:  # noqa: PLR2004
                        raise AuthenticationError(exc.rcvd.reason, status=401) from exc
                    if exc.rcvd is not None and exc.rcvd.code not in (1000, 1001):
                        msg = f"event stream closed: {exc.rcvd.code} {exc.rcvd.reason}"
                        raise ServerError(msg) from exc
                    return
                yield json.loads(text)


Handler = Callable[[Any], Any] | Callable[[Any], Awaitable[Any]]


class AsyncContextClient(_Base):
    """The asyncio client: the same calls as :class:`ContextClient`, awaited, plus ``on()``."""

    def __init__(
        self,
        host: str = "localhost",
        port: int = 8080,
        who: str = "async_python_client",
        *,
        timeout: float = 10.0,
        url: str | None = None,
        token: str | None = None,
    ) -> None:
        super().__init__(host=host, port=port, timeout=timeout, who=who, url=url, token=token)
        self._http = httpx.AsyncClient(
            base_url=self.base_url, timeout=timeout, headers=self._headers(), trust_env=False
        )
        self._handlers: dict[str, list[Handler]] = {}
        self._listener: asyncio.Task[None] | None = None

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = await self._http.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            msg = f"request to {self.base_url}{path} timed out after {self.timeout}s"
            raise TimeoutError(msg) from exc
        except httpx.TransportError as exc:
            msg = f"cannot connect to the context server at {self.base_url}: {exc}"
            raise ConnectionError(msg) from exc
        return _body(response)

    async def close(self) -> None:
        await self.disconnect()
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def get(self, key: str) -> Any:
        return (await self._call("GET", "/ctx", params={"key": key}))["value"]

    async def set(self, key: str, value: Any) -> bool:
        await self._call("POST", "/ctx", json={"key": key, "value": value, "who": self.who})
        return True

    async def list_all(self) -> dict[str, Any]:
        return await self._call("GET", "/ctx/all")  # type: ignore[no-any-return]

    async def get_history(
        self, key: str | None = None, who: str | None = None, **filters: Any
    ) -> list[dict[str, Any]]:
        params = {"key": key, "who": who, **filters}
        return await self._call(  # type: ignore[no-any-return]
            "GET", "/ctx/history", params={k: v for k, v in params.items() if v is not None}
        )

    async def get_status(self) -> dict[str, Any]:
        return await self._call("GET", "/status")  # type: ignore[no-any-return]

    async def ping(self) -> bool:
        try:
            await self.get_status()
        except ContextClientError:
            return False
        return True

    async def dump_context(
        self, format_type: str = "json", filename: str | None = None, include_history: bool = False
    ) -> dict[str, Any]:
        _check_format(format_type)
        body: dict[str, Any] = {"format": format_type, "include_history": include_history}
        if filename:
            body["filename"] = filename
        return await self._call("POST", "/ctx/dump", json=body)  # type: ignore[no-any-return]

    async def list_dumps(self) -> dict[str, Any]:
        return await self._call("GET", "/ctx/dumps")  # type: ignore[no-any-return]

    async def download_dump(self, filename: str) -> str:
        try:
            return str(await self._call("GET", f"/ctx/dumps/{quote(filename, safe='')}"))
        except NotFoundError as exc:
            raise builtins.FileNotFoundError(filename) from exc

    async def require(self, key: str) -> Any:
        return (await self._call("GET", f"/api/ctx/{quote(key, safe='')}"))["value"]

    async def delete(self, key: str) -> bool:
        try:
            await self._call("DELETE", f"/api/ctx/{quote(key, safe='')}", params={"who": self.who})
        except NotFoundError:
            return False
        return True

    async def keys(self, prefix: str | None = None) -> list[str]:
        params = {"prefix": prefix} if prefix else {}
        return (await self._call("GET", "/api/keys", params=params))["keys"]  # type: ignore[no-any-return]

    async def update(self, changes: dict[str, Any], removed: Iterable[str] = ()) -> list[str]:
        body = {"changes": changes, "removed": list(removed), "who": self.who}
        return (await self._call("POST", "/api/ctx", json=body))["changed"]  # type: ignore[no-any-return]

    # -- live events -----------------------------------------------------------
    def on(self, event_type: str, handler: Handler) -> None:
        """Call *handler(payload)* for *event_type* (``connect``, ``disconnect``,
        ``context_updated``, ``context_snapshot``, ``step_finished``...); sync or async."""
        self._handlers.setdefault(event_type, []).append(handler)

    async def watch(
        self,
        prefix: str | Iterable[str] | None = None,
        *,
        events: Iterable[str] = ("context",),
        snapshot: bool = False,
    ) -> AsyncIterator[dict[str, Any]]:
        """Yield live events until the server closes the stream."""
        from websockets.asyncio.client import connect
        from websockets.exceptions import ConnectionClosed, InvalidHandshake

        url = _ws_url(self.base_url, "/ws", _watch_params(prefix, events, snapshot))
        try:
            ws = await connect(url, additional_headers=self._headers(), open_timeout=self.timeout)
        except (OSError, InvalidHandshake) as exc:
            msg = f"cannot open the event stream at {url}: {exc}"
            raise ConnectionError(msg) from exc
        async with ws:
            while True:
                try:
                    text = await ws.recv()
                except ConnectionClosed as exc:
                    if exc.rcvd is not None and exc.rcvd.code == 1008:  # noqa: PLR2004
                        raise AuthenticationError(exc.rcvd.reason, status=401) from exc
                    return
                yield json.loads(text)

    async def connect(self, prefix: str | Iterable[str] | None = None) -> None:
        """Start dispatching live events to the ``on()`` handlers (in a background task)."""
        if self._listener is not None and not self._listener.done():
            return
        ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._listener = asyncio.create_task(self._listen(prefix, ready))
        await ready

    async def disconnect(self) -> None:
        """Stop dispatching events."""
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, ContextClientError):
                await self._listener
            self._listener = None

    async def _listen(self, prefix: Any, ready: asyncio.Future[None]) -> None:
        try:
            stream = self.watch(prefix, events=("context", "runs"), snapshot=True)
            async for event in stream:
                if not ready.done():
                    ready.set_result(None)
                    await self._dispatch("connect", {"base_url": self.base_url})
                await self._dispatch(event.get("type", "message"), event)
        except ContextClientError as exc:
            if not ready.done():
                ready.set_exception(exc)
                return
        finally:
            if not ready.done():
                ready.set_result(None)
            await self._dispatch("disconnect", {"base_url": self.base_url})

    async def _dispatch(self, event_type: str, payload: Any) -> None:
        for handler in self._handlers.get(event_type, []):
            result = handler(payload)
            if inspect.isawaitable(result):
                await result
