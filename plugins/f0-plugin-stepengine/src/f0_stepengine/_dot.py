"""``f0 stepengine graph``: the graph as Graphviz DOT, from dg_node_attr_dict/dg_edge_attr_dict."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from f0_stepengine._graph import Graph

__all__ = ["to_dot"]


def _quote(value: Any) -> str:
    return json.dumps(str(value), ensure_ascii=False)


def _attrs(values: Mapping[str, Any]) -> str:
    if not values:
        return ""
    inner = ", ".join(f"{_quote(k)}={_quote(v)}" for k, v in values.items())
    return f" [{inner}]"


def to_dot(graph: Graph) -> str:
    """DOT text: nodes with their ``dg_node_attr_dict`` (label defaults to the name),
    arrows labelled with their key (inactive ones dashed), the start node bold."""
    lines = [f"digraph {_quote(graph.name)} {{"]
    for node in graph.nodes.values():
        attrs = {"label": node.name, **node.dot_attrs}
        if node.first:
            attrs.setdefault("penwidth", "2")
        if not node.active:
            attrs.setdefault("style", "dashed")
        lines.append(f"    {_quote(node.name)}{_attrs(attrs)};")
    for source, arrows in graph.arrows.items():
        for arrow in arrows.values():
            attrs = {"label": arrow.key, **arrow.dot_attrs}
            if not arrow.active:
                attrs.setdefault("style", "dashed")
            lines.append(f"    {_quote(source)} -> {_quote(arrow.target)}{_attrs(attrs)};")
    lines.append("}")
    return "\n".join(lines)
