"""Property-based runs against a real server: no input makes it answer 500 or lose a value.

* schemathesis (its CLI, ``st run``) fuzzes every operation of ``/openapi.json``
  with the ``not_a_server_error`` check;
* hypothesis round-trips arbitrary keys and JSON values through the REST API
  and throws arbitrary messages at the WebSocket.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.sync.client import connect

pytestmark = pytest.mark.slow

ST = shutil.which("st") or str(Path(sys.executable).with_name("st"))

keys = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x7f"),
    min_size=1,
    max_size=60,
).filter(lambda k: all(ord(c) >= 32 for c in k))
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
PROPS = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def test_schemathesis_finds_no_server_error(start_server):
    if not Path(ST).exists():
        pytest.skip("schemathesis is not installed")
    server = start_server("--store", "sqlite:///fuzz.db", "--max-body", "65536")
    proc = subprocess.run(
        [
            ST,
            "run",
            server.url + "/openapi.json",
            "--checks",
            "not_a_server_error",
            "--max-examples",
            "25",
            "--no-color",
            "--request-timeout",
            "10",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=server.workdir,
    )
    report = proc.stdout[-6000:] + proc.stderr[-2000:]
    assert proc.returncode == 0, report
    assert "Server error" not in proc.stdout, report
    with server.client() as http:
        assert http.get("/status").json()["status"] == "running"


@PROPS
@given(key=keys, value=json_values)
def test_any_key_and_json_value_round_trips(http, key, value):
    path = "/api/ctx/" + quote(key, safe="")
    put = http.put(path, json={"value": value, "who": "prop"})
    assert put.status_code == 200, put.text
    got = http.get(path)
    assert got.status_code == 200, got.text
    assert got.json() == {"key": key, "value": value}
    assert http.get("/ctx", params={"key": key}).json()["value"] == value
    assert http.delete(path).status_code == 200
    assert http.get(path).status_code == 404


@PROPS
@given(body=st.binary(max_size=300) | json_values.map(lambda v: json.dumps(v).encode()))
def test_arbitrary_bodies_never_cause_a_server_error(http, body):
    for method, path in (
        ("POST", "/ctx"),
        ("POST", "/patch"),
        ("POST", "/api/ctx"),
        ("PUT", "/api/ctx/prop.k"),
        ("POST", "/api/events"),
        ("POST", "/ctx/dump"),
    ):
        response = http.request(method, path, content=body)
        assert response.status_code < 500, (method, path, body, response.text)
        if response.status_code >= 400:
            assert response.json()["status"] == "error"


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    messages=st.lists(
        st.one_of(
            st.text(max_size=50),
            json_values.map(json.dumps),
            st.fixed_dictionaries(
                {"type": st.sampled_from(["set", "get", "delete", "subscribe", "x"])},
                optional={"key": keys | json_values, "value": json_values, "prefixes": json_values},
            ).map(json.dumps),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_arbitrary_websocket_messages_get_an_answer_each(shared_server, messages):
    url = shared_server.url.replace("http", "ws") + "/ws?snapshot=0&events=runs"
    with connect(url) as ws:
        for text in messages:
            ws.send(text)
            reply = json.loads(ws.recv(timeout=10))
            assert reply["type"] in {"ack", "error", "context_value", "subscribed"}, reply
    with httpx.Client(base_url=shared_server.url, trust_env=False) as http:
        assert http.get("/status").status_code == 200
