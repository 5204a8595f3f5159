"""Acknowledged writes survive restarts (SIGTERM and SIGKILL); concurrent writers keep history ordered."""

from __future__ import annotations

import json
import signal
import threading

import httpx
import pytest
from websockets.sync.client import connect


def test_a_restart_keeps_values_and_history(start_server):
    server = start_server("--store", "sqlite:///state/ctx.db")
    with server.client() as http:
        http.post("/ctx", json={"key": "a", "value": 1, "who": "x"})
        http.post("/ctx", json={"key": "a", "value": {"n": 2}, "who": "y"})
        http.post("/patch", json={"b": [1], "c": "three"})
        http.delete("/api/ctx/c")
        before = http.get("/ctx/history").json()
    server.restart()
    with server.client() as http:
        assert http.get("/ctx/all").json() == {"a": {"n": 2}, "b": [1]}
        assert http.get("/ctx/history").json() == before
        status = http.get("/status").json()
        assert status["history_entries"] == len(before) == 5
        # seq goes on from where it was
        http.post("/ctx", json={"key": "d", "value": 4})
        assert http.get("/ctx/history").json()[-1]["seq"] == 6


def test_kill_9_loses_nothing_acknowledged(start_server):
    server = start_server("--store", "sqlite:///ctx.db")
    acknowledged: list[int] = []
    stop = threading.Event()

    def writer() -> None:
        with server.client() as http:
            i = 0
            while not stop.is_set():
                try:
                    response = http.post("/ctx", json={"key": f"k{i % 50}", "value": i})
                except httpx.HTTPError:
                    return
                if response.status_code == 200:
                    acknowledged.append(i)
                i += 1

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    while len(acknowledged) < 300:
        threading.Event().wait(0.01)
    server.stop(signal.SIGKILL)
    stop.set()
    for t in threads:
        t.join(10)
    server.start()
    with server.client() as http:
        written = {e["after"] for e in http.get("/ctx/history").json()}
    lost = [i for i in acknowledged if i not in written]
    assert not lost, f"{len(lost)} acknowledged writes lost"


def test_memory_store_forgets_on_restart(start_server):
    server = start_server("--store", "memory://")
    with server.client() as http:
        http.post("/ctx", json={"key": "a", "value": 1})
    server.restart()
    with server.client() as http:
        assert http.get("/ctx/all").json() == {}


def test_runs_survive_a_restart(start_server):
    server = start_server("--store", "sqlite:///ctx.db")
    with server.client() as http:
        http.post(
            "/api/events",
            json={
                "type": "run_started",
                "run_id": "r1",
                "recipe": "demo",
                "steps": [{"name": "a"}],
            },
        )
        http.post(
            "/api/events",
            json={"type": "step_finished", "run_id": "r1", "step": "a", "status": "COMPLETED"},
        )
    server.restart()
    with server.client() as http:
        (run,) = http.get("/api/runs").json()["runs"]
    assert run["run_id"] == "r1"
    assert run["steps"]["a"]["status"] == "COMPLETED"


@pytest.mark.parametrize("writers", [8])
def test_many_concurrent_writers_keep_history_complete_and_ordered(start_server, writers):
    server = start_server("--store", "sqlite:///ctx.db")
    per_writer = 60
    ws_url = server.url.replace("http", "ws") + "/ws?snapshot=0"
    seen: list[dict] = []
    with connect(ws_url) as watcher:

        def write(w: int) -> None:
            with server.client() as http:
                for i in range(per_writer):
                    # every writer increments its own counter and bumps one shared key
                    assert (
                        http.post(
                            "/ctx", json={"key": f"w{w}", "value": i, "who": f"w{w}"}
                        ).status_code
                        == 200
                    )
                    http.post("/ctx", json={"key": "shared", "value": [w, i], "who": f"w{w}"})

        threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        with server.client() as http:
            history = http.get("/ctx/history").json()
        while len(seen) < len(history):
            seen.append(json.loads(watcher.recv(timeout=10)))

    seqs = [h["seq"] for h in history]
    assert seqs == list(range(1, len(history) + 1))  # gapless, ascending
    timestamps = [h["timestamp"] for h in history]
    assert timestamps == sorted(timestamps)
    for w in range(writers):
        mine = [h["after"] for h in history if h["key"] == f"w{w}"]
        assert mine == list(range(per_writer)), f"writer {w}: {mine[:10]}..."
    # each entry's "before" is the previous entry's "after" for that key: nothing interleaved
    last: dict[str, object] = {}
    for h in history:
        assert h["before"] == last.get(h["key"]), h
        last[h["key"]] = h["after"]
    # the watcher saw exactly the history, in the same order
    assert [(e["seq"], e["key"], e["value"]) for e in seen] == [
        (h["seq"], h["key"], h["after"]) for h in history
    ]
    ids = [e["id"] for e in seen]
    assert ids == sorted(ids)
