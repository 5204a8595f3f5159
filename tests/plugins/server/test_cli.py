"""``f0 ctx get|set|...`` and ``f0 run --context-server`` as a user runs them (subprocesses)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from .conftest import F0

RECIPE = """
metadata: {name: live-demo}
steps:
  - {name: load, idx: 1, module: steps, function: load}
  - {name: double, idx: 2, module: steps, function: double, depends_on: [load]}
  - {name: fail_maybe, idx: 3, module: steps, function: fail_maybe, depends_on: [double]}
"""

STEPS = """
def load(context, params):
    context.set("data.n", context.get("threshold", 1) * 10)


def double(context, params):
    context.set("data.double", context.get("data.n") * 2)
    context.delete("stale")


def fail_maybe(context, params):
    if context.get("fail"):
        raise RuntimeError("asked to fail")
"""


def f0(*args, cwd=None, env=None, timeout=120):
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    for name in ("F0_TOKEN", "F0_SERVER", "F0_CONTEXT_SERVER", "F0_DEBUG"):
        if name not in (env or {}):
            full_env.pop(name, None)
    return subprocess.run(
        [str(F0), *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "proj"
    root.mkdir()
    (root / "recipe.yaml").write_text(textwrap.dedent(RECIPE).lstrip())
    (root / "steps.py").write_text(textwrap.dedent(STEPS).lstrip())
    return root


def test_ctx_commands(start_server):
    server = start_server("--store", "memory://")
    s = ["--server", server.url]
    assert f0("ctx", "set", "a", "30", *s).stdout == "a = 30\n"
    f0("ctx", "set", "name", "hello world", *s)
    f0("ctx", "set", "obj", '{"x": [1, 2]}', "--who", "me", *s)
    f0("ctx", "set", "num_as_text", "42", "--string", *s)
    assert f0("ctx", "get", "a", *s).stdout == "30\n"
    assert f0("ctx", "get", "name", *s).stdout == "hello world\n"  # strings raw
    assert f0("ctx", "get", "obj", *s).stdout == '{"x": [1, 2]}\n'
    assert json.loads(f0("ctx", "get", "num_as_text", "--json", *s).stdout) == {
        "key": "num_as_text",
        "value": "42",
    }
    missing = f0("ctx", "get", "nope", *s)
    assert missing.returncode == 1
    assert "no key 'nope'" in missing.stderr
    assert f0("ctx", "keys", *s).stdout.split() == ["a", "name", "obj", "num_as_text"]
    assert json.loads(f0("ctx", "keys", "n", "--json", *s).stdout) == ["name", "num_as_text"]
    history = json.loads(f0("ctx", "history", "obj", "--json", *s).stdout)
    assert [(h["who"], h["after"]) for h in history] == [("me", {"x": [1, 2]})]
    text = f0("ctx", "history", *s).stdout
    assert 'obj: null -> {"x": [1, 2]}' in text
    assert f0("ctx", "delete", "a", *s).returncode == 0
    assert f0("ctx", "delete", "a", *s).returncode == 1
    csv_text = f0("ctx", "dump", "--format", "csv", *s).stdout
    assert csv_text.splitlines()[0] == "key,value,type"
    assert 'name,"""hello world""",str' in csv_text.splitlines()
    saved = json.loads(f0("ctx", "dump", "--format", "txt", "--save", "x.txt", "--json", *s).stdout)
    assert saved["filename"] == "x.txt"
    assert f0("ctx", "dump", "--format", "xml", *s).returncode == 2
    assert json.loads(f0("ctx", "status", "--json", *s).stdout)["total_keys"] == 3


def test_ctx_server_and_token_from_the_environment(start_server):
    server = start_server("--store", "memory://", "--token", "tok")
    env = {"F0_SERVER": server.url, "F0_TOKEN": "tok"}
    assert f0("ctx", "set", "k", "1", env=env).returncode == 0
    assert f0("ctx", "get", "k", env=env).stdout == "1\n"
    denied = f0("ctx", "get", "k", env={"F0_SERVER": server.url})
    assert denied.returncode == 2
    assert "401" in denied.stderr
    assert "Traceback" not in denied.stderr


def test_ctx_against_no_server_is_one_line():
    result = f0("ctx", "get", "k", "--server", "http://127.0.0.1:9")
    assert result.returncode == 2
    assert result.stderr.startswith(
        "f0 ctx: cannot connect to the context server at http://127.0.0.1:9"
    )
    assert "Traceback" not in result.stderr


def test_ctx_watch_tails_changes(start_server):
    server = start_server("--store", "memory://")
    proc = subprocess.Popen(
        [str(F0), "ctx", "watch", "w.", "--count", "3", "--json", "--server", server.url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        with server.client() as http:
            deadline = time.monotonic() + 30
            while http.get("/status").json()["connected_clients"] == 0:
                assert time.monotonic() < deadline, "watch never connected"
                time.sleep(0.1)
            http.post("/ctx", json={"key": "other", "value": 0})
            for i in range(3):
                http.post("/ctx", json={"key": "w.k", "value": i, "who": "t"})
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
        proc.communicate()
    assert proc.returncode == 0, err
    assert [json.loads(line)["value"] for line in out.splitlines()] == [0, 1, 2]


def test_run_with_context_server_seeds_and_publishes(start_server, project):
    server = start_server("--store", "sqlite:///ctx.db")
    with server.client() as http:
        http.post("/patch", json={"threshold": 5, "stale": "old"})
    result = f0(
        "run",
        "recipe.yaml",
        "--context-server",
        server.url,
        "--store",
        "none",
        "--json",
        "-q",
        "--set",
        'mode="fast"',
        cwd=project,
    )
    assert result.returncode == 0, result.stderr
    run = json.loads(result.stdout)
    assert run["context"]["data.n"] == 50  # read the server's threshold
    with server.client() as http:
        data = http.get("/ctx/all").json()
        history = http.get("/ctx/history").json()
        (info,) = http.get("/api/runs").json()["runs"]
    assert data["data.n"] == 50
    assert data["data.double"] == 100
    assert "stale" not in data  # the step's removal reached the server
    assert data["steps.double.status"] == "COMPLETED"
    assert data["mode"] == "fast"
    assert data["recipe.name"] == "live-demo"
    who = {h["key"]: h["who"] for h in history}
    assert who["data.n"] == "load"
    assert who["data.double"] == "double"
    assert info["run_id"] == run["run_id"]
    assert info["status"] == "COMPLETED"
    assert {s["name"]: s["status"] for s in info["steps"].values()} == {
        "load": "COMPLETED",
        "double": "COMPLETED",
        "fail_maybe": "COMPLETED",
    }
    assert all(s["duration_s"] is not None for s in info["steps"].values())


def test_a_failed_run_is_reported_failed(start_server, project):
    server = start_server("--store", "memory://")
    with server.client() as http:
        http.post("/ctx", json={"key": "fail", "value": True})
    result = f0(
        "run",
        "recipe.yaml",
        "--store",
        "none",
        "-q",
        cwd=project,
        env={"F0_CONTEXT_SERVER": server.url},
    )
    assert result.returncode == 1
    with server.client() as http:
        (info,) = http.get("/api/runs").json()["runs"]
    assert info["status"] == "FAILED"
    assert info["steps"]["fail_maybe"]["status"] == "FAILED"
    assert "asked to fail" in info["steps"]["fail_maybe"]["error"]


def test_run_with_an_unreachable_server_stops_before_any_step(project):
    result = f0(
        "run",
        "recipe.yaml",
        "--store",
        "none",
        "--context-server",
        "http://127.0.0.1:9",
        cwd=project,
    )
    assert result.returncode == 2
    assert "cannot reach the context server at http://127.0.0.1:9" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_uses_the_token(start_server, project):
    server = start_server("--store", "memory://", "--token", "tok")
    denied = f0(
        "run", "recipe.yaml", "--store", "none", "--context-server", server.url, cwd=project
    )
    assert denied.returncode == 2
    assert "401" in denied.stderr
    ok = f0(
        "run",
        "recipe.yaml",
        "--store",
        "none",
        "--context-server",
        server.url,
        cwd=project,
        env={"F0_TOKEN": "tok"},
    )
    assert ok.returncode == 0, ok.stderr


def test_a_watcher_sees_the_run_live(start_server, project):
    from f0_server.client import ContextClient

    server = start_server("--store", "memory://")
    events: list[dict] = []
    ready = threading.Event()

    def watch():
        with ContextClient(url=server.url) as client:
            for event in client.watch(events=("context", "runs"), snapshot=True, timeout=60):
                ready.set()
                events.append(event)
                if event["type"] == "run_finished":
                    return

    thread = threading.Thread(target=watch)
    thread.start()
    assert ready.wait(30)
    result = f0(
        "run", "recipe.yaml", "--store", "none", "-q", "--context-server", server.url, cwd=project
    )
    assert result.returncode == 0, result.stderr
    thread.join(60)
    kinds = [e["type"] for e in events]
    assert kinds[0] == "context_snapshot"
    assert kinds[1] == "run_started"
    assert kinds[-1] == "run_finished"
    assert kinds.count("step_finished") == 3
    ids = [e["id"] for e in events[1:]]
    assert ids == list(range(ids[0], ids[0] + len(ids)))  # nothing lost, nothing reordered
    load_done = kinds.index("step_finished")
    assert "data.n" in [e.get("key") for e in events[:load_done]]


def test_the_plugin_is_listed(tmp_path):
    listed = json.loads(f0("plugins", "--json", cwd=tmp_path).stdout)
    names = {p["name"] for p in (listed["plugins"] if isinstance(listed, dict) else listed)}
    assert "server" in names


def test_ctx_group_is_shared_with_the_store_plugin(tmp_path):
    help_text = f0("ctx", "--help", cwd=tmp_path).stdout
    for command in (
        "get",
        "set",
        "keys",
        "history",
        "watch",
        "dump",
        "snapshot",
        "restore",
        "diff",
        "list",
    ):
        assert f"  {command} " in help_text, command


def test_readme_mentions_every_command():
    readme = (
        Path(__file__).resolve().parents[3] / "plugins/f0-plugin-server/README.md"
    ).read_text()
    for command in ("f0 serve", "f0 ctx get", "f0 ctx set", "f0 ctx watch", "--context-server"):
        assert command in readme


CONTEXT_SH = Path(__file__).resolve().parents[3] / "plugins/f0-plugin-server/tools/context.sh"


def test_shell_client_verbs(start_server):
    server = start_server("--store", "memory://", "--token", "tok")
    env = {
        **os.environ,
        "CONTEXT_SERVER_HOST": "127.0.0.1",
        "CONTEXT_SERVER_PORT": str(server.port),
        "F0_TOKEN": "tok",
        "PYTHON": sys.executable,
    }

    def sh(*args):
        return subprocess.run(
            ["bash", str(CONTEXT_SH), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    assert sh("set", "n", "30").returncode == 0
    assert sh("set", "s", "hello world", "me").returncode == 0
    assert sh("set", "o", '{"a": 1}').returncode == 0
    assert sh("get", "n").stdout == "30\n"
    assert sh("get", "s").stdout == "hello world\n"
    assert sh("get", "o").stdout == '{"a":1}\n'
    missing = sh("get", "nope")
    assert (missing.returncode, missing.stdout) == (1, "")
    assert json.loads(sh("list").stdout) == {"n": 30, "s": "hello world", "o": {"a": 1}}
    assert json.loads(sh("history", "s").stdout)[0]["who"] == "me"
    assert json.loads(sh("status").stdout)["total_keys"] == 3
    assert json.loads(sh("dump", "csv", "sh.csv").stdout)["filename"] == "sh.csv"
    env["F0_TOKEN"] = "wrong"
    assert sh("get", "n").returncode == 2
    env["F0_TOKEN"] = "tok"
    env["CONTEXT_SERVER_PORT"] = "9"
    down = sh("get", "n")
    assert down.returncode == 2
    assert "cannot reach the context server" in down.stderr


def test_shell_client_monitor(start_server):
    server = start_server("--store", "memory://")
    env = {**os.environ, "CONTEXT_SERVER_PORT": str(server.port), "PYTHON": sys.executable}
    proc = subprocess.Popen(
        ["bash", str(CONTEXT_SH), "monitor", "0.2"], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        time.sleep(1.0)
        with server.client() as http:
            http.post("/ctx", json={"key": "watched", "value": [1, 2]})
        assert proc.stdout is not None
        line = proc.stdout.readline()
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
    assert line.rstrip().endswith("watched = [1, 2]")
