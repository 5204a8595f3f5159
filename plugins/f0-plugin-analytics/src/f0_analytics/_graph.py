"""The DAG of a recipe or of a recorded run, and a layered layout of it.

Nodes are steps; an edge ``a -> b`` means ``b`` depends on ``a``. The
built-in layout (used when Graphviz is not installed, and by the report) is
Sugiyama-style: each step's layer is its longest path from a root, then a few
barycenter sweeps order each layer to shorten edges. It is linear in the
number of steps and edges per sweep, so a 1,000-step recipe lays out in
milliseconds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from f0 import Recipe, RunRecord

__all__ = [
    "STATUS_COLORS",
    "Dag",
    "Layout",
    "Node",
    "dag_of_recipe",
    "dag_of_record",
    "layout",
]

#: Status colours of ``spec/tools.md`` §4 (CACHED, not in the spec, is a green-grey).
STATUS_COLORS: Mapping[str, str] = {
    "PENDING": "#D3D3D3",
    "RUNNING": "#1E90FF",
    "COMPLETED": "#32CD32",
    "FAILED": "#DC143C",
    "SKIPPED": "#FFD700",
    "CANCELLED": "#A9A9A9",
    "TIMEOUT": "#FF8C00",
    "CACHED": "#8FBC8F",
}

_SWEEPS = 4


@attrs.frozen(kw_only=True)
class Node:
    """One step in the graph."""

    name: str
    idx: int
    type: str = "python"
    depends_on: tuple[str, ...] = ()
    description: str = ""
    #: A run's status of the step (``TIMEOUT`` for a failed attempt past its timeout), or None.
    status: str | None = None


@attrs.frozen(kw_only=True)
class Dag:
    """Steps in recipe order; dependencies on unknown steps are dropped."""

    name: str
    nodes: tuple[Node, ...]

    @property
    def edges(self) -> list[tuple[str, str]]:
        """``(dependency, step)`` pairs."""
        names = {n.name for n in self.nodes}
        return [(d, n.name) for n in self.nodes for d in n.depends_on if d in names]


@attrs.frozen(kw_only=True)
class Layout:
    """Where each step goes: its layer (column) and its rank within the layer (row)."""

    layer: Mapping[str, int]
    row: Mapping[str, int]
    layers: tuple[tuple[str, ...], ...]

    @property
    def height(self) -> int:
        """Rows of the tallest layer."""
        return max((len(layer) for layer in self.layers), default=0)


def dag_of_recipe(recipe: Recipe) -> Dag:
    """The graph of a loaded recipe (before running it)."""
    return Dag(
        name=recipe.name,
        nodes=tuple(
            Node(
                name=s.name,
                idx=s.idx,
                type=s.type,
                depends_on=tuple(s.depends_on),
                description=s.description,
            )
            for s in sorted(recipe.steps, key=lambda s: (s.idx, s.name))
        ),
    )


def step_status(status: str, error: str | None) -> str:
    """The colour key of a step's status: a failure by timeout is ``TIMEOUT``."""
    if status == "FAILED" and error and error.startswith("timeout after"):
        return "TIMEOUT"
    return status


def dag_of_record(record: RunRecord, recipe: Recipe | None = None) -> Dag:
    """The graph of a recorded run, from each step's recorded definition and status.

    Steps of *recipe* (the run's recipe file, when it can still be read) that
    have no record yet (the run is going on, or was killed) are PENDING.
    """
    nodes = []
    for i, (name, step) in enumerate(record.steps.items()):
        definition = step.definition or {}
        deps = definition.get("depends_on") or ()
        nodes.append(
            Node(
                name=name,
                idx=i,
                type=str(definition.get("type") or "python"),
                depends_on=tuple(str(d) for d in deps),
                status=step_status(step.result.status.value, step.result.error),
            )
        )
    if recipe is not None:
        nodes.extend(
            Node(
                name=s.name,
                idx=len(record.steps) + s.idx,
                type=s.type,
                depends_on=tuple(s.depends_on),
                status="PENDING",
            )
            for s in recipe.steps
            if s.name not in record.steps
        )
    return Dag(name=record.recipe_name, nodes=tuple(nodes))


def _layers(dag: Dag) -> dict[str, int]:
    """Longest path from a root, in topological order (Kahn); cycles are cut."""
    names = [n.name for n in dag.nodes]
    parents: dict[str, list[str]] = {n: [] for n in names}
    children: dict[str, list[str]] = {n: [] for n in names}
    for src, dst in dag.edges:
        parents[dst].append(src)
        children[src].append(dst)
    waiting = {n: len(parents[n]) for n in names}
    ready = [n for n in names if waiting[n] == 0]
    layer: dict[str, int] = {}
    while ready:
        nxt: list[str] = []
        for name in ready:
            layer[name] = max((layer[p] + 1 for p in parents[name] if p in layer), default=0)
            for c in children[name]:
                waiting[c] -= 1
                if waiting[c] == 0:
                    nxt.append(c)
        ready = nxt
    # A cycle (a recipe that would not validate) leaves steps unplaced: put them last.
    top = max(layer.values(), default=-1) + 1
    for name in names:
        layer.setdefault(name, top)
    return layer


def _sweep(
    layers: list[list[str]], neighbours: Mapping[str, Sequence[str]], indices: range
) -> None:
    """Reorder each layer in *indices* by the mean row of its nodes' *neighbours*."""
    row = {name: i for layer in layers for i, name in enumerate(layer)}
    for li in indices:
        layer = layers[li]
        keys = {name: _barycenter(name, i, neighbours, row) for i, name in enumerate(layer)}
        layer.sort(key=lambda n: keys[n])  # stable: ties keep recipe order
        row.update((name, i) for i, name in enumerate(layer))


def _barycenter(
    name: str, row_now: int, neighbours: Mapping[str, Sequence[str]], row: Mapping[str, int]
) -> float:
    near = [row[n] for n in neighbours[name] if n in row]
    return sum(near) / len(near) if near else float(row_now)


def layout(dag: Dag) -> Layout:
    """Layers by longest path, rows by barycenter sweeps (down, then up, repeated)."""
    layer_of = _layers(dag)
    count = max(layer_of.values(), default=-1) + 1
    layers: list[list[str]] = [[] for _ in range(count)]
    for node in dag.nodes:
        layers[layer_of[node.name]].append(node.name)
    parents: dict[str, list[str]] = {n.name: [] for n in dag.nodes}
    children: dict[str, list[str]] = {n.name: [] for n in dag.nodes}
    for src, dst in dag.edges:
        parents[dst].append(src)
        children[src].append(dst)
    for _ in range(_SWEEPS):
        _sweep(layers, parents, range(1, count))
        _sweep(layers, children, range(count - 2, -1, -1))
    row = {name: i for layer in layers for i, name in enumerate(layer)}
    return Layout(layer=layer_of, row=row, layers=tuple(tuple(layer) for layer in layers))
