"""Kill -9 and restart redis-server: what was acknowledged is still there, runs go on."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest
from f0_redis import ChangeFeed, RedisContextStore, RedisRunStore
from redis_server import RedisServer

from tests.e2e.conftest import F0

pytestmark = pytest.mark.slow

STEPS = """
import os, time
from pathlib import Path

def put(context, params):
    with Path(params["log"]).open("a") as log:
        log.write(params["me"] + "\\n")
    time.sleep(params["sleep"])
    context.set("done." + params["me"], params["n"])
"""


def test_acknowledged_writes_survive_a_kill(tmp_path: Path) -> None:
    server = RedisServer(tmp_path / "redis")
    try:
        store = RedisContextStore(server.url(query="name=durable"))
        runs = RedisRunStore(server.url(db=1))
        for n in range(50):
            store.write({f"k{n}": n, "last": n}, [f"k{n - 10}"] if n >= 10 else ())
        expected = store.load()
        server.kill()
        server.start()
        assert store.load() == expected  # the same client reconnects by itself
        assert len(ChangeFeed(server.url(query="name=durable")).history()) == 50
        store.write({"after": True}, ())  # and writes again (the Lua script is loaded anew)
        assert store.load()["after"] is True
        assert runs.list_runs() == []
        store.close()
        runs.close()
    finally:
        server.stop()


def test_a_run_outlives_a_redis_restart(tmp_path: Path) -> None:
    server = RedisServer(tmp_path / "redis")
    try:
        folder = tmp_path / "recipe"
        folder.mkdir()
        (folder / "steps.py").write_text(STEPS)
        log = tmp_path / "executions.log"
        names = [f"s{n}" for n in range(1, 7)]
        body = "metadata: {name: restart}\nsteps:\n" + "".join(
            f"  - {{name: {name}, idx: {n}, module: steps, function: put, "
            f"args: {{me: {name}, n: {n}, sleep: 0.4, log: {log}}}"
            + (f", depends_on: [{names[n - 2]}]" if n > 1 else "")
            + "}\n"
            for n, name in enumerate(names, 1)
        )
        (folder / "recipe.yaml").write_text(body)
        context_url, store_url = server.url(0), server.url(1)
        proc = subprocess.Popen(
            [str(F0), "run", "recipe.yaml", "--json", "--quiet", "--workers", "1",
             "--context", context_url, "--store", store_url],
            cwd=folder,
            env={**os.environ, "NO_COLOR": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:  # wait until two steps are done and a third runs
                if log.exists() and len(log.read_text().split()) >= 3:
                    break
                time.sleep(0.02)
            acknowledged = RedisContextStore(context_url)
            before = acknowledged.load()
            acknowledged.close()
            assert before["done.s2"] == 2
            server.kill()
            time.sleep(1.0)  # the run goes on meanwhile: its writes wait and retry
            server.start()
            out, err = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        assert proc.returncode == 0, err
        assert "store.write_failed" not in err
        result = json.loads(out)
        assert {s["status"] for s in result["steps"].values()} == {"COMPLETED"}
        after = RedisContextStore(context_url)
        data = after.load()
        after.close()
        assert {k: v for k, v in before.items() if k.startswith("done.")}.items() <= data.items()
        assert [data[f"done.{name}"] for name in names] == list(range(1, 7))
        assert log.read_text().split() == names  # each step ran once
        # Each step's delta was applied once: one history batch carries its status.
        history = ChangeFeed(context_url).history()
        applied = [k for c in history for k in c.changes if k.endswith(".status")]
        assert sorted(applied) == sorted(f"steps.{name}.status" for name in names)
        runs = RedisRunStore(store_url)
        run = runs.get_run(result["run_id"])
        runs.close()
        assert run is not None
        assert run.status.value == "COMPLETED"
        assert [s.seq for s in run.steps.values()] == list(range(1, 7))
    finally:
        server.stop()


@pytest.mark.parametrize("option", ["--context", "--store"])
def test_unreachable_redis_is_one_line(option: str, tmp_path: Path) -> None:
    from redis_server import free_port

    (tmp_path / "steps.py").write_text(STEPS)
    (tmp_path / "recipe.yaml").write_text(
        "metadata: {name: x}\nsteps:\n  - {name: a, idx: 1, module: builtins, function: len, args: [[1]]}\n"
    )
    url = f"redis://127.0.0.1:{free_port()}/0"
    done = subprocess.run(
        [str(F0), "run", "recipe.yaml", option, url],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"{option}: cannot use Redis at {url}")


def test_resume_cache_and_runs_list_through_the_redis_store(tmp_path: Path) -> None:
    server = RedisServer(tmp_path / "redis")
    try:
        folder = tmp_path / "recipe"
        folder.mkdir()
        (folder / "steps.py").write_text(
            STEPS
            + """
def gate(context, params):
    if Path(params["flag"]).exists():
        raise RuntimeError("gate closed")
    context.set("gate", "open")
"""
        )
        log, flag = tmp_path / "executions.log", tmp_path / "closed"
        flag.write_text("x")
        (folder / "recipe.yaml").write_text(
            "metadata: {name: redisresume}\nsteps:\n"
            f"  - {{name: a, idx: 1, module: steps, function: put, cache: true, args: {{me: a, n: 1, sleep: 0, log: {log}}}}}\n"
            f"  - {{name: g, idx: 2, module: steps, function: gate, args: {{flag: {flag}}}, depends_on: [a]}}\n"
        )
        env = {**os.environ, "NO_COLOR": "1", "F0_STORE": server.url(1)}

        def f0(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [str(F0), *args],
                cwd=folder,
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )

        assert f0("run", "recipe.yaml", "--quiet").returncode == 1
        flag.unlink()
        resumed = f0("run", "recipe.yaml", "--quiet", "--json", "--resume", "last")
        assert resumed.returncode == 0, resumed.stderr
        assert json.loads(resumed.stdout)["context"]["gate"] == "open"
        again = f0("run", "recipe.yaml", "--quiet", "--json")  # a is cached now
        assert json.loads(again.stdout)["steps"]["a"]["status"] == "CACHED"
        assert log.read_text().split() == ["a"]  # ran once in three runs
        listed = json.loads(f0("runs", "list", "--json").stdout)
        runs = listed["runs"] if isinstance(listed, dict) else listed
        assert [r["status"] for r in runs] == ["COMPLETED", "COMPLETED", "FAILED"]
        cached = f0("cache", "list", "--json")
        assert cached.returncode == 0, cached.stderr
        assert '"a"' in cached.stdout
    finally:
        server.stop()
