"""DebugEnvironmentManager: breakpoints, restricted conditions, watches, sessions, export."""

from __future__ import annotations

import contextlib
import json

import pytest
from f0_trace import ConditionError, DebugEnvironmentManager
from hypothesis import given
from hypothesis import strategies as st


def test_breakpoints_hit_on_conditions_and_count():
    dbg = DebugEnvironmentManager("d")
    big = dbg.add_breakpoint("big", "rows > 100 and status in ('ok', 'warn')")
    always = dbg.add_breakpoint("always")
    first = dbg.add_breakpoint("first", "items[0]['id'] == 7 if items else False")
    assert dbg.check_breakpoints({"rows": 150, "status": "ok", "items": []}) == [big, always]
    assert dbg.check_breakpoints({"rows": 5, "status": "ok", "items": [{"id": 7}]}) == [
        always,
        first,
    ]
    assert dbg.check_breakpoints({"status": "ok", "items": []}) == [always]  # unknown name: no hit
    counts = {b.breakpoint_id: b.hit_count for b in dbg.get_breakpoints()}
    assert counts == {big: 1, always: 3, first: 1}
    assert dbg.check_breakpoints({"rows": 1}, name="big") == []
    assert DebugEnvironmentManager("off", enable_breakpoints=False).check_breakpoints({}) == []


@pytest.mark.parametrize(
    ("condition", "what"),
    [
        ("__import__('os')", "function calls"),
        ("__builtins__", "dunder"),
        ("x.__class__", "attribute access"),
        ("ctx.items", "attribute access"),
        ("(lambda: 1)()", "function calls"),
        ("lambda: 1", "lambda"),
        ("[y for y in x]", "comprehensions"),
        ("2 ** 100000", "Pow"),
        ("x ==", "col 5: invalid syntax"),
    ],
)
def test_unsafe_conditions_are_refused_when_added(condition, what):
    dbg = DebugEnvironmentManager("d")
    with pytest.raises(ConditionError, match=what) as info:
        dbg.add_breakpoint("evil", condition)
    assert repr(condition) in str(info.value)
    assert dbg.get_breakpoints() == []


def test_sequence_repetition_is_refused_at_evaluation():
    dbg = DebugEnvironmentManager("d")
    dbg.add_breakpoint("grow", "s * n")
    assert dbg.check_breakpoints({"s": "a", "n": 10**12}) == []  # refused, not allocated


@given(a=st.integers(-1000, 1000), b=st.integers(-1000, 1000), c=st.integers(1, 50))
def test_conditions_agree_with_python(a, b, c):
    from f0_trace.safe_eval import evaluate

    for expr in ("a + b * c > a - b", "a % c == b // c or not a", "[a, b][1] if a < b else -c"):
        assert evaluate(expr, {"a": a, "b": b, "c": c}) == eval(expr, {}, {"a": a, "b": b, "c": c})


def test_watch_inspect_debug_function_and_export(tmp_path):
    dbg = DebugEnvironmentManager("d")
    bp = dbg.add_breakpoint("divide", "b == 0")

    @dbg.debug_function
    def divide(a: float, b: float = 1) -> float:
        return a / b

    with dbg.debug_context("job") as session:
        assert dbg.watch_variable("n", 1) is True
        assert dbg.watch_variable("n", 1) is False
        assert dbg.watch_variable("n", 2) is True
        assert divide(6, 3) == 2
        with pytest.raises(ZeroDivisionError):
            divide(1, 0)
    kinds = [e["kind"] for e in session.events]
    assert kinds == ["variable_changed", "variable_changed", "call", "breakpoint_hit", "call"]
    assert session.events[2]["arguments"] == {"a": 6, "b": 3}
    assert session.events[2]["result"] == 2.0
    assert "ZeroDivisionError" in session.events[4]["error"]
    assert session.end_time is not None
    assert [h["value"] for h in dbg.get_watched_variables()["n"]] == [1, 2]

    class Node:
        def __init__(self) -> None:
            self.name = "root"
            self.child = {"k": [1, 2]}
            self._hidden = 1

    info = dbg.inspect_object(Node(), depth=2)
    assert info["type"].endswith("Node")
    assert set(info["attributes"]) == {"name", "child"}
    assert info["attributes"]["child"]["items"]["k"] == {"type": "builtins.list", "repr": "[1, 2]"}

    data = json.loads(dbg.export_debug_data(tmp_path / "debug.json").read_text())
    assert data["breakpoints"][0]["breakpoint_id"] == bp
    assert data["breakpoints"][0]["hit_count"] == 1
    assert data["sessions"][0]["name"] == "job"
    assert [h["value"] for h in data["watched_variables"]["n"]] == [1, 2]


def test_sessions_are_capped():
    dbg = DebugEnvironmentManager("d", max_debug_sessions=2)
    ids = [dbg.start_debug_session(f"s{n}") for n in range(3)]
    assert [s.session_id for s in dbg.get_sessions()] == ids[1:]
    with pytest.raises(ValueError, match="debug_level"):
        DebugEnvironmentManager("d", debug_level="LOUD")


@given(st.text(max_size=200))
def test_any_text_is_a_condition_or_a_condition_error(text):
    from f0_trace.safe_eval import compile_condition, evaluate

    try:
        tree = compile_condition(text)
    except ConditionError:
        return
    with contextlib.suppress(ConditionError):
        evaluate(tree, {})


def test_deep_or_long_conditions_are_refused():
    dbg = DebugEnvironmentManager("d")
    with pytest.raises(ConditionError, match="longer than"):
        dbg.add_breakpoint("long", "x == 1 or " * 500 + "x")
    with pytest.raises(ConditionError):
        dbg.add_breakpoint("deep", "(" * 1000 + "x" + ")" * 1000)
