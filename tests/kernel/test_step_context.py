"""StepContext: reads through to the run's state, writes only into a delta."""

from __future__ import annotations

import pickle

import pytest
from f0.context import Context, StepClosedError, StepContext
from f0.model import Delta


@pytest.fixture(params=["context", "dict"])
def base(request):
    data = {"x": 1, "cfg": {"a": [1]}, "gone": "soon"}
    return Context.from_dict(data) if request.param == "context" else data


def test_reads_through_to_base(base):
    view = StepContext(base, who="s")
    assert view.get("x") == 1
    assert view.get("cfg") == {"a": [1]}
    assert view.get("missing", "dflt") == "dflt"
    assert "x" in view
    assert "missing" not in view


def test_reads_are_copies_of_the_base(base):
    view = StepContext(base, who="s")
    view.get("cfg")["a"].append(2)
    assert view.get("cfg") == {"a": [1]}
    assert base.get("cfg") == {"a": [1]}


def test_own_writes_visible_to_the_step_only(base):
    view = StepContext(base, who="s")
    assert view.set("x", 2) is True
    assert view.set("new", (1, 2)) is True
    assert view.get("x") == 2
    assert view.get("new") == [1, 2]
    assert base.get("x") == 1
    assert base.get("new") is None
    assert view.to_dict() == {"x": 2, "cfg": {"a": [1]}, "gone": "soon", "new": [1, 2]}
    assert view.keys() == ["x", "cfg", "gone", "new"]


def test_writes_reach_a_context_only_through_apply_delta():
    ctx = Context.from_dict({"x": 1, "gone": 1})
    view = StepContext(ctx, who="step_a")
    view.set("x", 2)
    view.set("y", {"k": "v"})
    view.delete("gone")
    assert ctx.to_dict() == {"x": 1, "gone": 1}
    assert ctx.get_history() == []
    changed = ctx.apply_delta(view.delta())
    assert ctx.to_dict() == {"x": 2, "y": {"k": "v"}}
    assert sorted(changed) == ["gone", "x", "y"]
    assert {h["who"] for h in ctx.get_history()} == {"step_a"}


def test_set_of_unchanged_value_records_nothing(base):
    view = StepContext(base, who="s")
    assert view.set("x", 1) is False
    assert view.set("cfg", {"a": (1,)}) is False
    assert view.delta().empty


def test_set_distinguishes_json_types(base):
    view = StepContext(base, who="s")
    assert view.set("x", True) is True
    assert view.delta().changes == {"x": True}


def test_delete(base):
    view = StepContext(base, who="s")
    assert view.delete("gone") is True
    assert view.get("gone") is None
    assert "gone" not in view
    assert "gone" not in view
    assert "gone" not in view.to_dict()
    assert view.delete("gone") is False
    assert view.delete("never") is False
    assert view.delta().removed == ("gone",)
    assert base.get("gone") == "soon"


def test_delete_own_write_of_new_key_leaves_no_trace(base):
    view = StepContext(base, who="s")
    view.set("tmp", 1)
    assert view.delete("tmp") is True
    assert view.delta().empty
    assert view.get("tmp") is None


def test_set_after_delete_is_a_change_not_a_removal(base):
    view = StepContext(base, who="s")
    view.delete("x")
    view.set("x", 5)
    delta = view.delta()
    assert delta.removed == ()
    assert delta.changes == {"x": 5}


def test_delta_records_reads_and_who(base):
    view = StepContext(base, who="step_b")
    view.get("x")
    view.get("missing")
    view.set("z", 1)
    view.get("z")
    delta = view.delta()
    assert delta.reads == frozenset({"x", "missing", "z"})
    assert delta.who == "step_b"
    assert isinstance(delta, Delta)


def test_delta_is_a_snapshot(base):
    view = StepContext(base, who="s")
    view.set("a", 1)
    delta = view.delta()
    view.set("b", 2)
    assert dict(delta.changes) == {"a": 1}


def test_delta_is_picklable(base):
    view = StepContext(base, who="s")
    view.set("a", {"b": [1]})
    view.delete("gone")
    view.get("x")
    assert pickle.loads(pickle.dumps(view.delta())) == view.delta()


def test_close_makes_writes_raise(base):
    view = StepContext(base, who="late")
    view.set("a", 1)
    view.close()
    with pytest.raises(StepClosedError, match="late"):
        view.set("b", 2)
    with pytest.raises(StepClosedError):
        view.delete("x")
    assert view.get("a") == 1  # reading is still allowed
    assert dict(view.delta().changes) == {"a": 1}


def test_non_json_set_raises_and_records_nothing(base):
    view = StepContext(base, who="s")
    with pytest.raises(ValueError, match="'bad'"):
        view.set("bad", object())
    with pytest.raises(ValueError):
        view.set("x", float("nan"))
    assert view.delta().empty
    assert view.get("x") == 1


def test_invalid_keys(base):
    view = StepContext(base, who="s")
    with pytest.raises(TypeError):
        view.set(1, 1)
    with pytest.raises(ValueError):
        view.set("", 1)
    with pytest.raises(TypeError):
        view.get(None)


def test_pop_dirty_keys_lists_changes_and_removals(base):
    view = StepContext(base, who="s")
    view.set("a", 1)
    view.delete("gone")
    assert sorted(view.pop_dirty_keys()) == ["a", "gone"]


def test_history_is_the_runs():
    ctx = Context()
    ctx.set("a", 1, who="earlier")
    view = StepContext(ctx, who="s")
    view.set("a", 2)
    assert [h["who"] for h in view.get_history()] == ["earlier"]
    assert StepContext({"a": 1}, who="s").get_history() == []


def test_to_json(base):
    view = StepContext(base, who="s")
    view.set("a", 1)
    assert '"a": 1' in view.to_json()
    assert view.to_json().index('"a"') < view.to_json().index('"x"')
