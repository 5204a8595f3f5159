"""Framework0's minimal HTTP memory bus: ``MemoryBusServer`` and ``MemoryBusClient``.

The server keeps one :class:`f0_compat.context.Context`; ``GET /snapshot``
returns all of it as a JSON object and ``POST /patch`` (a JSON object of
key → value) applies it, last write wins. The client fetches, pushes and
syncs a local context. Standard library HTTP (``http.server``, ``urllib``):
the full context server with WebSockets is ``f0 server``'s job.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

import f0

from f0_compat.context import Context

__all__ = ["MemoryBusClient", "MemoryBusServer"]

_MAX_BODY = 64 * 1024 * 1024


class MemoryBusServer:
    """Serves one :class:`Context` over HTTP (``GET /snapshot``, ``POST /patch``).

    ``port=0`` picks a free port (see :attr:`port` after :meth:`start`).
    Binds 127.0.0.1 unless told otherwise.
    """

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, context: Context | None = None
    ) -> None:
        self.context = context if context is not None else Context()
        self._httpd = ThreadingHTTPServer((host, port), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        """The address the server is bound to."""
        return str(self._httpd.server_address[0])

    @property
    def port(self) -> int:
        """The port the server listens on."""
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """``http://host:port``."""
        return f"http://{self.host}:{self.port}"

    def get_snapshot(self) -> dict[str, Any]:
        """All data of the master context."""
        return self.context.to_dict()

    def apply_patch(self, patch: dict[str, Any], who: str = "memory_bus") -> int:
        """Apply key → value pairs (last write wins); return how many keys changed.

        ``ValueError`` if *patch* is not a JSON object of JSON values (nothing applied).
        """
        if not isinstance(patch, dict):
            msg = f"a patch must be a JSON object, not {type(patch).__name__}"
            raise ValueError(msg)  # noqa: TRY004 - the HTTP API reports it as a 400
        normalized = {k: f0.normalize_value(k, v) for k, v in patch.items()} if patch else {}
        return len(self.context.apply_changes(normalized, who=who))

    def start(self) -> Self:
        """Serve in a daemon thread; return self."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever, name="f0-compat-memory-bus", daemon=True
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until :meth:`stop`."""
        self._httpd.serve_forever()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _handler_for(server: MemoryBusServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.split("?", 1)[0] != "/snapshot":
                self._reply(HTTPStatus.NOT_FOUND, {"status": "error", "error": "not found"})
                return
            self._reply(HTTPStatus.OK, server.get_snapshot())

        def do_POST(self) -> None:
            if self.path.split("?", 1)[0] != "/patch":
                self._reply(HTTPStatus.NOT_FOUND, {"status": "error", "error": "not found"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > _MAX_BODY:
                self._reply(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"status": "error"})
                return
            try:
                patch = json.loads(self.rfile.read(length) or b"null")
                applied = server.apply_patch(patch)
            except ValueError as exc:
                self._reply(HTTPStatus.BAD_REQUEST, {"status": "error", "error": str(exc)})
                return
            self._reply(HTTPStatus.OK, {"status": "ok", "applied": applied})

        def _reply(self, status: HTTPStatus, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            """Quiet: no access log on stderr."""

    return Handler


class MemoryBusClient:
    """Talks to a :class:`MemoryBusServer` (or ``f0 server``'s ``/snapshot``, ``/patch``)."""

    def __init__(self, server_url: str, timeout: float = 5.0) -> None:
        if not server_url.startswith(("http://", "https://")):
            msg = f"server_url must start with http:// or https://, not {server_url!r}"
            raise ValueError(msg)
        self.server_url = server_url.rstrip("/")
        self.timeout = timeout
        self._unpushed: list[str] = []

    def fetch_snapshot(self) -> Context | None:
        """The server's data as a new :class:`Context`; None on any error or when empty."""
        try:
            data = self._request("GET", "/snapshot")
        except OSError:
            return None
        if not isinstance(data, dict) or not data:
            return None
        try:
            return Context.from_dict(data)
        except (TypeError, ValueError):
            return None

    def push_patch(self, patch: dict[str, Any]) -> bool:
        """Send key → value pairs; True if the server applied them."""
        try:
            body = json.dumps(patch, allow_nan=False).encode()
        except (TypeError, ValueError):
            return False
        try:
            reply = self._request("POST", "/patch", body)
        except OSError:
            return False
        return isinstance(reply, dict) and reply.get("status") == "ok"

    def sync(self, local_ctx: Context) -> Context:
        """Merge the server's data into *local_ctx*, then push *local_ctx*'s dirty keys.

        Server values win for keys that are not dirty locally; then the keys
        changed locally since the last sync are pushed (keys a failed push
        left behind are pushed again next time). Returns *local_ctx*.
        """
        dirty = list(dict.fromkeys([*self._unpushed, *local_ctx.pop_dirty_keys()]))
        remote = self.fetch_snapshot()
        if remote is not None:
            incoming = {k: v for k, v in remote.to_dict().items() if k not in dirty}
            local_ctx.merge_from(incoming, conflict_strategy="last_wins")
            local_ctx.pop_dirty_keys()  # what came from the server is not a local change
        patch = {k: local_ctx.get(k) for k in dirty if k in local_ctx}
        self._unpushed = [] if not patch or self.push_patch(patch) else list(patch)
        return local_ctx

    def _request(self, method: str, path: str, body: bytes | None = None) -> Any:
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            self.server_url + path,
            data=body,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return json.loads(response.read() or b"null")
        except json.JSONDecodeError as exc:
            raise OSError(str(exc)) from None
        except urllib.error.HTTPError as exc:
            msg = f"HTTP {exc.code}"
            raise OSError(msg) from None
