"""``orchestrator.dependency_graph.DependencyGraph`` over f0's planner."""

from __future__ import annotations

import pytest
from orchestrator.dependency_graph import DependencyGraph


def test_order_dependencies_and_dependents():
    graph = DependencyGraph()
    graph.add_task("combine", ["process_a", "process_b"])
    graph.add_task("process_b", ["setup"])
    graph.add_task("process_a", ["setup"])
    graph.add_task("setup")
    order = graph.get_task_order()
    assert order[0] == "setup"
    assert order[-1] == "combine"
    assert order.index("process_b") < order.index("process_a")  # added first
    assert graph.get_task_dependencies("combine") == ["process_a", "process_b"]
    assert sorted(graph.get_task_dependents("setup")) == ["process_a", "process_b"]
    assert graph.remove_task("process_a") is True
    assert graph.remove_task("process_a") is False
    assert graph.get_task_dependencies("combine") == ["process_b"]
    assert graph.get_task_order() == ["setup", "process_b", "combine"]
    assert '"setup" -> "process_b";' in graph.visualize()


def test_bad_graphs():
    graph = DependencyGraph()
    graph.add_task("a", ["ghost"])
    with pytest.raises(ValueError, match="ghost"):
        graph.get_task_order()
    graph.add_task("ghost", ["a"])
    with pytest.raises(ValueError, match="cycle"):
        graph.get_task_order()
    with pytest.raises(ValueError):
        graph.add_task("self", ["self"])
    with pytest.raises(ValueError):
        graph.add_task("")
    with pytest.raises(KeyError):
        graph.get_task_dependencies("nope")
    with pytest.raises(KeyError):
        graph.get_task_dependents("nope")
