"""The run publisher on its own: a server that goes away costs warnings, never the run."""

from __future__ import annotations

import time

import pytest
from f0 import UsageError
from f0_server._publisher import Publisher


def test_an_unreachable_server_fails_the_seed_with_one_line():
    publisher = Publisher("http://127.0.0.1:9", None)
    with pytest.raises(
        UsageError, match=r"cannot reach the context server at http://127\.0\.0\.1:9"
    ):
        publisher.fetch()
    publisher.close()


def test_events_to_a_dead_server_are_dropped_quickly():
    publisher = Publisher("http://127.0.0.1:9", None)
    for i in range(3):
        publisher.send({"type": "step_started", "run_id": "r", "step": f"s{i}"})
    start = time.monotonic()
    publisher.close(timeout=30)
    assert time.monotonic() - start < 10
    assert publisher.failed == 3
    assert publisher.sent == 0


def test_an_event_json_cannot_carry_does_not_stop_the_pump(start_server):
    server = start_server("--store", "memory://")
    publisher = Publisher(server.url, None)
    publisher.send({"type": "step_started", "run_id": "r", "step": "a", "bad": object()})
    publisher.send({"type": "step_started", "run_id": "r", "step": "b"})
    publisher.close(timeout=30)
    assert (publisher.sent, publisher.failed) == (1, 1)
    with server.client() as http:
        (run,) = http.get("/api/runs").json()["runs"]
    assert set(run["steps"]) == {"b"}


def test_known_values_track_what_was_sent(start_server):
    server = start_server("--store", "memory://")
    with server.client() as http:
        http.post("/patch", json={"a": 1, "b": 2})
    publisher = Publisher(server.url, None)
    assert publisher.fetch() == {"a": 1, "b": 2}
    publisher.send(
        {"type": "step_finished", "run_id": "r", "step": "s", "changes": {"c": 3}, "removed": ["a"]}
    )
    assert publisher.known == {"b": 2, "c": 3}
    publisher.close()
    with server.client() as http:
        assert http.get("/ctx/all").json() == {"b": 2, "steps.s.status": None} or http.get(
            "/ctx/all"
        ).json() == {"b": 2, "c": 3}
