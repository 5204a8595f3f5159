"""What analytics adds to f0's server (``f0_http_endpoints``): metrics and run reports.

* ``/metrics``: the same text as ``f0 metrics`` (Prometheus exposition
  format, ``?last=N`` runs, default 1000);
* ``/reports``: the stored runs, newest first, each linked to its report;
* ``/reports/{run_id}``: the same page as ``f0 report RUN_ID`` (``last`` or
  a unique id prefix work too).

Each request opens the run store, reads and closes it: the server never
holds the store while ``f0 run`` writes to it. A store file that does not
exist yet is not created by reading it.
"""

from __future__ import annotations

import contextlib
import html
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from f0 import F0Error, HttpEndpoint, HttpRequest, HttpResponse

if TYPE_CHECKING:
    from f0 import RunStore

__all__ = ["DEFAULT_LAST", "INDEX_LIMIT", "MAX_LAST", "endpoints"]

#: Runs ``/metrics`` covers unless ``?last=N`` says otherwise (as ``f0 metrics``).
DEFAULT_LAST = 1000
#: The most runs ``?last=N`` may ask for.
MAX_LAST = 1_000_000
#: Runs listed on ``/reports``.
INDEX_LIMIT = 200
_HTML = "text/html; charset=utf-8"
#: Reports and the index are self-contained: nothing may be loaded from elsewhere.
_PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'unsafe-inline'; "
    "style-src 'unsafe-inline'; img-src data:",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _error(status: int, message: str) -> HttpResponse:
    return HttpResponse(body=message + "\n", status=status)


def _last(request: HttpRequest) -> int | HttpResponse:
    raw = request.query.get("last", "")
    if not raw:
        return DEFAULT_LAST
    # The length check first: int() of thousands of digits is slow, then refused.
    if len(raw) > len(str(MAX_LAST)) or not raw.isdigit() or not 1 <= int(raw) <= MAX_LAST:
        return _error(400, f"last must be a whole number from 1 to {MAX_LAST}, not {raw[:20]!r}")
    return int(raw)


class _Store:
    """Opens the server's run store per request (see the module docstring)."""

    def __init__(self, url: str, opener: Callable[[str], RunStore]) -> None:
        self.url = url
        self._open = opener

    @contextlib.contextmanager
    def open(self) -> Iterator[RunStore | None]:
        from f0_analytics._db import sqlite_file

        file = sqlite_file(self.url)
        if file is not None and not file.exists():
            yield None
            return
        store = self._open(self.url)
        try:
            yield store
        finally:
            store.close()

    @contextlib.contextmanager
    def analytics(self) -> Iterator[Any]:
        from f0_analytics._db import analytics_path
        from f0_analytics._history import open_analytics

        db = open_analytics(analytics_path(self.url))
        try:
            yield db
        finally:
            if db is not None:
                db.close()

    # -- handlers ------------------------------------------------------------
    def metrics(self, request: HttpRequest) -> HttpResponse:
        """``GET /metrics``."""
        from prometheus_client import CONTENT_TYPE_LATEST

        from f0_analytics._prom import exposition

        last = _last(request)
        if isinstance(last, HttpResponse):
            return last
        with self.open() as store:
            if store is None:
                text = exposition(None, analytics=None, last=last)
            else:
                with self.analytics() as db:
                    text = exposition(store, analytics=db, last=last)
        return HttpResponse(body=text, content_type=CONTENT_TYPE_LATEST)

    def report(self, request: HttpRequest) -> HttpResponse:
        """``GET /reports/{run_id}``."""
        from f0_analytics._report import build_report

        ref = request.path_params.get("run_id", "")
        with self.open() as store:
            if store is None:
                return _error(404, f"no run {ref!r}: the store {self.url} has no runs yet")
            try:
                run_id = store.resolve_run(ref)
            except F0Error as exc:
                return _error(404, str(exc))
            record = store.get_run(run_id)
            if record is None:
                return _error(404, f"no run {ref!r} in {self.url}")
            with self.analytics() as db:
                page = build_report(store, record, analytics=db)
        return HttpResponse(body=page, content_type=_HTML, headers=_PAGE_HEADERS)

    def index(self, request: HttpRequest) -> HttpResponse:
        """``GET /reports``: one page listing the runs, each linked to its report."""
        with self.open() as store:
            runs = store.list_runs(limit=INDEX_LIMIT) if store is not None else []
        token = request.query.get("access_token")
        suffix = "?" + urlencode({"access_token": token}) if token else ""
        rows = []
        for run in runs:
            when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(run.started_at))
            took = (
                f"{run.finished_at - run.started_at:.2f} s" if run.finished_at is not None else ""
            )
            href = f"reports/{quote(run.run_id, safe='')}{suffix}"
            rows.append(
                f'<tr data-run="{html.escape(run.run_id)}">'
                f'<td><a href="{html.escape(href)}">{html.escape(run.run_id)}</a></td>'
                f"<td>{html.escape(run.recipe_name)}</td>"
                f'<td class="s-{html.escape(run.status.value)}">{html.escape(run.status.value)}</td>'
                f"<td>{when}</td><td>{took}</td>"
                f"<td>{run.steps_completed}/{run.steps_total}</td></tr>"
            )
        body = "\n".join(rows) or '<tr><td colspan="6">no runs recorded yet</td></tr>'
        page = _INDEX.format(store=html.escape(self.url), rows=body, count=len(runs))
        return HttpResponse(body=page, content_type=_HTML, headers=_PAGE_HEADERS)


_INDEX = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>f0 run reports</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font: 14px/1.45 system-ui, sans-serif; margin: 24px; color: #1d2330; }}
h1 {{ font-size: 20px; margin: 0 0 4px; }} .muted {{ color: #6b7385; }}
table {{ border-collapse: collapse; margin-top: 14px; min-width: 60%; }}
th, td {{ text-align: left; padding: 5px 12px; border-bottom: 1px solid #e3e6ee; }}
th {{ color: #6b7385; font-weight: 600; }} a {{ color: #2f74d0; }}
.s-COMPLETED {{ color: #1f9d55; }} .s-FAILED, .s-CRASHED {{ color: #d64545; }}
.s-PARTIAL, .s-CANCELLED {{ color: #b7791f; }} .s-RUNNING {{ color: #2f74d0; }}
</style></head>
<body>
<h1>Run reports</h1>
<div class="muted">{count} newest runs of {store}</div>
<table id="runs"><thead><tr><th>run</th><th>recipe</th><th>status</th><th>started</th>
<th>duration</th><th>steps done</th></tr></thead>
<tbody>
{rows}
</tbody></table>
</body></html>
"""


def endpoints(run_store: str, open_run_store: Callable[[str], RunStore]) -> list[HttpEndpoint]:
    """The endpoints over the run store at *run_store*."""
    store = _Store(run_store, open_run_store)
    return [
        HttpEndpoint(path="/metrics", handler=store.metrics, title="Metrics"),
        HttpEndpoint(path="/reports", handler=store.index, title="Reports"),
        HttpEndpoint(path="/reports/{run_id}", handler=store.report, title="report", run_link=True),
    ]
