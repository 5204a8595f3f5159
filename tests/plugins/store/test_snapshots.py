"""Context snapshots and deltas: the SnapshotManager API and the round-trip property."""

from __future__ import annotations

import json
import sqlite3

import pytest
from f0_store import (
    DataIntegrityError,
    SnapshotError,
    SnapshotManager,
    SnapshotMetadata,
    SnapshotNotFoundError,
    StorageBackend,
    VersioningError,
)
from f0_store._diff import same
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.plugins.store.strategies import CONTEXTS, KEYS


@pytest.fixture
def snaps():
    manager = SnapshotManager(storage_backend=StorageBackend.MEMORY)
    yield manager
    manager.close()


def file_manager(tmp_path, **kwargs):
    return SnapshotManager(url=f"sqlite:///{tmp_path}/f0.db", **kwargs)


# -- the property -----------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(states=st.lists(CONTEXTS, min_size=1, max_size=8), max_chain=st.integers(1, 4))
def test_a_snapshot_and_its_later_deltas_reproduce_every_context(states, max_chain):
    with SnapshotManager(storage_backend="memory", max_chain=max_chain) as snaps:
        versions = [snaps.create_snapshot(states[0])]
        versions += [snaps.create_delta_snapshot(state) for state in states[1:]]
        for version, state in zip(versions, states, strict=True):
            data, meta = snaps.get_snapshot(version)
            assert same(data, state), (version, data, state)
            assert meta.version == version
        kinds = [m["is_delta"] for m in snaps.list_snapshots()]
        assert kinds[0] is False
        # No chain is longer than max_chain deltas.
        run = longest = 0
        for is_delta in kinds:
            run = run + 1 if is_delta else 0
            longest = max(longest, run)
        assert longest <= max_chain


@settings(max_examples=60, deadline=None)
@given(base=CONTEXTS, steps=st.lists(st.tuples(CONTEXTS, st.lists(KEYS, max_size=3)), max_size=6))
def test_deltas_given_as_changes_and_removed_keys_replay_exactly(base, steps):
    """What a step's Delta holds (changes + removed) stored as versions, replayed in order."""
    with SnapshotManager(storage_backend="memory") as snaps:
        snaps.create_snapshot(base)
        expected = dict(base)
        for changes, removed in steps:
            version = snaps.add_delta(changes, removed)
            for key in removed:
                if key not in changes:
                    expected.pop(key, None)
            expected.update(changes)
            assert same(snaps.get_snapshot(version)[0], expected)


# -- creating and reading -----------------------------------------------------------
def test_versions_ids_and_metadata(snaps):
    first = snaps.create_snapshot(
        {"a": 1}, tags=["x", "x", "y"], description="d", user_info={"by": "me"}
    )
    assert first.startswith("v0001_")
    data, meta = snaps.get_snapshot(first)
    assert data == {"a": 1}
    assert meta.tags == ["x", "y"]
    assert (meta.description, meta.user_info, meta.is_delta, meta.base_version) == (
        "d",
        {"by": "me"},
        False,
        None,
    )
    assert len(meta.checksum) == 64
    second = snaps.create_delta_snapshot({"a": 1, "b": 2})
    assert second.startswith("v0002_")
    meta2 = snaps.get_metadata(second)
    assert meta2.is_delta
    assert meta2.base_version == first
    assert snaps.get_delta(second) == ({"b": 2}, [], first)
    assert snaps.get_delta(first) == ({"a": 1}, [], None)
    assert snaps.list_versions() == [first, second]
    assert snaps.get_latest_snapshot()[0] == {"a": 1, "b": 2}


def test_explicit_versions_must_be_unique(snaps):
    snaps.create_snapshot({}, version="release-1")
    with pytest.raises(VersioningError, match="release-1"):
        snaps.create_snapshot({"a": 1}, version="release-1")


def test_a_first_delta_is_a_snapshot(snaps):
    version = snaps.create_delta_snapshot({"a": 1})
    assert snaps.get_metadata(version).is_delta is False
    with pytest.raises(SnapshotError, match="create a snapshot first"):
        SnapshotManager(storage_backend="memory").add_delta({"a": 1})


