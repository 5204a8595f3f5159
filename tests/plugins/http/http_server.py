"""A real HTTP API on 127.0.0.1 for the http plugin's tests (standard library server).

Endpoints:
``/echo``            the request as JSON (method, path, query, headers, body)
``/token``           OAuth2 client-credentials token endpoint (client ``demo``/``s3cret``)
``/secure``          200 only with a token ``/token`` issued (or ``Bearer static-token``)
``/flaky/<id>/<n>``  503 for the first *n* calls of *id*, then 200
``/status/<code>``   answers that status
``/notjson``         claims JSON, sends something else
"""

from __future__ import annotations

import base64
import json
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

CLIENT_ID = "demo"
CLIENT_SECRET = "s3cret"
STATIC_TOKEN = "static-token"


class ApiServer:
    """Start with :meth:`start`, stop with :meth:`stop`; counts every request by path."""

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.flaky: Counter[str] = Counter()
        self.tokens: list[str] = []
        self.revoked: set[str] = set()
        self.lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> ApiServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def issue_token(self) -> str:
        with self.lock:
            token = f"tok-{len(self.tokens) + 1}"
            self.tokens.append(token)
            return token

    def token_ok(self, header: str) -> bool:
        token = header.removeprefix("Bearer ")
        with self.lock:
            return token == STATIC_TOKEN or (token in self.tokens and token not in self.revoked)


def _handler(api: ApiServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            """Quiet: tests read the counters instead."""

        def _send(self, status: int, body: Any, content_type: str = "application/json") -> None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def _body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _route(self) -> None:
            parts = urlsplit(self.path)
            path = parts.path
            with api.lock:
                api.hits[path] += 1
            body = self._body()
            if path == "/echo":
                self._send(
                    200,
                    {
                        "method": self.command,
                        "path": path,
                        "query": {k: v[0] for k, v in parse_qs(parts.query).items()},
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": body.decode(),
                    },
                )
            elif path == "/token":
                self._token(body)
            elif path == "/secure":
                if api.token_ok(self.headers.get("Authorization", "")):
                    self._send(200, {"secret": "data"})
                else:
                    self._send(401, {"error": "unauthorized"})
            elif path.startswith("/flaky/"):
                _, _, key, n = path.split("/")
                with api.lock:
                    api.flaky[key] += 1
                    count = api.flaky[key]
                if count <= int(n):
                    self._send(503, {"error": "try again", "call": count})
                else:
                    self._send(200, {"ok": True, "call": count})
            elif path.startswith("/status/"):
                self._send(int(path.rsplit("/", 1)[1]), {"status": path})
            elif path == "/notjson":
                self._send(200, b"<html>not json</html>")
            else:
                self._send(404, {"error": "no such path"})

        def _token(self, body: bytes) -> None:
            expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            if self.command != "POST" or form.get("grant_type") != "client_credentials":
                self._send(400, {"error": "unsupported_grant_type"})
            elif self.headers.get("Authorization") != f"Basic {expected}":
                self._send(401, {"error": "invalid_client"})
            else:
                self._send(
                    200,
                    {"access_token": api.issue_token(), "token_type": "bearer", "expires_in": 3600},
                )

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _route  # noqa: N815

    return Handler
