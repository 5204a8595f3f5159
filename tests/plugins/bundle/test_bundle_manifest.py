"""The manifest: safe paths, parsing with line:col, round trips."""

from __future__ import annotations

import json
import os
import posixpath

import pytest
from f0_bundle._manifest import (
    FileEntry,
    ManifestError,
    dump_manifest,
    parse_manifest,
    unsafe_reason,
)
from hypothesis import given
from hypothesis import strategies as st

from .bundle_support import manifest_for


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("../evil.py", "'..' in path"),
        ("data/../../evil", "'..' in path"),
        ("/etc/passwd", "absolute path"),
        ("C:/Windows/x", "absolute path"),
        ("data\\x.csv", "backslash in path"),
        ("a//b", "path is not normalised"),
        ("./a", "path is not normalised"),
        ("", "empty path"),
        ("a\x00b", "NUL byte in path"),
    ],
)
def test_unsafe_paths_are_named(path, reason):
    assert unsafe_reason(path) == reason


@pytest.mark.parametrize(
    "path", ["recipe.yaml", "data/sales.csv", "wheels/f0-0.1.0-py3-none-any.whl", "a..b/c"]
)
def test_safe_paths(path):
    assert unsafe_reason(path) is None


@given(st.text(alphabet="ab./\\:\x00C", max_size=12))
def test_a_path_called_safe_never_leaves_the_root(path):
    if unsafe_reason(path) is None:
        joined = posixpath.normpath(posixpath.join("/root/bundle", path))
        assert joined.startswith("/root/bundle/")
        assert os.sep != "/" or ".." not in joined.split("/")


def test_round_trip():
    raw = manifest_for({"recipe.yaml": b"steps: []\n", "data/x.csv": b"a,b\n"}, package_name="p")
    manifest = parse_manifest(raw)
    assert manifest.recipe_file == "recipe.yaml"
    assert [e.path for e in manifest.files] == ["data/x.csv", "recipe.yaml"]
    assert parse_manifest(dump_manifest(manifest.data)).files == manifest.files


def test_invalid_json_reports_line_and_column():
    with pytest.raises(ManifestError) as info:
        parse_manifest(b'{\n  "manifest_version": 1,\n  "files": [,]\n}\n')
    assert info.value.where == "3:13"
    assert "not valid JSON" in info.value.message


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"manifest_version": 2}, "manifest_version"),
        ({"files": {}}, "files"),
        ({"files": [{"path": "recipe.yaml", "sha256": "XYZ", "size": 1}]}, "files[0].sha256"),
        ({"files": [{"path": "recipe.yaml", "sha256": "0" * 64, "size": -1}]}, "files[0].size"),
        ({"files": [{"path": 3, "sha256": "0" * 64, "size": 1}]}, "files[0].path"),
        ({"recipe_file": "missing.yaml"}, "recipe_file"),
    ],
)
def test_bad_keys_are_named(change, where):
    data = json.loads(manifest_for({"recipe.yaml": b"x"}))
    data.update(change)
    with pytest.raises(ManifestError) as info:
        parse_manifest(json.dumps(data).encode())
    assert info.value.where == where


def test_duplicate_paths_are_rejected():
    data = json.loads(manifest_for({"recipe.yaml": b"x"}))
    data["files"].append(data["files"][0])
    with pytest.raises(ManifestError, match="duplicate path"):
        parse_manifest(json.dumps(data).encode())


_ENTRY = st.builds(
    FileEntry,
    path=st.from_regex(r"[a-z]{1,6}(/[a-z]{1,6}){0,2}\.[a-z]{1,3}", fullmatch=True),
    sha256=st.from_regex(r"[0-9a-f]{64}", fullmatch=True),
    size=st.integers(min_value=0, max_value=2**40),
)


@given(entries=st.lists(_ENTRY, min_size=1, max_size=8, unique_by=lambda e: e.path))
def test_any_written_manifest_parses_back(entries):
    data = {
        "manifest_version": 1,
        "recipe_file": entries[0].path,
        "files": [e.to_json() for e in entries],
    }
    assert parse_manifest(dump_manifest(data)).files == tuple(entries)


@given(raw=st.binary(max_size=300))
def test_arbitrary_bytes_raise_only_manifest_errors(raw):
    try:
        parse_manifest(raw)
    except ManifestError as exc:
        error = exc
    else:
        return
    assert error.where