def test_delta_over_an_older_base(snaps):
    v1 = snaps.create_snapshot({"a": 1, "b": 2})
    snaps.create_snapshot({"z": 0})
    v3 = snaps.create_delta_snapshot({"a": 1}, base_version=v1)
    assert snaps.get_delta(v3) == ({}, ["b"], v1)
    assert snaps.get_snapshot(v3)[0] == {"a": 1}


def test_bad_data(snaps):
    with pytest.raises(TypeError, match="keys must be str"):
        snaps.create_snapshot({1: "x"})
    with pytest.raises(ValueError, match="JSON"):
        snaps.create_snapshot({"x": float("nan")})
    with pytest.raises(TypeError, match="mapping"):
        snaps.create_snapshot([1, 2])
    assert snaps.create_snapshot({"t": (1, 2)})
    assert snaps.get_latest_snapshot()[0] == {"t": [1, 2]}


def test_resolve(snaps):
    v1 = snaps.create_snapshot({}, tags=["prod"], version="alpha-1")
    snaps.create_snapshot({}, version="alpha-2")
    v3 = snaps.create_snapshot({}, tags=["prod"], version="beta")
    assert snaps.resolve("alpha-1") == v1
    assert snaps.resolve("be") == v3
    assert snaps.resolve("prod") == v3  # a tag: its newest version
    assert snaps.resolve("latest") == v3
    with pytest.raises(SnapshotNotFoundError, match="ambiguous"):
        snaps.resolve("alpha")
    with pytest.raises(SnapshotNotFoundError, match="newest: beta, alpha-2, alpha-1"):
        snaps.resolve("gamma")
    with pytest.raises(SnapshotNotFoundError):
        SnapshotManager(storage_backend="memory").resolve("latest")
    with pytest.raises(SnapshotNotFoundError, match="no context version 'nope'"):
        snaps.get_snapshot("nope")
    with pytest.raises(KeyError):  # also a KeyError, as a lookup miss
        snaps.get_metadata("nope")


def test_tags(snaps):
    v1 = snaps.create_snapshot({"n": 1}, tags=["a"])
    v2 = snaps.create_snapshot({"n": 2}, tags=["a", "b"])
    assert snaps.list_tags() == {"a": 2, "b": 1}
    assert snaps.get_snapshot_by_tag("a")[0] == {"n": 2}
    assert snaps.get_snapshot_by_tag("a", latest=False)[0] == {"n": 1}
    snaps.tag_snapshot(v1, ["c", "a"])
    snaps.untag_snapshot(v2, ["a"])
    assert snaps.get_metadata(v1).tags == ["a", "c"]
    assert snaps.list_tags() == {"a": 1, "b": 1, "c": 1}
    with pytest.raises(SnapshotNotFoundError):
        snaps.get_snapshot_by_tag("zzz")
    with pytest.raises(SnapshotNotFoundError):
        snaps.tag_snapshot("nope", ["x"])


def test_compare(snaps):
    v1 = snaps.create_snapshot({"same": 1, "gone": 2, "mod": 1})
    v2 = snaps.create_delta_snapshot({"same": 1, "mod": 1.0, "new": [1]})
    assert snaps.compare_snapshots(v1, v2) == {
        "added": {"new": [1]},
        "removed": ["gone"],
        "modified": {"mod": {"old": 1, "new": 1.0}},
    }


# -- deleting -------------------------------------------------------------------------
def test_deleting_a_base_keeps_its_deltas_readable(snaps):
    v1 = snaps.create_snapshot({"a": 1})
    v2 = snaps.create_delta_snapshot({"a": 2})
    v3 = snaps.create_delta_snapshot({"a": 2, "b": 3})
    assert snaps.delete_snapshot(v1) is True
    assert snaps.delete_snapshot(v1) is False
    assert snaps.get_metadata(v2).is_delta is False
    assert snaps.get_snapshot(v2)[0] == {"a": 2}
    assert snaps.get_snapshot(v3)[0] == {"a": 2, "b": 3}
    depth = snaps._db.read(
        lambda c: c.execute("SELECT depth FROM ctx_versions WHERE version = ?", (v3,)).fetchone()
    )
    assert depth == (1,)


