"""The checks as a library: schema, quality, rules, profiler."""

from __future__ import annotations

import statistics

from f0_validate import (
    check_accuracy,
    check_completeness,
    check_consistency,
    profile_dataset,
    schema_problem,
    validate_rules,
    validate_schema,
)
from f0_validate._profile import iqr_outliers, zscore_outliers
from f0_validate._rules import compare
from hypothesis import given
from hypothesis import strategies as st

ROWS = [
    {"id": "1", "name": "a", "units": "12", "region": "north"},
    {"id": "2", "name": "", "units": "x", "region": "south"},
    {"id": "2", "units": "-3", "region": "mars"},
]


def test_schema_errors_every_one_at_its_path():
    schema = {
        "type": "array",
        "items": {"type": "object", "required": ["id"], "properties": {"n": {"type": "integer"}}},
    }
    found = validate_schema([{"id": 1, "n": "x"}, {"n": 2.5}], schema)
    assert [(f.field, f.message) for f in found] == [
        ("$[0].n", "'x' is not of type 'integer'"),
        ("$[1]", "'id' is a required property"),
        ("$[1].n", "2.5 is not of type 'integer'"),
    ]


def test_formats_are_checked():
    found = validate_schema({"when": "not a date"}, {"properties": {"when": {"format": "date"}}})
    assert [f.message for f in found] == ["'not a date' is not a 'date'"]


def test_an_invalid_schema_is_named_with_its_path():
    assert schema_problem({"properties": {"a": {"type": "nope"}}}) == (
        "invalid schema at $.properties.a.type: 'nope' is not valid under any of the given schemas"
    )
    assert schema_problem([1]) == "a schema must be a mapping, not list"
    assert schema_problem({"type": "object"}) is None


def test_completeness_consistency_accuracy():
    (c,) = check_completeness(ROWS, {"fields": ["name", "units"]})
    assert c.field == "name"
    assert "2 of 3 records have no value" in c.message
    assert check_completeness(ROWS, {"fields": ["name"], "min_ratio": 0.3}) == []
    found = check_consistency(
        ROWS, {"unique": ["id"], "types": {"units": "integer"}, "same_fields": True}
    )
    assert [f.rule for f in found] == [
        "consistency.unique",
        "consistency.type",
        "consistency.same_fields",
    ]
    assert "not integer in records 1" in found[1].message
    found = check_accuracy(
        ROWS,
        {
            "ranges": {"units": {"min": 0}},
            "allowed": {"region": ["north", "south"]},
            "patterns": {"id": r"\d+"},
        },
    )
    assert [(f.field, f.rule) for f in found] == [
        ("[1].units", "accuracy.range"),
        ("[2].units", "accuracy.range"),
        ("[2].region", "accuracy.allowed"),
    ]


def test_rules_of_every_kind(tmp_path):
    (tmp_path / "myrules.py").write_text(
        "def no_mars(records):\n    return [f'record {i} is on mars' for i, r in enumerate(records) if r.get('region') == 'mars']\n"
        "def boom(records):\n    return 1 / 0\n",
        encoding="utf-8",
    )
    rules = [
        {"name": "pos", "field": "units", "op": ">", "value": 0},
        {
            "name": "cond",
            "kind": "conditional",
            "when": {"field": "region", "value": "south"},
            "then": {"field": "name", "op": "exists"},
        },
        {
            "name": "total",
            "kind": "aggregation",
            "aggregate": "sum",
            "field": "units",
            "op": ">=",
            "value": 100,
            "severity": "critical",
        },
        {"name": "count", "kind": "aggregation", "aggregate": "count", "op": "==", "value": 3},
        {
            "name": "mars",
            "kind": "custom",
            "module": "myrules",
            "function": "no_mars",
            "severity": "warning",
        },
        {"name": "boom", "kind": "custom", "module": "myrules", "function": "boom"},
    ]
    found = validate_rules(ROWS, rules, base_dir=tmp_path)
    assert [(f.rule, f.field, f.severity) for f in found] == [
        ("pos", "[1].units", "error"),
        ("pos", "[2].units", "error"),
        ("cond", "[1].name", "error"),
        ("total", "sum(units)", "critical"),
        ("mars", None, "warning"),
        ("boom", None, "error"),
    ]
    assert found[3].message == "sum(units) = 9.0 fails >= 100"
    assert found[4].message == "record 2 is on mars"
    assert found[5].message == "raised ZeroDivisionError: division by zero"


def test_compare_coerces_csv_numbers_and_never_raises():
    assert compare("12", ">", 3)
    assert not compare("abc", ">", 3)
    assert compare("abc", "!=", 3)
    assert not compare(None, "==", None)
    assert compare(None, "missing")
    assert not compare([1], "<", "a")
    assert compare("b", "in", ["a", "b"])
    assert compare("2", "in", [1, 2])
    assert compare("AB-12", "matches", r"[A-Z]+-\d+")


def test_profile_stats_and_outliers():
    values = [10, 11, 12, 12, 13, 14, 15, 11, 12, 13, 12, 500]
    records = [{"v": str(v), "s": "x" * (i % 3)} for i, v in enumerate(values)]
    profile, findings = profile_dataset(records)
    v = profile["fields"]["v"]
    assert v["type"] == "number"
    assert v["count"] == 12
    assert v["median"] == statistics.median(values)
    assert v["outliers_iqr"] == [11]
    assert v["outliers_zscore"] == [11]
    assert {f.rule for f in findings} == {"outlier.iqr", "outlier.zscore"}
    assert all(f.severity == "warning" for f in findings)
    s = profile["fields"]["s"]
    assert s["missing"] == 4
    assert s["max_length"] == 2


NUMBERS = st.lists(st.integers(-1000, 1000).map(float), min_size=2, max_size=40)


@given(values=NUMBERS, factor=st.sampled_from([0.5, 1.5, 3.0]))
def test_iqr_outliers_match_the_definition(values, factor):
    ordered = sorted(values)
    n = len(ordered)

    def q(p):  # linear interpolation between closest ranks
        pos = (n - 1) * p
        lo = int(pos)
        hi = min(lo + 1, n - 1)
        return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)

    q1, q3 = q(0.25), q(0.75)
    low, high = q1 - factor * (q3 - q1), q3 + factor * (q3 - q1)
    expected = [i for i, v in enumerate(values) if v < low - 1e-9 or v > high + 1e-9]
    borderline = [i for i, v in enumerate(values) if abs(v - low) < 1e-9 or abs(v - high) < 1e-9]
    got = iqr_outliers(values, factor)
    assert set(expected) <= set(got) <= set(expected) | set(borderline)


@given(values=NUMBERS, threshold=st.sampled_from([1.0, 2.0, 3.0]))
def test_zscore_outliers_match_the_definition(values, threshold):
    mean, std = statistics.fmean(values), statistics.pstdev(values)
    got = {i for i, _ in zscore_outliers(values, threshold)}
    if std == 0:
        assert got == set()
        return
    for i, v in enumerate(values):
        z = abs(v - mean) / std
        if abs(z - threshold) > 1e-9:
            assert (i in got) == (z > threshold)
