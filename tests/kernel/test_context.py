"""Context: the legacy API of spec/context.md §1."""

from __future__ import annotations

import enum
import json
import threading
import time

import pytest
from f0.context import CALLBACK_EVENTS, Context, ContextMetrics
from f0.model import Delta
from structlog.testing import capture_logs

from .support import MemoryStore

# -- get / set ---------------------------------------------------------------


def test_get_missing_key_returns_default():
    ctx = Context()
    assert ctx.get("nope") is None
    assert ctx.get("nope", 42) == 42


def test_set_then_get_round_trip():
    ctx = Context()
    assert ctx.set("numbers.stats_v1", {"mean": 2.5, "n": [1, 2]}) is True
    assert ctx.get("numbers.stats_v1") == {"mean": 2.5, "n": [1, 2]}


def test_dotted_keys_are_flat():
    ctx = Context()
    ctx.set("a.b", 1)
    assert ctx.get("a") is None
    assert ctx.keys() == ["a.b"]


def test_get_returns_a_deep_copy():
    ctx = Context()
    ctx.set("cfg", {"inner": {"x": 1}, "items": [1]})
    got = ctx.get("cfg")
    got["inner"]["x"] = 99
    got["items"].append(2)
    assert ctx.get("cfg") == {"inner": {"x": 1}, "items": [1]}


def test_set_stores_a_deep_copy():
    ctx = Context()
    value = {"inner": {"x": 1}, "items": [1]}
    ctx.set("cfg", value)
    value["inner"]["x"] = 99
    value["items"].append(2)
    assert ctx.get("cfg") == {"inner": {"x": 1}, "items": [1]}


def test_to_dict_is_a_deep_copy():
    ctx = Context()
    ctx.set("cfg", {"x": [1]})
    data = ctx.to_dict()
    data["cfg"]["x"].append(2)
    data["new"] = 1
    assert ctx.to_dict() == {"cfg": {"x": [1]}}


def test_tuples_come_back_as_lists():
    ctx = Context()
    ctx.set("t", (1, (2, 3)))
    assert ctx.get("t") == [1, [2, 3]]
    assert type(ctx.get("t")) is list


@pytest.mark.parametrize("key", [1, None, b"k", ("a",)])
def test_non_str_key_is_a_type_error(key):
    ctx = Context()
    with pytest.raises(TypeError, match="must be str"):
        ctx.set(key, 1)
    with pytest.raises(TypeError):
        ctx.get(key)


def test_empty_key_is_a_value_error():
    ctx = Context()
    with pytest.raises(ValueError, match="empty"):
        ctx.set("", 1)
    assert ctx.keys() == []


@pytest.mark.parametrize(
    "value",
    [
        object(),
        {1, 2},
        {"nested": object()},
        [1, {"x": {2}}],
        float("nan"),
        float("inf"),
        [float("-inf")],
    ],
    ids=["object", "set", "nested-object", "nested-set", "nan", "inf", "nested-inf"],
)
def test_non_json_value_is_rejected_and_nothing_stored(value):
    ctx = Context()
    ctx.set("k", "before")
    ctx.pop_dirty_keys()
    with pytest.raises(ValueError, match="'k'"):
        ctx.set("k", value)
    assert ctx.get("k") == "before"
    assert len(ctx.get_history()) == 1
    assert ctx.pop_dirty_keys() == []


