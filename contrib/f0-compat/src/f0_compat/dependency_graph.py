"""``orchestrator.dependency_graph``: Framework0's ``DependencyGraph`` over f0's planner.

Tasks and their dependencies are kept as added; the order is
:func:`f0.build_plan`'s (dependencies first, then the order tasks were
added), the same order ``f0 run`` uses for a recipe's steps.
"""

from __future__ import annotations

import threading

import f0

__all__ = ["DependencyGraph"]


class DependencyGraph:
    """A DAG of named tasks (thread-safe)."""

    def __init__(self) -> None:
        self._deps: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    def add_task(self, name: str, dependencies: list[str] | None = None) -> None:
        """Add (or replace) *name*, which runs after every name in *dependencies*."""
        if not isinstance(name, str) or not name:
            msg = f"task names must be non-empty strings, not {name!r}"
            raise ValueError(msg)
        deps = list(dict.fromkeys(dependencies or []))
        if name in deps:
            msg = f"task {name!r} cannot depend on itself"
            raise ValueError(msg)
        with self._lock:
            self._deps[name] = deps

    def remove_task(self, name: str) -> bool:
        """Remove *name* and every edge to it; False if it was not there."""
        with self._lock:
            if self._deps.pop(name, None) is None:
                return False
            for deps in self._deps.values():
                if name in deps:
                    deps.remove(name)
            return True

    def get_task_dependencies(self, name: str) -> list[str]:
        """What *name* waits for (``KeyError`` for an unknown task)."""
        with self._lock:
            return list(self._deps[name])

    def get_task_dependents(self, name: str) -> list[str]:
        """The tasks that wait for *name* (``KeyError`` for an unknown task)."""
        with self._lock:
            if name not in self._deps:
                raise KeyError(name)
            return [task for task, deps in self._deps.items() if name in deps]

    def get_task_order(self) -> list[str]:
        """Every task, dependencies first; ``ValueError`` for an unknown dependency or a cycle."""
        with self._lock:
            graph = {name: list(deps) for name, deps in self._deps.items()}
        unknown = sorted({d for deps in graph.values() for d in deps if d not in graph})
        if unknown:
            msg = f"unknown dependencies: {', '.join(unknown)}"
            raise ValueError(msg)
        steps = [
            f0.Step(name=name, idx=i, depends_on=deps)
            for i, (name, deps) in enumerate(graph.items(), 1)
        ]
        try:
            plan = f0.build_plan(f0.Recipe(name="dependency_graph", steps=steps))
        except ValueError:
            msg = f"dependency cycle among tasks: {', '.join(sorted(graph))}"
            raise ValueError(msg) from None
        return [step.name for step in plan.order]

    def visualize(self) -> str:
        """The graph in Graphviz DOT (render it with ``dot -Tsvg``)."""
        with self._lock:
            lines = ["digraph tasks {"]
            lines += [f'  "{name}";' for name in self._deps]
            lines += [
                f'  "{dep}" -> "{name}";' for name, deps in self._deps.items() for dep in deps
            ]
        return "\n".join([*lines, "}"])
