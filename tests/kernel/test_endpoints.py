"""HTTP endpoints plugins add to f0's server: the model and the ``f0_http_endpoints`` hook."""

from __future__ import annotations

import pytest
from f0 import HttpEndpoint, HttpRequest, HttpResponse, hookimpl
from f0.hooks import DEFAULT_STORE_URL, Hooks
from f0.manager import F0PluginManager


def _ok(request: HttpRequest) -> HttpResponse:
    return HttpResponse(body=f"hello {request.path_params.get('run_id', '')}")


@pytest.mark.parametrize("path", ["/metrics", "/reports/{run_id}", "/a/b.txt", "/x/{n}/y"])
def test_good_paths(path: str) -> None:
    assert HttpEndpoint(path=path, handler=_ok).path == path


@pytest.mark.parametrize("path", ["metrics", "/a//b", "/a?x=1", "/r/{run-id}", "", "/sp ace"])
def test_bad_paths_are_refused(path: str) -> None:
    with pytest.raises(ValueError, match="must be absolute"):
        HttpEndpoint(path=path, handler=_ok)


def test_a_run_link_needs_a_run_id_segment() -> None:
    with pytest.raises(ValueError, match="no \\{run_id\\} segment"):
        HttpEndpoint(path="/reports", handler=_ok, run_link=True)
    assert HttpEndpoint(path="/r/{run_id}", handler=_ok, run_link=True).run_link


def test_request_and_response_copy_their_mappings() -> None:
    query = {"last": "3"}
    request = HttpRequest(path="/m", query=query)
    query["last"] = "4"
    assert request.query == {"last": "3"}
    assert HttpResponse().status == 200


class _Pages:
    def __init__(self) -> None:
        self.seen: list[str] = []

    @hookimpl
    def f0_http_endpoints(self, run_store: str) -> list[HttpEndpoint]:
        self.seen.append(run_store)
        return [HttpEndpoint(path="/pages", handler=_ok, title="Pages")]


class _Nothing:
    @hookimpl
    def f0_http_endpoints(self) -> None:
        return None


def test_the_hook_collects_every_plugins_endpoints(pm: F0PluginManager, hooks: Hooks) -> None:
    pages = _Pages()
    pm.register(pages, name="pages")
    pm.register(_Nothing(), name="nothing")
    found = hooks.http_endpoints()
    assert [(name, e.path, e.title) for name, e in found] == [("pages", "/pages", "Pages")]
    assert pages.seen == [DEFAULT_STORE_URL]
    hooks.http_endpoints("sqlite:///elsewhere.db")
    assert pages.seen[-1] == "sqlite:///elsewhere.db"
