"""Steps of the http example: a tiny local API, started inside the run.

``start_api`` serves on a free 127.0.0.1 port from a daemon thread of the
``f0 run`` process (it ends with the run) and writes its URL to the context,
so the recipe needs nothing running beforehand:

``POST /token``       OAuth2 client credentials (client ``demo``, secret ``demo-secret``)
``GET  /items``       the item list, with a valid token only
``GET  /flaky``       503 on the first call, then 200 (retries at work)
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_TOKENS: set[str] = set()
_CALLS = {"flaky": 0}
_CLIENT = base64.b64encode(b"demo:demo-secret").decode()


class _Api(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Quiet."""

    def _send(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path != "/token" or self.headers.get("Authorization") != f"Basic {_CLIENT}":
            self._send(401, {"error": "invalid_client"})
            return
        token = secrets.token_hex(8)
        _TOKENS.add(token)
        self._send(200, {"access_token": token, "token_type": "bearer", "expires_in": 600})

    def do_GET(self) -> None:
        if self.path == "/flaky":
            _CALLS["flaky"] += 1
            self._send(503 if _CALLS["flaky"] == 1 else 200, {"call": _CALLS["flaky"]})
        elif self.path == "/items":
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            if token in _TOKENS:
                self._send(200, [{"id": 1, "name": "widget"}, {"id": 2, "name": "gadget"}])
            else:
                self._send(401, {"error": "unauthorized"})
        else:
            self._send(404, {"error": "not found"})


def start_api(context, params):
    """Serve the API on a free port; write its base URL to ``api.url``."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Api)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]
    context.set("api.url", f"http://{host}:{port}")
    return 0


def summarize(context, params):
    """Count the items the http step fetched."""
    items = context.get("items.result")["body"]
    context.set("report.item_names", [item["name"] for item in items])
    return 0