def test_max_snapshots_drops_the_oldest(tmp_path):
    with file_manager(tmp_path, max_snapshots=2) as snaps:
        for n in range(5):
            snaps.create_delta_snapshot({"n": n, "keep": True})
        assert len(snaps.list_versions()) == 2
        assert snaps.get_latest_snapshot()[0] == {"n": 4, "keep": True}
        assert [snaps.get_snapshot(v)[0]["n"] for v in snaps.list_versions()] == [3, 4]


def test_clear_all(snaps):
    snaps.create_snapshot({})
    snaps.create_snapshot({})
    assert snaps.clear_all() == 2
    assert snaps.list_snapshots() == []


# -- integrity, export, import, files ---------------------------------------------------
def test_tampered_data_is_detected(tmp_path):
    with file_manager(tmp_path) as snaps:
        v1 = snaps.create_snapshot({"a": 1})
    conn = sqlite3.connect(tmp_path / "f0.db")
    conn.execute("UPDATE ctx_versions SET payload = ? WHERE version = ?", (b'J{"a":2}', v1))
    conn.commit()
    conn.close()
    with file_manager(tmp_path) as snaps, pytest.raises(DataIntegrityError, match="checksum"):
        snaps.get_snapshot(v1)


def test_a_missing_base_is_an_integrity_error(tmp_path):
    with file_manager(tmp_path) as snaps:
        snaps.create_snapshot({"a": 1})
        v2 = snaps.create_delta_snapshot({"a": 2})
    conn = sqlite3.connect(tmp_path / "f0.db")
    conn.execute("DELETE FROM ctx_versions WHERE kind = 'snapshot'")
    conn.commit()
    conn.close()
    with file_manager(tmp_path) as snaps, pytest.raises(DataIntegrityError, match="missing"):
        snaps.get_snapshot(v2)


def test_export_and_import(tmp_path, snaps):
    v1 = snaps.create_snapshot({"a": [1, 1.0]}, tags=["t"], description="exported")
    path = snaps.export_snapshot(v1, tmp_path / "out" / "snap.json")
    doc = json.loads(path.read_text())
    assert doc["data"] == {"a": [1, 1.0]}
    assert doc["metadata"]["version"] == v1
    with file_manager(tmp_path) as other:
        imported = other.import_snapshot(path, new_version="imported")
        data, meta = other.get_snapshot(imported)
        assert same(data, {"a": [1, 1.0]})
        assert (meta.tags, meta.description, meta.source) == (["t"], "exported", f"file:{path}")
        doc["data"]["a"] = [2]
        path.write_text(json.dumps(doc))
        with pytest.raises(DataIntegrityError):
            other.import_snapshot(path)
        path.write_text("not json")
        with pytest.raises(SnapshotError, match="cannot import"):
            other.import_snapshot(path)


def test_snapshots_persist_and_the_legacy_folder_form(tmp_path):
    with SnapshotManager(tmp_path / "snaps") as snaps:
        version = snaps.create_snapshot({"a": 1})
    assert (tmp_path / "snaps" / "snapshots.db").is_file()
    with SnapshotManager(str(tmp_path / "snaps")) as again:
        assert again.get_snapshot(version)[0] == {"a": 1}


def test_the_default_store(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("F0_STORE", raising=False)
    with SnapshotManager() as snaps:
        snaps.create_snapshot({})
        assert snaps.url == "sqlite:///.f0/f0.db"
    assert (tmp_path / ".f0" / "f0.db").is_file()


def test_large_snapshots_are_compressed(snaps):
    data = {f"k{i}": {"rows": list(range(40))} for i in range(100)}
    meta = snaps.get_metadata(snaps.create_snapshot(data))
    assert meta.stored_bytes * 5 < meta.size_bytes


def test_metadata_dict_round_trip():
    meta = SnapshotMetadata(version="v", tags=["a"], description="d")
    meta.update_integrity_info({"a": 1})
    assert meta.size_bytes == len('{"a":1}')
    again = SnapshotMetadata.from_dict({**meta.to_dict(), "unknown": 1})
    assert again == meta