class Colour(enum.StrEnum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


class MyFloat(float):
    pass


@pytest.mark.parametrize(
    ("value", "expected"),
    [(Colour.RED, "red"), (Level.HIGH, 3), (MyFloat(1.5), 1.5), ([Colour.RED], ["red"])],
    ids=["str-enum", "int-enum", "float-subclass", "nested"],
)
def test_subclasses_of_json_types_are_stored_as_plain_json(value, expected):
    ctx = Context()
    ctx.set("k", value)
    got = ctx.get("k")
    assert got == expected
    assert json.dumps(got) == json.dumps(expected)
    assert type(got) is type(expected)
    assert ctx.set("k", expected) is False  # already stored as exactly that


def test_float_subclass_nan_is_rejected():
    with pytest.raises(ValueError, match="'k'"):
        Context().set("k", MyFloat("nan"))


def test_non_str_dict_keys_become_strings_like_json():
    ctx = Context()
    ctx.set("k", {1: "a"})
    assert ctx.get("k") == {"1": "a"}


def test_equal_value_is_a_no_op():
    ctx = Context()
    ctx.set("k", {"a": [1, 2]})
    ctx.pop_dirty_keys()
    assert ctx.set("k", {"a": [1, 2]}) is False
    assert ctx.set("k", {"a": (1, 2)}) is False  # equal once normalised
    assert len(ctx.get_history()) == 1
    assert ctx.pop_dirty_keys() == []


@pytest.mark.parametrize(
    ("old", "new"),
    [(1, True), (1, 1.0), (0, False), ([1], [True]), ({"a": 1}, {"a": 1.0}), ([[0]], [[False]])],
)
def test_values_equal_in_python_but_not_in_json_are_changes(old, new):
    ctx = Context()
    ctx.set("k", old)
    assert ctx.set("k", new) is True
    assert json.dumps(ctx.get("k")) == json.dumps(new)
    assert ctx.get_history("k")[-1]["after"] == new


def test_keys_in_insertion_order_and_delete_then_set_moves_to_end():
    ctx = Context()
    for key in ("b", "a", "c"):
        ctx.set(key, 1)
    assert ctx.keys() == ["b", "a", "c"]
    ctx.set("a", 2)  # updating keeps the position
    assert ctx.keys() == ["b", "a", "c"]
    ctx.delete("b")
    ctx.set("b", 1)
    assert ctx.keys() == ["a", "c", "b"]
    assert len(ctx) == 3
    assert "a" in ctx
    assert "zzz" not in ctx


def test_delete_and_clear():
    ctx = Context()
    ctx.set("a", 1)
    ctx.set("b", 2)
    assert ctx.delete("a", who="me") is True
    assert ctx.delete("a") is False
    ctx.clear(who="wiper")
    assert ctx.keys() == []
    deletes = [
        (h["key"], h["who"], h["operation"])
        for h in ctx.get_history()
        if h["operation"] == "delete"
    ]
    assert deletes == [("a", "me", "delete"), ("b", "wiper", "delete")]


# -- history -------------------------------------------------------------------


def test_history_entries_have_the_legacy_shape():
    ctx = Context()
    t0 = time.time()
    ctx.set("k", 1, who="step1")
    ctx.set("k", {"v": 2}, who="step2")
    ctx.delete("k", who="step3")
    t1 = time.time()
    history = ctx.get_history()
    assert [set(h) for h in history] == [
        {"timestamp", "key", "before", "after", "who", "operation"}
    ] * 3
    assert [(h["key"], h["before"], h["after"], h["who"], h["operation"]) for h in history] == [
        ("k", None, 1, "step1", "set"),
        ("k", 1, {"v": 2}, "step2", "set"),
        ("k", {"v": 2}, None, "step3", "delete"),
    ]
    stamps = [h["timestamp"] for h in history]
    assert all(isinstance(s, float) for s in stamps)
    assert t0 <= stamps[0] <= stamps[1] <= stamps[2] <= t1


def test_who_defaults_to_none():
    ctx = Context()
    ctx.set("k", 1)
    assert ctx.get_history()[0]["who"] is None


def test_history_values_cannot_be_mutated_through_get_history():
    ctx = Context()
    ctx.set("k", {"x": [1]})
    ctx.get_history()[0]["after"]["x"].append(2)
    assert ctx.get_history()[0]["after"] == {"x": [1]}
    assert ctx.get("k") == {"x": [1]}


def test_get_history_filters_by_key():
    ctx = Context()
    ctx.set("a", 1)
    ctx.set("b", 1)
    ctx.set("a", 2)
    assert [h["after"] for h in ctx.get_history("a")] == [1, 2]
    assert [h["key"] for h in ctx.get_history("b")] == ["b"]
    assert ctx.get_history("zzz") == []


def test_clear_history_returns_count():
    ctx = Context()
    ctx.set("a", 1)
    ctx.set("a", 2)
    ctx.set("b", 3)
    assert ctx.clear_history() == 3
    assert ctx.get_history() == []
    assert ctx.clear_history() == 0
    assert ctx.to_dict() == {"a": 2, "b": 3}


def test_history_disabled():
    ctx = Context(enable_history=False)
    ctx.set("a", 1)
    ctx.delete("a")
    assert ctx.get_history() == []
    assert ctx.clear_history() == 0
    assert ctx.pop_dirty_keys() == ["a"]  # dirty tracking still works


# -- dirty keys --------------------------------------------------------------


def test_pop_dirty_keys_first_change_order_each_once_then_cleared():
    ctx = Context()
    ctx.set("b", 1)
    ctx.set("a", 1)
    ctx.set("b", 2)
    ctx.delete("a")
    assert ctx.pop_dirty_keys() == ["b", "a"]
    assert ctx.pop_dirty_keys() == []
    ctx.set("c", 1)
    assert ctx.pop_dirty_keys() == ["c"]


# -- callbacks ---------------------------------------------------------------


def test_callbacks_fire_with_keyword_arguments():
    ctx = Context()
    ctx.set("k", 1)
    ctx.pop_dirty_keys()
    seen: list[tuple[str, dict]] = []
    for event in sorted(CALLBACK_EVENTS):
        ctx.register_callback(event, lambda event=event, **kw: seen.append((event, kw)))
    ctx.set("k", 2, who="me")
    assert seen == [
        ("before_set", {"key": "k", "value": 2, "old_value": 1, "who": "me"}),
        ("on_dirty", {"key": "k", "value": 2, "old_value": 1, "who": "me"}),
        ("after_set", {"key": "k", "value": 2, "old_value": 1, "who": "me"}),
    ]
    seen.clear()
    assert ctx.get("k") == 2
    assert [e for e, _ in seen] == ["before_get", "after_get"]
    assert seen[1][1]["key"] == "k"
    assert seen[1][1]["value"] == 2


def test_every_event_accepts_a_callback_with_the_documented_signature():
    ctx = Context()
    seen = []

    def cb(key, value, old_value, who):
        seen.append(key)

    for event in CALLBACK_EVENTS:
        ctx.register_callback(event, cb)
    ctx.set("k", 1)
    ctx.get("k")
    assert len(seen) == len(CALLBACK_EVENTS)


def test_on_dirty_fires_once_per_dirty_period():
    ctx = Context()
    dirty = []
    ctx.register_callback("on_dirty", lambda **kw: dirty.append(kw["key"]))
    ctx.set("k", 1)
    ctx.set("k", 2)
    assert dirty == ["k"]
    ctx.pop_dirty_keys()
    ctx.set("k", 3)
    assert dirty == ["k", "k"]


def test_no_op_set_fires_no_set_callbacks():
    ctx = Context()
    ctx.set("k", 1)
    seen = []
    ctx.register_callback("before_set", lambda **kw: seen.append(kw))
    ctx.set("k", 1)
    assert seen == []


def test_unknown_callback_event_is_a_value_error():
    ctx = Context()
    with pytest.raises(ValueError, match="on_change"):
        ctx.register_callback("on_change", lambda **kw: None)


def test_raising_callback_is_logged_and_swallowed():
    ctx = Context()

    def bad(**kw):
        raise RuntimeError("callback bug")

    after = []
    ctx.register_callback("after_set", bad)
    ctx.register_callback("after_set", lambda **kw: after.append(kw["key"]))
    ctx.register_callback("before_get", bad)
    with capture_logs() as logs:
        assert ctx.set("k", 1) is True
        assert ctx.get("k") == 1
    assert after == ["k"]  # later callbacks still run
    failed = [e for e in logs if e["event"] == "context.callback_failed"]
    assert [e["log_level"] for e in failed] == ["warning", "warning"]
    assert {e["callback_event"] for e in failed} == {"after_set", "before_get"}


def test_callback_cannot_mutate_stored_state():
    ctx = Context()
    ctx.register_callback("after_set", lambda **kw: kw["value"].append("evil"))
    ctx.register_callback("after_get", lambda **kw: kw["value"].append("evil"))
    ctx.set("k", [1])
    ctx.get("k")
    assert ctx.get("k") == [1]
    assert ctx.get_history("k")[0]["after"] == [1]


# -- metrics -----------------------------------------------------------------


def test_metrics_none_when_disabled():
    assert Context(enable_metrics=False).get_metrics() is None
    assert Context(True, False).get_metrics() is None  # legacy positional arguments


def test_metrics_count_operations():
    ctx = Context()
    ctx.set("a", {"x": 1})
    ctx.set("b", 2)
    ctx.set("b", 2)  # no-op: not counted
    ctx.get("a")
    ctx.get("missing")
    metrics = ctx.get_metrics()
    assert isinstance(metrics, ContextMetrics)
    assert metrics.set_operations == 2
    assert metrics.get_operations == 2
    assert metrics.total_operations == 4
    assert metrics.total_keys == 2
    assert metrics.dirty_keys_count == 2
    assert metrics.history_entries == 2
    assert metrics.memory_usage_bytes == len(json.dumps({"a": {"x": 1}, "b": 2}).encode())
    assert metrics.last_updated > 0


def test_metrics_are_a_snapshot():
    ctx = Context()
    ctx.set("a", 1)
    before = ctx.get_metrics()
    ctx.set("b", 1)
    assert before is not None
    assert before.set_operations == 1
    assert before.total_keys == 1


def test_update_operation_count():
    metrics = ContextMetrics()
    metrics.update_operation_count("get")
    metrics.update_operation_count("set")
    metrics.update_operation_count("other")
    assert (metrics.total_operations, metrics.get_operations, metrics.set_operations) == (3, 1, 1)


# -- merge_from ----------------------------------------------------------------


def _pair():
    ours = Context()
    ours.set("same", 1)
    ours.set("conflict", "ours")
    ours.set("only_ours", True)
    ours.pop_dirty_keys()
    ours.clear_history()
    theirs = Context()
    theirs.set("same", 1)
    theirs.set("conflict", "theirs")
    theirs.set("only_theirs", [1])
    return ours, theirs


def test_merge_last_wins():
    ours, theirs = _pair()
    changed = ours.merge_from(theirs)
    assert ours.to_dict() == {
        "same": 1,
        "conflict": "theirs",
        "only_ours": True,
        "only_theirs": [1],
    }
    assert sorted(changed) == ["conflict", "only_theirs"]
    assert sorted(ours.pop_dirty_keys()) == ["conflict", "only_theirs"]
    history = ours.get_history()
    assert {(h["key"], h["who"], h["operation"]) for h in history} == {
        ("conflict", "merge", "merge"),
        ("only_theirs", "merge", "merge"),
    }


def test_merge_first_wins():
    ours, theirs = _pair()
    ours.merge_from(theirs, conflict_strategy="first_wins")
    assert ours.to_dict() == {"same": 1, "conflict": "ours", "only_ours": True, "only_theirs": [1]}


def test_merge_error_names_conflicts_and_changes_nothing():
    ours, theirs = _pair()
    theirs.set("conflict2", "x")
    ours.set("conflict2", "y")
    ours.pop_dirty_keys()
    ours.clear_history()
    before = ours.to_dict()
    with pytest.raises(ValueError, match="conflict, conflict2"):
        ours.merge_from(theirs, conflict_strategy="error")
    assert ours.to_dict() == before
    assert ours.get_history() == []
    assert ours.pop_dirty_keys() == []


def test_merge_error_without_conflicts_merges():
    ours = Context.from_dict({"a": 1})
    ours.merge_from({"a": 1, "b": 2}, conflict_strategy="error")
    assert ours.to_dict() == {"a": 1, "b": 2}


def test_merge_with_prefix_is_literal_concatenation():
    ours = Context.from_dict({"a": 1})
    ours.merge_from({"a": 2, "b": 3}, prefix="remote.")
    assert ours.to_dict() == {"a": 1, "remote.a": 2, "remote.b": 3}


def test_merge_from_a_mapping_normalises_values():
    ours = Context()
    ours.merge_from({"t": (1, 2)})
    assert ours.get("t") == [1, 2]
    with pytest.raises(ValueError):
        ours.merge_from({"bad": object()})


def test_merge_unknown_strategy():
    ours, theirs = _pair()
    with pytest.raises(ValueError, match="newest_wins"):
        ours.merge_from(theirs, conflict_strategy="newest_wins")


# -- JSON / dict round trips ---------------------------------------------------


def test_to_json_is_indented_and_sorted():
    ctx = Context()
    ctx.set("b", 1)
    ctx.set("a", [1])
    assert ctx.to_json() == json.dumps({"a": [1], "b": 1}, indent=2, sort_keys=True)


def test_from_json_round_trip_with_fresh_history():
    ctx = Context()
    ctx.set("a", {"x": 1})
    ctx.set("b", "two")
    copy = Context.from_json(ctx.to_json())
    assert copy.to_dict() == ctx.to_dict()
    assert copy.get_history() == []
    assert copy.pop_dirty_keys() == []


def test_from_json_passes_constructor_arguments():
    ctx = Context.from_json('{"a": 1}', enable_metrics=False, enable_history=False)
    assert ctx.get_metrics() is None
    ctx.set("a", 2)
    assert ctx.get_history() == []


@pytest.mark.parametrize("text", ["{", "not json", ""])
def test_from_json_invalid(text):
    with pytest.raises(ValueError, match="invalid context JSON"):
        Context.from_json(text)


@pytest.mark.parametrize("text", ["[1, 2]", "1", '"s"', "null"])
def test_from_json_non_object(text):
    with pytest.raises(ValueError, match="must be an object"):
        Context.from_json(text)


def test_from_dict():
    source = {"b": (1,), "a": {"x": 1}}
    ctx = Context.from_dict(source)
    assert ctx.to_dict() == {"b": [1], "a": {"x": 1}}
    assert ctx.keys() == ["b", "a"]
    assert ctx.get_history() == []
    assert ctx.pop_dirty_keys() == []
    source["a"]["x"] = 2
    assert ctx.get("a") == {"x": 1}
    with pytest.raises(ValueError):
        Context.from_dict({"k": object()})
    with pytest.raises(TypeError):
        Context.from_dict({1: 1})


# -- repr, threads, deltas, stores ---------------------------------------------


def test_repr():
    ctx = Context()
    assert repr(ctx) == "Context(keys=0, history=0, dirty=0)"
    ctx.set("a", 1)
    ctx.set("a", 2)
    ctx.set("b", 1)
    assert repr(ctx) == "Context(keys=2, history=3, dirty=2)"
    ctx.pop_dirty_keys()
    assert repr(ctx) == "Context(keys=2, history=3, dirty=0)"


def test_threads_setting_distinct_keys():
    ctx = Context()
    n_threads, per_thread = 8, 250
    barrier = threading.Barrier(n_threads)

    def work(t: int) -> None:
        barrier.wait()
        for i in range(per_thread):
            ctx.set(f"t{t}.k{i}", i, who=f"t{t}")
            ctx.get(f"t{t}.k{i}")

    threads = [threading.Thread(target=work, args=(t,)) for t in range(n_threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    data = ctx.to_dict()
    assert len(data) == n_threads * per_thread
    assert all(data[f"t{t}.k{i}"] == i for t in range(n_threads) for i in range(per_thread))
    assert len(ctx.get_history()) == n_threads * per_thread
    assert len(ctx.pop_dirty_keys()) == n_threads * per_thread
    metrics = ctx.get_metrics()
    assert metrics is not None
    assert metrics.set_operations == metrics.get_operations == n_threads * per_thread


def test_callback_may_read_the_context_it_is_called_from():
    # The lock is re-entrant, so this does not deadlock.
    ctx = Context()
    ctx.set("n", 0)
    seen = []
    ctx.register_callback("after_set", lambda **kw: seen.append(ctx.get("n")))
    ctx.set("n", 1)
    assert seen == [1]


def test_apply_delta():
    ctx = Context.from_dict({"keep": 1, "gone": 2, "same": 3})
    delta = Delta(
        changes={"new": [1], "same": 3, "keep": 10}, removed=("gone", "never_there"), who="step"
    )
    changed = ctx.apply_delta(delta)
    assert ctx.to_dict() == {"keep": 10, "same": 3, "new": [1]}
    assert changed == ["gone", "new", "keep"]
    assert [(h["key"], h["operation"], h["who"]) for h in ctx.get_history()] == [
        ("gone", "delete", "step"),
        ("new", "set", "step"),
        ("keep", "set", "step"),
    ]
    assert ctx.pop_dirty_keys() == ["gone", "new", "keep"]


def test_apply_delta_who_overrides_delta_who():
    ctx = Context()
    ctx.apply_delta(Delta(changes={"a": 1}, who="inner"), who="outer")
    assert ctx.get_history()[0]["who"] == "outer"


def test_store_is_loaded_written_and_closed():
    store = MemoryStore("mem://", {"loaded": 1})
    ctx = Context(store=store)
    assert ctx.get("loaded") == 1
    ctx.set("a", 1)
    ctx.set("a", 1)  # no-op: not written
    ctx.delete("loaded")
    assert store.writes == [({"a": 1}, ()), ({}, ("loaded",))]
    assert store.data == {"a": 1}
    ctx.close()
    assert store.closed
