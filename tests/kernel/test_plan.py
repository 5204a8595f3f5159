"""plan.py: topological order, idx tie-break, levels, cycles, long chains."""

from __future__ import annotations

import itertools
import sys

import pytest
from f0.plan import build_plan, find_cycle
from hypothesis import given
from hypothesis import strategies as st

from .support import make_recipe, make_step


def names(plan):
    return [s.name for s in plan.order]


def test_no_dependencies_runs_in_idx_order():
    recipe = make_recipe(make_step("c", 3), make_step("a", 1), make_step("b", 2))
    assert names(build_plan(recipe)) == ["a", "b", "c"]


def test_equal_idx_falls_back_to_list_position():
    recipe = make_recipe(make_step("second", 1), make_step("first", 1), make_step("zero", 0))
    assert names(build_plan(recipe)) == ["zero", "second", "first"]


def test_depends_on_wins_over_idx():
    recipe = make_recipe(
        make_step("load", 3),
        make_step("report", 1, depends_on=["load"]),
        make_step("other", 2),
    )
    order = names(build_plan(recipe))
    assert order.index("load") < order.index("report")
    assert order == ["other", "load", "report"]


def test_idx_breaks_ties_among_ready_steps():
    # After "root", both children are ready: the lower idx goes first even
    # though it comes later in the file.
    recipe = make_recipe(
        make_step("root", 1),
        make_step("late", 9, depends_on=["root"]),
        make_step("early", 2, depends_on=["root"]),
        make_step("independent", 5),
    )
    assert names(build_plan(recipe)) == ["root", "early", "independent", "late"]


def test_levels_are_longest_dependency_chain():
    recipe = make_recipe(
        make_step("a", 1),
        make_step("b", 2),
        make_step("c", 3, depends_on=["a"]),
        make_step("d", 4, depends_on=["a", "c"]),
        make_step("e", 5, depends_on=["b"]),
    )
    plan = build_plan(recipe)
    assert plan.levels == (("a", "b"), ("c", "e"), ("d",))
    assert plan.dependants == {"a": ("c", "d"), "b": ("e",), "c": ("d",), "d": (), "e": ()}


def test_decisions_and_json():
    recipe = make_recipe(make_step("a", 1), make_step("b", 2, depends_on=["a"], enabled=False))
    plan = build_plan(recipe)
    assert plan.decisions == {"a": ("RUN", "no cache"), "b": ("SKIP", "enabled: false")}
    assert plan.to_json() == {
        "order": ["a", "b"],
        "levels": [["a"], ["b"]],
        "steps": {
            "a": {"idx": 1, "type": "fn", "depends_on": [], "action": "RUN", "why": "no cache"},
            "b": {
                "idx": 2,
                "type": "fn",
                "depends_on": ["a"],
                "action": "SKIP",
                "why": "enabled: false",
            },
        },
    }


def test_empty_recipe():
    plan = build_plan(make_recipe())
    assert plan.order == ()
    assert plan.levels == ()


def test_build_plan_refuses_a_cycle():
    recipe = make_recipe(make_step("a", 1, depends_on=["b"]), make_step("b", 2, depends_on=["a"]))
    with pytest.raises(ValueError, match="cycle"):
        build_plan(recipe)


@given(
    st.lists(st.integers(0, 5), min_size=1, max_size=12).flatmap(
        lambda idxs: st.tuples(
            st.just(idxs),
            st.lists(
                st.lists(st.integers(0, len(idxs) - 1), max_size=3),
                min_size=len(idxs),
                max_size=len(idxs),
            ),
        )
    )
)
def test_any_dag_order_respects_dependencies(spec):
    idxs, deps = spec
    # Only depend on earlier list positions: always a DAG.
    steps = [
        make_step(f"s{i}", idx, depends_on=sorted({f"s{d}" for d in ds if d < i}))
        for i, (idx, ds) in enumerate(zip(idxs, deps, strict=True))
    ]
    plan = build_plan(make_recipe(*steps))
    position = {s.name: n for n, s in enumerate(plan.order)}
    assert sorted(position) == sorted(s.name for s in steps)
    for step in steps:
        assert all(position[d] < position[step.name] for d in step.depends_on)
    level = {name: n for n, names_ in enumerate(plan.levels) for name in names_}
    for step in steps:
        expected = max((level[d] + 1 for d in step.depends_on), default=0)
        assert level[step.name] == expected


# -- find_cycle ----------------------------------------------------------------


def test_find_cycle_none_for_a_dag():
    assert find_cycle({"a": [], "b": ["a"], "c": ["a", "b"]}) is None
    assert find_cycle({}) is None


def test_find_cycle_two_steps():
    assert find_cycle({"a": ["b"], "b": ["a"]}) == ["a", "b", "a"]


def test_find_cycle_self_loop():
    assert find_cycle({"a": ["a"]}) == ["a", "a"]


def test_find_cycle_returns_only_the_cycle_path():
    edges = {"entry": ["x"], "x": ["y"], "y": ["z"], "z": ["x"], "other": []}
    assert find_cycle(edges) == ["x", "y", "z", "x"]


def test_find_cycle_after_a_shared_dependency():
    # A diamond (b and c both depend on d) is not a cycle; e -> f -> e is.
    edges = {"a": ["b", "c"], "b": ["d"], "c": ["d"], "d": [], "e": ["f"], "f": ["e"]}
    assert find_cycle(edges) == ["e", "f", "e"]


def test_find_cycle_ignores_unknown_names():
    assert find_cycle({"a": ["nowhere"]}) is None


@given(st.integers(2, 30), st.data())
def test_find_cycle_path_is_a_real_cycle(n, data):
    # A random graph with a planted cycle: whatever is found must be a real cycle.
    nodes = [f"n{i}" for i in range(n)]
    edges = {
        node: data.draw(st.lists(st.sampled_from(nodes[:i]), max_size=3)) if i else []
        for i, node in enumerate(nodes)
    }
    start, end = sorted(
        data.draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=2, unique=True))
    )
    edges[nodes[start]] = [*edges[nodes[start]], nodes[end]]  # back edge closes a cycle
    for i in range(start + 1, end + 1):
        edges[nodes[i]] = [*edges[nodes[i]], nodes[i - 1]]
    cycle = find_cycle(edges)
    assert cycle is not None
    assert cycle[0] == cycle[-1]
    assert len(set(cycle[:-1])) == len(cycle) - 1
    assert all(b in edges[a] for a, b in itertools.pairwise(cycle))


# -- long chains ---------------------------------------------------------------

LONG = 5000


def test_long_chain_plans_without_recursion():
    assert sys.getrecursionlimit() < LONG * 2  # the test means something
    steps = [make_step("s0", 0)] + [
        make_step(f"s{i}", i, depends_on=[f"s{i - 1}"]) for i in range(1, LONG)
    ]
    plan = build_plan(make_recipe(*reversed(steps)))
    assert names(plan) == [f"s{i}" for i in range(LONG)]
    assert len(plan.levels) == LONG


def test_long_chain_cycle_search_without_recursion():
    edges = {f"s{i}": [f"s{i - 1}"] if i else [] for i in range(LONG)}
    assert find_cycle(edges) is None
    edges["s0"] = [f"s{LONG - 1}"]
    cycle = find_cycle(edges)
    assert cycle is not None
    assert len(cycle) == LONG + 1
    assert cycle[0] == cycle[-1]
