"""Framework0's simple context persistence (``PersistenceManager``, adapters, ``VersionControl``)."""

from __future__ import annotations

import gzip
import json
import threading
import time

import pytest
from orchestrator.context import Context
from orchestrator.context.db_adapter import DBAdapter, FileAdapter
from orchestrator.context.persistence import Persistence
from orchestrator.context.version_control import VersionControl
from orchestrator.persistence import PersistenceManager
from orchestrator.persistence.core import SnapshotNotFoundError, VersioningError


def test_db_adapter(tmp_path):
    db = DBAdapter(tmp_path / "data" / "iaf0.db")
    try:
        assert db.load_context() is None
        v1 = db.save_context({"a": 1, "b": 2})
        v2 = db.save_context({"a": 1, "c": 3}, mode="diff")
        assert db.get_versions() == [v1, v2]
        assert db.load_context() == {"a": 1, "c": 3}
        assert db.load_context(v1) == {"a": 1, "b": 2}
        assert db.load_context("nope") is None
        with pytest.raises(ValueError):
            db.save_context({}, mode="partial")
        assert db.clear() == 2
        assert db.get_versions() == []
    finally:
        db.close()
    assert (tmp_path / "data" / "iaf0.db").is_file()


def test_file_adapter(tmp_path):
    files = FileAdapter(tmp_path / "data")
    assert files.list_files() == []
    path = files.save_context({"k": [1, 2]})
    assert path.name == "context.json"
    files.save_context({"x": 1}, filename="other.json")
    assert files.load_context() == {"k": [1, 2]}
    assert files.list_files() == ["context.json", "other.json"]
    assert files.delete_file("other.json") is True
    assert files.delete_file("other.json") is False
    with pytest.raises(FileNotFoundError):
        files.load_context("missing.json")
    with pytest.raises(ValueError):
        files.save_context({}, filename="../escape.json")
    with pytest.raises(ValueError):
        files.save_context({"bad": float("nan")})
    (tmp_path / "data" / "list.json").write_text("[1]")
    with pytest.raises(ValueError):
        files.load_context("list.json")


def test_persistence_full_and_diff(tmp_path):
    ctx = Context()
    ctx.set("a", 1)
    ctx.set("b", 2)
    db = DBAdapter(tmp_path / "db.sqlite")
    store = Persistence(ctx, db_adapter=db, flush_interval=0, flush_dir=tmp_path / "flush")
    full = store.flush(mode="full", compress=True)
    assert full.name.endswith(".json.gz")
    assert json.loads(gzip.decompress(full.read_bytes()))["data"] == {"a": 1, "b": 2}
    ctx.set("a", 10)
    ctx.delete("b")
    diff = store.flush(mode="diff", compress=False)
    assert json.loads(diff.read_text())["diff"] == {"changes": {"a": 10}, "removed_keys": ["b"]}
    assert db.load_context() == {"a": 10}

    other = Context()
    loader = Persistence(other, db_adapter=db, flush_dir=tmp_path / "flush")
    loader.load_from_disk(full.name)
    assert other.to_dict() == {"a": 1, "b": 2}
    loader.load_from_disk(diff)  # a diff applies to the current data
    assert other.to_dict() == {"a": 10}
    assert other.get_history("b")[-1]["operation"] == "delete"
    assert loader.load_from_db(db.get_versions()[0]) is True
    assert other.to_dict() == {"a": 1, "b": 2}
    assert loader.load_from_db("nope") is False
    with pytest.raises(ValueError):
        store.flush(mode="partial")
    (tmp_path / "flush" / "junk.json").write_text("{}")
    with pytest.raises(ValueError):
        loader.load_from_disk("junk.json")
    db.close()


def test_check_and_flush_needs_time_and_dirty_keys(tmp_path):
    ctx = Context()
    store = Persistence(ctx, flush_interval=3600, flush_dir=tmp_path)
    ctx.set("a", 1)
    assert store.check_and_flush() is False  # interval not elapsed
    eager = Persistence(ctx, flush_interval=0, flush_dir=tmp_path)
    assert eager.check_and_flush() is True
    assert eager.check_and_flush() is False  # nothing dirty now


def test_persistence_manager(tmp_path):
    manager = PersistenceManager(
        persist_dir=tmp_path / "persist", flush_interval_sec=10, max_history=2
    )
    assert manager.load_latest() is None
    ctx = Context()
    for i in range(4):
        ctx.set("n", i)
        manager.flush(ctx)
    files = sorted((tmp_path / "persist").glob("snapshot_*.json"))
    assert len(files) == 2
    latest = manager.load_latest()
    assert isinstance(latest, Context)
    assert latest.get("n") == 3
    newest = max(files, key=lambda p: int(p.stem[9:]))
    newest.write_text("{damaged")
    assert manager.load_latest().get("n") == 2  # falls back to the one before
    with pytest.raises(ValueError):
        PersistenceManager(tmp_path, max_history=0)


def test_background_flush(tmp_path):
    ctx = Context()
    ctx.set("a", 1)
    manager = PersistenceManager(persist_dir=tmp_path, flush_interval_sec=0.05)
    manager.start_background_flush(ctx)
    manager.start_background_flush(ctx)  # a second call starts no second thread
    deadline = time.monotonic() + 30
    while manager.load_latest() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    manager.stop_background_flush()
    manager.stop_background_flush()
    assert manager.load_latest().get("a") == 1
    assert not any(t.name == "f0-compat-flush" for t in threading.enumerate())
    never = PersistenceManager(persist_dir=tmp_path / "none", flush_interval_sec=None)
    never.start_background_flush(ctx)
    never.stop_background_flush()
    assert never.load_latest() is None


def test_version_control(tmp_path):
    vc = VersionControl(DBAdapter(tmp_path / "vc.db"))
    ctx = Context()
    ctx.set("a", 1)
    v1 = vc.commit(ctx, version_id="one")
    ctx.set("a", 2)
    v2 = vc.commit(ctx, parent_version=v1)
    with pytest.raises(VersioningError):
        vc.commit(ctx, version_id="one")
    assert [m["version"] for m in vc.get_versions()] == [v2, v1]
    assert vc.get_versions(limit=1)[0]["user_info"] == {"parent_version": "one"}
    vc.rollback(v1, ctx)
    assert ctx.get("a") == 1
    assert ctx.get_history("a")[-1]["who"] == "rollback"
    with pytest.raises(SnapshotNotFoundError):
        vc.rollback("nope", ctx)
    vc.db_adapter.close()
