"""Refuse recipes too large to read, before and while they are parsed.

The kernel refuses a file over ``F0_MAX_RECIPE_BYTES`` before reading it;
here the node limit (``F0_MAX_RECIPE_NODES``, see :class:`f0.Limits`) holds
for both readers:

* :func:`precount` runs libyaml (C, through ruamel.yaml's own extension) over
  the text and counts its events without building a Python object: a file
  with too many nodes is refused in a fraction of a second, before yaml-rs,
  ``json`` or ruamel.yaml spend time and memory on it.
* :class:`LimitedComposer` is ruamel.yaml's composer counting as it goes (for
  when libyaml cannot read the file), and, once the node graph is built,
  measures it with aliases expanded (memoised, so a "billion laughs" bomb
  costs the size of its text) and refuses a recursive alias (``&a {k: *a}``),
  which ruamel.yaml would otherwise turn into ``null`` without a word.
* :func:`count_values` counts an already parsed value (for the fast readers
  when libyaml could not precount).

A scalar or an alias is one node, a mapping or a list two (its start and its
end), as a YAML parser counts events.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from f0 import Limits, RecipeError, SourcePos
from ruamel.yaml.composer import Composer
from ruamel.yaml.events import AliasEvent, ScalarEvent
from ruamel.yaml.nodes import MappingNode, Node, SequenceNode

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["LimitedComposer", "count_values", "precount"]


def precount(text: str, limits: Limits, where: str) -> int | None:
    """How many parser events libyaml sees in *text*; None when it cannot parse it.

    Raises :class:`f0.RecipeError` when that is over ``limits.max_nodes``.
    """
    try:
        from ruamel.yaml.cyaml import CParser  # type: ignore[attr-defined]

        count = int(CParser(text).raw_parse())
    except Exception:  # noqa: BLE001 - no C parser, or a syntax error: the readers report it
        return None
    # Stream and document start/end are 4 events no user wrote.
    if count - 4 > limits.max_nodes:
        raise RecipeError(limits.too_many_nodes(), where=where)
    return count


def count_values(data: Any, limits: Limits, where: str) -> None:
    """Raise :class:`f0.RecipeError` if *data* has more than ``limits.max_nodes`` nodes."""
    count = 0
    pending = [data]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            count += 2
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            count += 2
            pending.extend(value)
        else:
            count += 1
        if count > limits.max_nodes:
            raise RecipeError(limits.too_many_nodes(), where=where)


class LimitedComposer(Composer):
    """ruamel.yaml's composer, refusing too many nodes and recursive aliases.

    :attr:`limits` and :attr:`where` are set on each instance by the reader
    that makes it (:mod:`f0_yaml._positions`).
    """

    limits: Limits = Limits()
    where: str = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._count = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        """Count the node about to be composed, then compose it."""
        self._count += 1 if self.parser.check_event(ScalarEvent, AliasEvent) else 2
        if self._count > self.limits.max_nodes:
            raise RecipeError(self.limits.too_many_nodes(), where=self.where)
        return super().compose_node(parent, index)

    def get_single_node(self) -> Any:
        """The document's root node, checked with its aliases expanded."""
        node = super().get_single_node()
        if node is not None:
            _check_graph(node, self.limits, self.where)
        return node


def _children(node: Node) -> Iterator[Node]:
    if isinstance(node, MappingNode):
        for key, value in node.value:
            yield key
            yield value
    elif isinstance(node, SequenceNode):
        yield from node.value


def _check_graph(root: Node, limits: Limits, where: str) -> None:
    """Refuse a node graph whose expansion is over the limit or infinite.

    Each distinct node is visited once; its expanded size is the sum of its
    children's, so shared (aliased) subtrees are counted as often as they
    appear without being walked again.
    """
    size: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, closing = stack.pop()
        key = id(node)
        if closing:
            open_nodes.discard(key)
            own = 2 if isinstance(node, MappingNode | SequenceNode) else 1
            total = own + sum(size[id(child)] for child in _children(node))
            if total > limits.max_nodes:
                raise RecipeError(
                    limits.too_many_nodes("nodes once aliases are expanded"), where=where
                )
            size[key] = total
            continue
        if key in size:
            continue
        if key in open_nodes:  # only an ancestor can still be open: a cycle
            mark = node.start_mark  # the anchored value: the alias is inside it
            msg = "a YAML alias refers to a value that contains it"
            raise RecipeError(msg, pos=SourcePos(where, mark.line + 1, mark.column + 1))
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in size)
