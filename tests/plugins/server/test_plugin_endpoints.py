"""Pages other plugins add to a real ``f0 serve`` (``f0_http_endpoints``): analytics' metrics and reports.

Two real runs are recorded in a SQLite run store; the server is pointed at it
with ``--run-store`` and read over HTTP. The plugins never import each other:
the server lists and mounts what the kernel hook hands it.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import httpx
import pytest
from f0 import HttpEndpoint, HttpRequest, HttpResponse, PluginError
from f0_server import ServerConfig, create_app
from prometheus_client.parser import text_string_to_metric_families

from .conftest import F0

RECIPES = {
    "ok.yaml": """
metadata: {name: nightly}
steps:
  - {name: fetch, idx: 1, type: shell, command: "echo fetched"}
  - {name: load, idx: 2, type: shell, command: "echo loaded", depends_on: [fetch]}
""",
    "bad.yaml": """
metadata: {name: broken}
steps:
  - {name: fetch, idx: 1, type: shell, command: "exit 4"}
  - {name: load, idx: 2, type: shell, command: "echo never", depends_on: [fetch]}
""",
}


def _f0(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("F0_")}
    return subprocess.run(
        [str(F0), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, dict[str, str]]:
    """A project with one completed and one failed run: (folder, store URL, run id by recipe)."""
    project = tmp_path_factory.mktemp("pages")
    url = f"sqlite:///{project / 'runs.db'}"
    ids = {}
    for name, text in RECIPES.items():
        (project / name).write_text(text.lstrip(), encoding="utf-8")
        done = _f0("run", name, "--store", url, "--json", "--quiet", cwd=project)
        assert done.returncode == (0 if name == "ok.yaml" else 1), done.stderr
        ids[name] = json.loads(done.stdout)["run_id"]
    return project, url, ids


def test_metrics_and_reports_over_http(start_server, recorded) -> None:
    project, url, ids = recorded
    server = start_server("--store", "memory://", "--run-store", url)
    with server.client() as http:
        listed = http.get("/api/endpoints").json()["endpoints"]
        assert {(e["path"], e["plugin"], e["run_link"]) for e in listed} >= {
            ("/metrics", "analytics", False),
            ("/reports", "analytics", False),
            ("/reports/{run_id}", "analytics", True),
        }

        metrics = http.get("/metrics")
        assert metrics.status_code == 200
        assert metrics.headers["content-type"].startswith("text/plain; version=")
        families = {f.name: f for f in text_string_to_metric_families(metrics.text)}
        runs = {
            (s.labels["recipe"], s.labels["status"]): s.value for s in families["f0_runs"].samples
        }
        assert runs == {("nightly", "COMPLETED"): 1.0, ("broken", "FAILED"): 1.0}
        steps = {
            (s.labels["recipe"], s.labels["step"], s.labels["status"])
            for s in families["f0_step_runs"].samples
        }
        assert ("broken", "load", "SKIPPED") in steps
        assert ("nightly", "load", "COMPLETED") in steps
        # The same text as `f0 metrics` over the same store.
        assert metrics.text == _f0("metrics", "--store", url, cwd=project).stdout
        newest = text_string_to_metric_families(http.get("/metrics?last=1").text)
        assert sum(s.value for f in newest if f.name == "f0_runs" for s in f.samples) == 1.0
        bad = http.get("/metrics?last=0")
        assert bad.status_code == 400
        assert "last must be a whole number" in bad.text

        index = http.get("/reports")
        assert index.status_code == 200
        assert index.headers["content-type"].startswith("text/html")
        for run_id in ids.values():
            assert f'href="reports/{run_id}"' in index.text

        report = http.get(f"/reports/{ids['bad.yaml']}")
        assert report.status_code == 200
        assert "<html" in report.text
        assert ids["bad.yaml"] in report.text
        assert "exit code 4" in report.text
        assert ids["bad.yaml"] in http.get("/reports/last").text  # the newest run
        missing = http.get("/reports/nosuchrun")
        assert missing.status_code == 404
        assert "nosuchrun" in missing.text


def test_plugin_pages_need_the_token_and_do_not_create_a_store(start_server, tmp_path) -> None:
    never = tmp_path / "never" / "runs.db"
    server = start_server(
        "--store", "memory://", "--run-store", f"sqlite:///{never}", "--token", "s3cret"
    )
    with server.client() as http:
        assert http.get("/metrics").status_code == 401
        assert http.get("/reports").status_code == 401
        auth = {"Authorization": "Bearer s3cret"}
        metrics = http.get("/metrics", headers=auth)
        assert metrics.status_code == 200
        families = {f.name: f for f in text_string_to_metric_families(metrics.text)}
        assert families["f0_runs"].samples == []
        index = http.get("/reports", params={"access_token": "s3cret"})
        assert "no runs recorded yet" in index.text
    assert not never.exists()


def _boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("the plugin broke on " + request.path)


def test_a_clashing_path_is_refused_and_a_failing_handler_is_one_error() -> None:
    clash = HttpEndpoint(path="/status", handler=_boom)
    with pytest.raises(PluginError, match="'mine' adds the path /status"):
        create_app(ServerConfig(store_url="memory://", endpoints=(("mine", clash),)))
    twice = (
        ("a", HttpEndpoint(path="/x", handler=_boom)),
        ("b", HttpEndpoint(path="/x", handler=_boom)),
    )
    with pytest.raises(PluginError, match="'b' adds the path /x, which a serves already"):
        create_app(ServerConfig(store_url="memory://", endpoints=twice))

    app = create_app(ServerConfig(store_url="memory://", endpoints=twice[:1], socketio=False))
    transport = httpx.ASGITransport(app=app)

    async def get() -> httpx.Response:
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            return await client.get("/x")

    import asyncio

    reply = asyncio.run(get())
    assert reply.status_code == 500
    assert reply.json() == {
        "status": "error",
        "error": "a: /x: RuntimeError: the plugin broke on /x",
    }
