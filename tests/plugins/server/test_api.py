"""The REST API of a real ``f0 serve``: the legacy paths (server.md §1.1) and /api."""

from __future__ import annotations

import csv
import io
import json
import uuid

import pytest


@pytest.fixture
def k():
    """A key prefix of this test's own (the server is shared by the module)."""
    return f"t{uuid.uuid4().hex[:8]}."


def test_legacy_get_and_set(http, k):
    assert http.post("/ctx", json={"key": k + "a", "value": 30, "who": "me"}).json() == {
        "status": "ok",
        "key": k + "a",
        "changed": True,
        "seq": http.get("/status").json()["seq"],
    }
    assert http.get("/ctx", params={"key": k + "a"}).json() == {"key": k + "a", "value": 30}
    # A missing key is null on the legacy path (the Framework0 client returns None).
    assert http.get("/ctx", params={"key": k + "missing"}).json() == {
        "key": k + "missing",
        "value": None,
    }
    assert http.get("/ctx").status_code == 400


def test_who_defaults_to_unknown_and_history_is_filtered(http, k):
    http.post("/ctx", json={"key": k + "a", "value": 1})
    http.post("/ctx", json={"key": k + "a", "value": 2, "who": "bob"})
    http.post("/ctx", json={"key": k + "b", "value": 3, "who": "bob"})
    entries = http.get("/ctx/history", params={"key": k + "a"}).json()
    assert [(e["who"], e["before"], e["after"], e["operation"]) for e in entries] == [
        ("unknown", None, 1, "set"),
        ("bob", 1, 2, "set"),
    ]
    assert set(entries[0]) == {"seq", "timestamp", "key", "before", "after", "who", "operation"}
    by_bob = http.get("/ctx/history", params={"who": "bob", "prefix": k}).json()
    assert [e["key"] for e in by_bob] == [k + "a", k + "b"]
    assert http.get("/ctx/history", params={"since": "x"}).status_code == 400


def test_setting_an_equal_value_is_a_no_op(http, k):
    http.post("/ctx", json={"key": k + "a", "value": {"x": [1, 2]}})
    again = http.post("/ctx", json={"key": k + "a", "value": {"x": [1, 2]}}).json()
    assert again["changed"] is False
    assert len(http.get("/ctx/history", params={"key": k + "a"}).json()) == 1
    # 1 and 1.0 and true are different JSON values
    http.post("/ctx", json={"key": k + "n", "value": 1})
    assert http.post("/ctx", json={"key": k + "n", "value": 1.0}).json()["changed"] is True
    assert http.post("/ctx", json={"key": k + "n", "value": True}).json()["changed"] is True


def test_all_snapshot_and_patch(http, k):
    assert http.post("/patch", json={k + "p": 1, k + "q": [1, "x"]}).json() == {
        "status": "ok",
        "applied": 2,
        "changed": 2,
    }
    everything = http.get("/ctx/all").json()
    assert everything[k + "p"] == 1
    assert everything[k + "q"] == [1, "x"]
    assert http.get("/snapshot").json() == http.get("/ctx/all").json()
    assert http.post("/patch", json=[1, 2]).status_code == 400
    whos = {e["who"] for e in http.get("/ctx/history", params={"prefix": k}).json()}
    assert whos == {"patch"}


def test_new_api_single_key(http, k):
    key = k + "dir/with spaces?#"
    path = "/api/ctx/" + __import__("urllib.parse").parse.quote(key, safe="")
    missing = http.get(path)
    assert missing.status_code == 404
    assert missing.json()["status"] == "error"
    put = http.put(path, json={"value": {"deep": True}, "who": "api"})
    assert put.status_code == 200
    assert put.json()["changed"] is True
    assert http.get(path).json() == {"key": key, "value": {"deep": True}}
    assert http.delete(path).json()["status"] == "ok"
    assert http.delete(path).status_code == 404
    assert http.get(path).status_code == 404
    history = http.get("/api/history", params={"key": key}).json()
    assert [(h["operation"], h["after"]) for h in history] == [
        ("set", {"deep": True}),
        ("delete", None),
    ]


def test_legacy_delete(http, k):
    http.post("/ctx", json={"key": k + "d", "value": 1})
    assert http.delete("/ctx", params={"key": k + "d"}).status_code == 200
    assert http.delete("/ctx", params={"key": k + "d"}).status_code == 404


