"""Hypothesis: a Context behaves like a dict of JSON values, and history replays it."""

from __future__ import annotations

import json
from typing import Any

from f0.context import Context, StepContext
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

KEYS = st.sampled_from(["a", "b", "a.b", "steps.x.status", "k k", "ключ"])
JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=12,
)
# Equal in Python (0 == 0.0 == False) but not in JSON: the no-op check must tell them apart.
LOOKALIKES = st.sampled_from([0, 1, 0.0, 1.0, False, True])
LOOKALIKE_VALUES = st.recursive(
    LOOKALIKES,
    lambda inner: (
        st.lists(inner, max_size=2) | st.dictionaries(st.sampled_from("ab"), inner, max_size=2)
    ),
    max_leaves=4,
)
# Values the caller may pass that are not JSON types themselves but normalise to JSON.
LOOSE_VALUES = JSON_VALUES | LOOKALIKE_VALUES | st.tuples(JSON_SCALARS, JSON_SCALARS)


def normal(value: Any) -> Any:
    return json.loads(json.dumps(value))


def same(a: Any, b: Any) -> bool:
    """Equality as JSON sees it: 1, 1.0 and True differ (written independently of the kernel)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def replay(history: list[dict[str, Any]]) -> dict[str, Any]:
    state: dict[str, Any] = {}
    for entry in history:
        if entry["operation"] == "delete":
            del state[entry["key"]]
        else:
            state[entry["key"]] = entry["after"]
    return state


class ContextMachine(RuleBasedStateMachine):
    """Random set/delete/merge/delta sequences against a plain dict model."""

    def __init__(self) -> None:
        super().__init__()
        self.ctx = Context()
        self.model: dict[str, Any] = {}
        self.dirty: list[str] = []
        self.history_len = 0

    def _changed(self, key: str) -> None:
        self.history_len += 1
        if key not in self.dirty:
            self.dirty.append(key)

    def _model_set(self, key: str, value: Any) -> bool:
        if key in self.model and same(self.model[key], value):
            return False
        self.model[key] = value
        self._changed(key)
        return True

    @rule(key=KEYS, value=LOOSE_VALUES, who=st.none() | st.sampled_from(["s1", "cli"]))
    def set(self, key: str, value: Any, who: str | None) -> None:
        assert self.ctx.set(key, value, who=who) is self._model_set(key, normal(value))

    @rule(key=KEYS)
    def delete(self, key: str) -> None:
        expected = key in self.model
        assert self.ctx.delete(key) is expected
        if expected:
            del self.model[key]
            self._changed(key)

    @rule(other=st.dictionaries(KEYS, JSON_VALUES, max_size=3))
    def merge_last_wins(self, other: dict[str, Any]) -> None:
        changed = self.ctx.merge_from(other)
        assert changed == [k for k, v in other.items() if self._model_set(k, v)]

    @rule(
        changes=st.dictionaries(KEYS, JSON_VALUES, max_size=3), removed=st.lists(KEYS, max_size=2)
    )
    def step_delta(self, changes: dict[str, Any], removed: list[str]) -> None:
        # A step's writes go through a StepContext; the delta is applied afterwards.
        view = StepContext(self.ctx, who="step")
        for key in removed:
            view.delete(key)
        for key, value in changes.items():
            view.set(key, value)
        before = self.ctx.to_dict()
        expected = {k: v for k, v in before.items() if k not in removed} | changes
        assert same(dict(sorted(view.to_dict().items())), dict(sorted(expected.items())))
        self.ctx.apply_delta(view.delta())
        for key in view.delta().removed:
            del self.model[key]
            self._changed(key)
        for key, value in view.delta().changes.items():
            self._model_set(key, value)
        assert same(dict(sorted(self.model.items())), dict(sorted(expected.items())))

    @rule()
    def pop_dirty(self) -> None:
        assert self.ctx.pop_dirty_keys() == self.dirty
        self.dirty = []

    @precondition(lambda self: self.model)
    @rule(data=st.data())
    def get(self, data: st.DataObject) -> None:
        key = data.draw(st.sampled_from(sorted(self.model)))
        assert same(self.ctx.get(key), self.model[key])

    @invariant()
    def matches_model(self) -> None:
        assert same(self.ctx.to_dict(), self.model)
        assert self.ctx.keys() == list(self.model)

    @invariant()
    def history_replays_to_current_state(self) -> None:
        history = self.ctx.get_history()
        assert len(history) == self.history_len
        assert same(replay(history), self.ctx.to_dict())

    @invariant()
    def json_round_trip(self) -> None:
        assert same(
            Context.from_json(self.ctx.to_json()).to_dict(),
            json.loads(json.dumps(self.ctx.to_dict(), sort_keys=True)),
        )


ContextMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)
TestContextMachine = ContextMachine.TestCase


def lookalike_of(value: Any, data: st.DataObject) -> Any:
    """*value* with every number/bool replaced by one equal to it in Python (0 / 0.0 / False)."""
    if isinstance(value, list):
        return [lookalike_of(v, data) for v in value]
    if isinstance(value, dict):
        return {k: lookalike_of(v, data) for k, v in value.items()}
    return data.draw(st.sampled_from([0, 0.0, False] if value == 0 else [1, 1.0, True]))


@given(old=LOOKALIKE_VALUES, data=st.data())
def test_set_is_a_no_op_only_for_json_equal_values(old: Any, data: st.DataObject) -> None:
    new = data.draw(LOOKALIKE_VALUES | st.just(lookalike_of(old, data)))
    ctx = Context()
    ctx.set("k", old)
    assert ctx.set("k", new) is not same(old, new)
    assert same(ctx.get("k"), new)
    assert len(ctx.get_history()) == (1 if same(old, new) else 2)


@given(value=LOOSE_VALUES)
def test_get_returns_exactly_the_json_round_trip(value: Any) -> None:
    ctx = Context()
    ctx.set("k", value)
    assert same(ctx.get("k"), normal(value))


@given(ops=st.lists(st.tuples(KEYS, st.none() | JSON_VALUES), max_size=25))
def test_history_replay_reproduces_final_state(ops: list[tuple[str, Any]]) -> None:
    ctx = Context()
    for key, value in ops:
        if value is None:
            ctx.delete(key)
        else:
            ctx.set(key, value)
    assert same(replay(ctx.get_history()), ctx.to_dict())
