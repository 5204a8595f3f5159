"""Properties: no generated path escapes the base; what is written reads back the same."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from f0_files import PathEscapeError, confine
from f0_files._formats import dump_value, parse_bytes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SEGMENTS = st.sampled_from(["..", ".", "a", "b", "in", "out", "up", "loop", "", "x y", "ü", "/"])
PATHS = st.lists(SEGMENTS, min_size=1, max_size=8).map("/".join)


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A base folder with links inside it: some stay in, some lead out."""
    root = tmp_path_factory.mktemp("confine")
    base = root / "base"
    (base / "a" / "b").mkdir(parents=True)
    (root / "outside").mkdir()
    (base / "in").symlink_to(base / "a")
    (base / "out").symlink_to(root / "outside")
    (base / "up").symlink_to("..")
    (base / "a" / "loop").symlink_to("../a/loop")
    return base


@settings(max_examples=400, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=PATHS)
def test_no_generated_path_escapes_the_base(tree, path):
    real_base = Path(os.path.realpath(tree))
    try:
        real = confine(tree, path)
    except PathEscapeError:
        return
    assert real.is_relative_to(real_base)
    assert real != real_base
    assert Path(os.path.realpath(real)) == real  # nothing left to resolve


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=PATHS)
def test_absolute_paths_are_judged_by_where_they_resolve(tree, path):
    candidate = "/" + path.lstrip("/")
    try:
        real = confine(tree, candidate)
    except PathEscapeError:
        return
    assert real.is_relative_to(Path(os.path.realpath(tree)))


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
CELL = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\x00"), max_size=12
)


@given(value=JSON)
def test_json_and_yaml_round_trip(value):
    for fmt in ("json", "yaml"):
        assert parse_bytes(dump_value(value, fmt), fmt) == value


@given(
    fields=st.lists(CELL.filter(bool), min_size=1, max_size=4, unique=True),
    data=st.data(),
)
def test_csv_round_trips_records_of_strings(fields, data):
    rows = data.draw(st.lists(st.fixed_dictionaries(dict.fromkeys(fields, CELL)), max_size=5))
    assert parse_bytes(dump_value(rows, "csv"), "csv") == rows
