"""Ordering a recipe's steps: topological order with ``idx`` breaking ties.

``depends_on`` decides order even where ``idx`` disagrees; among steps that
are ready at the same moment the lower ``idx`` (then list position) goes
first, so a recipe without dependencies runs exactly in idx order.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from f0.model import Recipe, Step

__all__ = ["Plan", "build_plan", "find_cycle"]


@attrs.frozen(kw_only=True)
class Plan:
    """The order a recipe would run in and why each step runs or not."""

    order: tuple[Step, ...]
    #: Level n holds the steps whose longest dependency chain has n links.
    levels: tuple[tuple[str, ...], ...]
    dependants: Mapping[str, tuple[str, ...]]
    #: step name -> ("RUN" | "SKIP", reason)
    decisions: Mapping[str, tuple[str, str]]

    def to_json(self) -> dict[str, Any]:
        """The ``f0 plan --json`` object."""
        return {
            "order": [s.name for s in self.order],
            "levels": [list(level) for level in self.levels],
            "steps": {
                s.name: {
                    "idx": s.idx,
                    "type": s.type,
                    "depends_on": list(s.depends_on),
                    "action": self.decisions[s.name][0],
                    "why": self.decisions[s.name][1],
                }
                for s in self.order
            },
        }


def find_cycle(edges: Mapping[str, Sequence[str]]) -> list[str] | None:
    """A dependency cycle in *edges* (name -> names it depends on), or None.

    The cycle is returned as a path that starts and ends on the same name.
    Linear in names + edges: each node's dependencies are walked once.
    """
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(edges, white)
    for root in edges:
        if colour[root] != white:
            continue
        # Iterative DFS so deep chains cannot hit the recursion limit; each
        # frame keeps an iterator over its node's dependencies.
        stack: list[tuple[str, Iterator[str]]] = [(root, iter(edges[root]))]
        path: list[str] = [root]
        colour[root] = grey
        while stack:
            node, deps = stack[-1]
            nxt = next((d for d in deps if d in colour), None)
            if nxt is None:
                colour[node] = black
                stack.pop()
                path.pop()
            elif colour[nxt] == grey:
                return [*path[path.index(nxt) :], nxt]
            elif colour[nxt] == white:
                colour[nxt] = grey
                stack.append((nxt, iter(edges[nxt])))
                path.append(nxt)
    return None


def build_plan(recipe: Recipe) -> Plan:
    """Order *recipe*'s steps. The recipe must already be valid (no cycles)."""
    steps = recipe.steps
    position = {s.name: i for i, s in enumerate(steps)}
    by_name = {s.name: s for s in steps}
    dependants: dict[str, list[str]] = {s.name: [] for s in steps}
    waiting = {s.name: 0 for s in steps}
    for s in steps:
        for dep in s.depends_on:
            if dep in dependants:
                dependants[dep].append(s.name)
                waiting[s.name] += 1

    def key(name: str) -> tuple[int, int, str]:
        return (by_name[name].idx, position[name], name)

    ready = [key(n) for n, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    order: list[Step] = []
    level: dict[str, int] = {}
    while ready:
        _, _, name = heapq.heappop(ready)
        step = by_name[name]
        level[name] = max((level[d] + 1 for d in step.depends_on if d in level), default=0)
        order.append(step)
        for child in dependants[name]:
            waiting[child] -= 1
            if waiting[child] == 0:
                heapq.heappush(ready, key(child))
    if len(order) != len(steps):
        msg = "recipe has a dependency cycle; validate it first"
        raise ValueError(msg)
    levels: list[list[str]] = []
    for step in order:
        n = level[step.name]
        while len(levels) <= n:
            levels.append([])
        levels[n].append(step.name)
    decisions = {
        s.name: ("RUN", "no cache") if s.enabled else ("SKIP", "enabled: false") for s in order
    }
    return Plan(
        order=tuple(order),
        levels=tuple(tuple(lv) for lv in levels),
        dependants={k: tuple(v) for k, v in dependants.items()},
        decisions=decisions,
    )
