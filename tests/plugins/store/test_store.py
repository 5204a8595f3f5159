"""The SQLite run store beyond the contract: files, URLs, schema, reopening, odd orders."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import attrs
import pytest
from f0 import Delta, RunResult, RunStatus, StepRecord, StepResult, StepStatus, UsageError
from f0_store import PersistenceError, StoreSchemaError, open_context_store, open_run_store
from f0_store._codec import pack, unpack
from f0_store._db import Database, is_busy
from f0_store._schema import SCHEMA_VERSION
from f0_store._url import DEFAULT_STORE_URL, default_store_url, parse_sqlite_url
from f0_store.errors import DataIntegrityError

from tests.plugins.store.helpers import T0, record, start


# -- URLs ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:///.f0/f0.db", Path(".f0/f0.db")),
        ("sqlite:///runs.db", Path("runs.db")),
        ("sqlite:////abs/dir/runs.db", Path("/abs/dir/runs.db")),
        ("sqlite:///with%20space.db", Path("with space.db")),
        ("sqlite:///ctx.db?name=mine", Path("ctx.db")),
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
    ],
)
def test_url_forms(url, path):
    assert parse_sqlite_url(url).path == path


def test_url_home_is_expanded():
    assert parse_sqlite_url("sqlite:///~/f0.db").path == Path.home() / "f0.db"


def test_url_query():
    assert parse_sqlite_url("sqlite:///c.db?name=x&other=1").query == {"name": "x", "other": "1"}


@pytest.mark.parametrize("url", ["sqlite://host/x.db", "sqlite:///", "postgres:///x"])
def test_bad_urls_say_how_to_write_one(url):
    with pytest.raises(UsageError, match="sqlite:///"):
        parse_sqlite_url(url)


def test_default_url(monkeypatch, tmp_path):
    monkeypatch.delenv("F0_STORE", raising=False)
    monkeypatch.chdir(tmp_path)  # outside any project: the working folder's .f0/
    assert default_store_url() == DEFAULT_STORE_URL == "sqlite:///.f0/f0.db"
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")  # inside a project: its root's .f0/
    assert default_store_url() == f"sqlite:///{tmp_path.resolve()}/.f0/f0.db"
    monkeypatch.setenv("F0_STORE", "sqlite:///elsewhere.db")
    assert default_store_url() == "sqlite:///elsewhere.db"


def test_a_relative_url_is_relative_to_the_working_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    store = open_run_store(DEFAULT_STORE_URL)
    store.close()
    assert (tmp_path / ".f0" / "f0.db").is_file()


# -- the file -------------------------------------------------------------------
def test_pragmas_and_schema_version(tmp_path):
    store = open_run_store(f"sqlite:///{tmp_path}/a/b/f0.db")
    store.close()
    conn = sqlite3.connect(tmp_path / "a" / "b" / "f0.db")
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (
        str(SCHEMA_VERSION),
    )
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"meta", "runs", "steps", "cache_entries", "ctx_versions", "context_kv"} <= tables
    conn.close()


def test_connection_settings(tmp_path):
    db = Database(tmp_path / "f0.db")
    assert db.read(lambda c: c.execute("PRAGMA synchronous").fetchone()) == (1,)  # NORMAL
    assert db.read(lambda c: c.execute("PRAGMA busy_timeout").fetchone()) == (10_000,)
    db.close()
    assert db.closed
    db.close()


def test_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "f0.db"
    Database(path).close()
    conn = sqlite3.connect(path)
    conn.execute(
        "UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),)
    )
    conn.commit()
    conn.close()
    with pytest.raises(StoreSchemaError, match="upgrade f0-plugin-store"):
        open_run_store(f"sqlite:///{path}")


def test_an_older_file_is_migrated(tmp_path):
    """A file with no meta table (version 0) gets every table."""
    path = tmp_path / "f0.db"
    sqlite3.connect(path).close()
    store = open_run_store(f"sqlite:///{path}")
    start(store, "r1")
    store.close()


def test_is_busy():
    assert is_busy(sqlite3.OperationalError("database is locked"))
    assert not is_busy(sqlite3.OperationalError("no such table: x"))
    assert not is_busy(ValueError("locked"))


def test_a_closed_store_says_so(tmp_path):
    store = open_run_store(f"sqlite:///{tmp_path}/f0.db")
    store.close()
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        store.list_runs()


# -- runs -------------------------------------------------------------------------
def test_runs_survive_reopening(tmp_path):
    url = f"sqlite:///{tmp_path}/f0.db"
    store = open_run_store(url)
    start(store, "r1")
    store.record_step("r1", record("a", changes={"x": 1}))
    store.close()
    again = open_run_store(url)
    run = again.get_run("r1")
    assert run.status is RunStatus.RUNNING
    assert dict(run.steps["a"].delta.changes) == {"x": 1}
    again.close()


def test_a_failed_steps_traceback_retry_reasons_and_trace_are_kept(tmp_path):
    url = f"sqlite:///{tmp_path}/f0.db"
    store = open_run_store(url)
    start(store, "r1")
    failed = record("a", "FAILED", attempts=2, error="KeyError: 'x'")
    result = attrs.evolve(
        failed.result,
        traceback="Traceback (most recent call last):\n  ...\nKeyError: 'x'\n",
        attempt_errors=("OSError: busy", "KeyError: 'x'"),
        trace={"inputs": ["k"], "delta": {"changes": {}, "removed": []}, "locals": {"n": "2"}},
    )
    store.record_step("r1", attrs.evolve(failed, result=result))
    store.record_step("r1", record("b"))
    store.close()
    again = open_run_store(url)
    steps = again.get_run("r1").steps
    assert steps["a"].result == result
    assert steps["b"].result.traceback is None
    assert steps["b"].result.attempt_errors == ()
    assert steps["b"].result.trace is None
    again.close()


def test_steps_without_seq_are_numbered_in_recording_order(tmp_path):
    store = open_run_store(f"sqlite:///{tmp_path}/f0.db")
    start(store, "r1")
    for name in ("c", "a", "b"):
        store.record_step("r1", record(name))
    steps = store.get_run("r1").steps
    assert [(n, s.seq) for n, s in steps.items()] == [("c", 1), ("a", 2), ("b", 3)]
    assert all(s.recorded_at > 0 for s in steps.values())
    store.close()


def _result(run_id, statuses, status=RunStatus.FAILED, started=T0):
    return RunResult(
        run_id=run_id,
        recipe_name="r",
        recipe_path="recipe.yaml",
        status=status,
        steps={n: StepResult(name=n, status=StepStatus(s)) for n, s in statuses.items()},
        context={"k": 1},
        started_at=started,
        finished_at=started + 1,
    )


def test_finish_adds_the_steps_never_recorded(tmp_path):
    store = open_run_store(f"sqlite:///{tmp_path}/f0.db")
    start(store, "r1")
    store.record_step("r1", record("a", seq=1))
    store.finish_run(_result("r1", {"a": "COMPLETED", "b": "FAILED", "c": "CANCELLED"}))
    steps = store.get_run("r1").steps
    assert {n: s.result.status.value for n, s in steps.items()} == {
        "a": "COMPLETED",
        "b": "FAILED",
        "c": "CANCELLED",
    }
    assert [s.seq for s in steps.values()] == [1, 2, 3]
    store.close()


def test_finish_without_start_records_the_run(tmp_path):
    store = open_run_store(f"sqlite:///{tmp_path}/f0.db")
    store.finish_run(_result("late", {"a": "COMPLETED"}, RunStatus.COMPLETED))
    run = store.get_run("late")
    assert run.status is RunStatus.COMPLETED
    assert dict(run.context) == {"k": 1}
    assert run.recipe_path == str(Path("recipe.yaml").resolve())
    store.close()


def test_starting_a_run_again_resets_it(tmp_path):
    store = open_run_store(f"sqlite:///{tmp_path}/f0.db")
    info = start(store, "r1")
    store.finish_run(_result("r1", {"a": "COMPLETED"}))
    store.start_run(info, recipe_hash="h2", params={"n": 1})
    run = store.get_run("r1")
    assert run.status is RunStatus.RUNNING
    assert run.context is None
    assert run.finished_at is None
    assert run.recipe_hash == "h2"
    store.close()


def test_a_large_final_context_is_compressed(tmp_path):
    store = open_run_store(f"sqlite:///{tmp_path}/f0.db")
    start(store, "r1")
    big = {f"key.{i}": {"values": list(range(50)), "name": "x" * 20} for i in range(200)}
    result = attrs.evolve(_result("r1", {}), context=big)
    store.finish_run(result)
    assert store.get_run("r1").context == big
    blob = store.db.read(lambda c: c.execute("SELECT context FROM runs").fetchone()[0])
    assert blob[:1] == b"Z"
    assert len(blob) < len(str(big)) / 5
    store.close()


def test_unknown_record_fields_are_kept_and_unknown_stored_fields_ignored(tmp_path):
    """`extra` carries StepRecord fields that have no column; ones this kernel lacks are dropped."""
    store = open_run_store(f"sqlite:///{tmp_path}/f0.db")
    start(store, "r1")
    store.record_step("r1", record("a", seq=1))
    store.db.write(
        lambda c: c.execute("UPDATE steps SET extra = json_set(extra, '$.from_the_future', 1)")
    )
    assert isinstance(store.get_run("r1").steps["a"], StepRecord)
    store.close()


def test_list_and_resolve_many_runs(tmp_path):
    store = open_run_store(f"sqlite:///{tmp_path}/f0.db")
    for n in range(30):
        start(store, f"2026-{n:03d}", started_at=T0 + n)
    assert [r.run_id for r in store.list_runs(limit=3)] == ["2026-029", "2026-028", "2026-027"]
    assert len(store.list_runs()) == 30
    with pytest.raises(UsageError, match=r"ambiguous: it matches 2026-029, .*, \.\.\."):
        store.resolve_run("2026-0")
    with pytest.raises(UsageError, match="newest runs: 2026-029, 2026-028, 2026-027"):
        store.resolve_run("nope")
    with pytest.raises(UsageError, match="empty run id"):
        store.resolve_run(" ")
    store.close()


def test_same_start_time_newest_recorded_first(tmp_path):
    store = open_run_store(f"sqlite:///{tmp_path}/f0.db")
    for run_id in ("b", "a", "c"):
        start(store, run_id, started_at=T0)
    assert [r.run_id for r in store.list_runs()] == ["c", "a", "b"]
    assert store.resolve_run("last") == "c"
    store.close()


def test_context_store_and_run_store_share_a_file(tmp_path):
    url = f"sqlite:///{tmp_path}/f0.db"
    runs, ctx = open_run_store(url), open_context_store(url)
    start(runs, "r1")
    ctx.write({"a": 1}, ())
    assert runs.get_run("r1") is not None
    assert dict(ctx.load()) == {"a": 1}
    runs.close()
    ctx.close()


# -- packing ------------------------------------------------------------------------
def test_pack_round_trip_and_corruption():
    small, big = {"a": 1}, {"k": "v" * 2000}
    assert pack(small)[:1] == b"J"
    assert pack(big)[:1] == b"Z"
    assert unpack(pack(big)) == big
    assert unpack(None) is None
    import gzip
    import json

    assert unpack(b"G" + gzip.compress(json.dumps(small).encode())) == small
    with pytest.raises(DataIntegrityError):
        unpack(b"Z" + b"not zstd")
    with pytest.raises(DataIntegrityError, match="unknown encoding"):
        unpack(b"Q{}")


def test_timing_fields_are_exact(tmp_path):
    store = open_run_store(f"sqlite:///{tmp_path}/f0.db")
    start(store, "r1", started_at=time.time())
    rec = record("a", seq=1)
    store.record_step("r1", rec)
    got = store.get_run("r1").steps["a"].result
    assert (got.started_at, got.finished_at) == (rec.result.started_at, rec.result.finished_at)
    store.close()


def test_a_file_that_is_not_a_database(tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(PersistenceError, match="cannot open the store") as info:
        open_run_store(f"sqlite:///{bad}")
    assert str(bad) in str(info.value)


def test_a_folder_that_cannot_be_created(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(PersistenceError, match="cannot open the store"):
        open_run_store(f"sqlite:///{tmp_path}/file/sub/f0.db")


def test_the_cli_reports_a_broken_store_in_one_line(tmp_path):
    from f0.testing import invoke_cli, make_test_plugin_manager

    bad = tmp_path / "bad.db"
    bad.write_bytes(b"junk" * 1000)
    out = invoke_cli(
        make_test_plugin_manager(("store",)), "runs", "list", "--store", f"sqlite:///{bad}"
    )
    assert out.exit_code == 3  # a store error: its own exit code
    assert out.stderr.count("\n") == 1
    assert "cannot open the store" in out.stderr


@pytest.mark.parametrize(
    "delta",
    [
        Delta(who="s1"),
        Delta(),
        Delta(who="é\u2028"),
        Delta(changes={"a": 1}, who="s1"),
        Delta(removed=("k",), reads=frozenset({"r"}), inputs={"r": "d"}, who="s"),
    ],
)
def test_delta_text_of_the_fast_path_is_what_dumps_gives(delta):
    from f0_store._codec import dumps
    from f0_store._runs import _delta_json

    assert _delta_json(delta) == dumps(
        {
            "changes": delta.changes,
            "removed": delta.removed,
            "reads": delta.reads,
            "inputs": delta.inputs,
            "who": delta.who,
        }
    )