def test_batch_keys_and_all(http, k):
    http.post("/api/ctx", json={"changes": {k + "x": 1, k + "y": 2}, "who": "batch"})
    result = http.post(
        "/api/ctx", json={"changes": {k + "z": 3}, "removed": [k + "x"], "who": "batch"}
    ).json()
    assert result["changed"] == [k + "x", k + "z"]
    assert http.get("/api/keys", params={"prefix": k}).json() == {"keys": [k + "y", k + "z"]}
    everything = http.get("/api/ctx", params={"prefix": k}).json()
    assert everything["data"] == {k + "y": 2, k + "z": 3}
    assert everything["seq"] >= 4


def test_status(http):
    status = http.get("/status").json()
    assert status["status"] == "running"
    assert {
        "uptime_seconds",
        "total_keys",
        "history_entries",
        "connected_clients",
        "version",
    } <= set(status)


def test_dumps_in_every_format(http, k, shared_server):
    http.post("/patch", json={k + "s": "text", k + "n": 2, k + "o": {"a": [1]}})
    for fmt, ext in (("json", "json"), ("pretty", "json"), ("csv", "csv"), ("txt", "txt")):
        result = http.post("/ctx/dump", json={"format": fmt, "include_history": True}).json()
        assert result["status"] == "ok"
        assert result["format"] == fmt
        assert result["filename"].startswith("context_dump_")
        assert result["filename"].endswith("." + ext)
    named = http.post("/ctx/dump", json={"format": "csv", "filename": f"{k}csv"}).json()
    assert named["path"] == str(shared_server.workdir / "context_dumps" / f"{k}csv")
    listed = http.get("/ctx/dumps").json()
    assert listed["dump_directory"] == str(shared_server.workdir / "context_dumps")
    assert f"{k}csv" in {f["filename"] for f in listed["files"]}
    text = http.get(f"/ctx/dumps/{k}csv").text
    rows = {r["key"]: r for r in csv.DictReader(io.StringIO(text))}
    assert rows[k + "s"] == {"key": k + "s", "value": '"text"', "type": "str"}
    assert json.loads(rows[k + "o"]["value"]) == {"a": [1]}
    assert http.get("/ctx/dumps/no-such-dump.csv").status_code == 404
    assert http.post("/ctx/dump", json={"format": "xml"}).status_code == 400


def test_dump_contents(http, k):
    http.post("/patch", json={k + "v": [1, 2]})
    doc = json.loads(http.get("/ctx/dump", params={"format": "json", "include_history": "1"}).text)
    assert set(doc) == {"timestamp", "context", "history", "stats"}
    assert doc["context"][k + "v"] == [1, 2]
    assert "history" not in json.loads(http.get("/ctx/dump").text)
    txt = http.get("/ctx/dump", params={"format": "txt"}).text
    assert f"{k}v = [1,2]" in txt.splitlines()
    pretty = http.get("/ctx/dump", params={"format": "pretty"}).text
    assert pretty.startswith("{\n  ")


@pytest.mark.parametrize(
    "name", ["../escape.txt", "..", "a/b.txt", "..%2Fx", "%2e%2e%2fpasswd", ".hidden", "a\\b"]
)
def test_dump_names_cannot_leave_the_folder(http, name):
    assert http.get(f"/ctx/dumps/{name}").status_code in {400, 404}
    posted = http.post("/ctx/dump", json={"format": "txt", "filename": name.replace("%2F", "/")})
    assert posted.status_code == 400, posted.text


def test_dump_names_with_dots_or_slashes_are_400(http):
    assert http.get("/ctx/dumps/..%2F..%2Fetc%2Fpasswd").status_code == 400
    assert http.get("/ctx/dumps/a%2Fb").status_code == 400
    assert http.get("/ctx/dumps/x..y").status_code == 400


def test_openapi_describes_every_route(http):
    doc = http.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    for path in (
        "/ctx",
        "/ctx/all",
        "/ctx/history",
        "/ctx/dump",
        "/ctx/dumps",
        "/ctx/dumps/{filename}",
        "/snapshot",
        "/patch",
        "/status",
        "/api/ctx/{key}",
        "/api/events",
    ):
        assert path in doc["paths"], path


def test_unknown_route_and_method(http):
    assert http.get("/nope").status_code == 404
    assert http.put("/ctx/all").status_code == 405
