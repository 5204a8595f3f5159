"""``f0 graph``: a recipe's DAG as SVG, DOT, Mermaid, JSON or an HTML page.

SVG goes through Graphviz's ``dot`` when it is installed (its layout
crosses fewer edges), else through the built-in layered layout; both can be
chosen with ``--layout``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from html import escape
from typing import TYPE_CHECKING

from f0_analytics._graph import STATUS_COLORS, Dag, dag_of_recipe, layout
from f0_analytics._svg_dag import NEUTRAL, dag_svg

if TYPE_CHECKING:
    from f0 import Recipe

__all__ = ["FORMATS", "LAYOUTS", "graph_json", "render_graph", "to_dot", "to_mermaid"]

FORMATS = ("svg", "dot", "mermaid", "json", "html")
LAYOUTS = ("auto", "dot", "builtin")
_DOT_TIMEOUT_S = 60.0


def _q(text: str) -> str:
    """A DOT double-quoted string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(dag: Dag) -> str:
    """Graphviz DOT, left to right, steps coloured by status when they have one."""
    lines = [
        f"digraph {_q(dag.name)} {{",
        '  graph [rankdir=LR, nodesep=0.25, ranksep=0.55, fontname="Helvetica"];',
        '  node [shape=box, style="rounded,filled", fillcolor="'
        + NEUTRAL
        + '", color="#52606d", fontname="Helvetica", fontsize=11, height=0.4];',
        '  edge [color="#9aa5b1", arrowsize=0.7];',
    ]
    for node in dag.nodes:
        extra = ""
        if node.status:
            extra = f', fillcolor="{STATUS_COLORS.get(node.status, NEUTRAL)}"'
        tip = f"{node.name} ({node.type})"
        lines.append(f"  {_q(node.name)} [tooltip={_q(tip)}{extra}];")
    lines.extend(f"  {_q(src)} -> {_q(dst)};" for src, dst in dag.edges)
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_mermaid(dag: Dag) -> str:
    """A Mermaid ``flowchart LR`` (ids ``s0, s1...``, names as labels)."""
    ids = {n.name: f"s{i}" for i, n in enumerate(dag.nodes)}
    lines = ["flowchart LR"]
    for node in dag.nodes:
        label = node.name.replace('"', "#quot;")
        lines.append(f'  {ids[node.name]}["{label}"]')
    lines.extend(f"  {ids[src]} --> {ids[dst]}" for src, dst in dag.edges)
    used = sorted({n.status for n in dag.nodes if n.status})
    for status in used:
        lines.append(f"  classDef {status.lower()} fill:{STATUS_COLORS[status]}")
        members = ",".join(ids[n.name] for n in dag.nodes if n.status == status)
        lines.append(f"  class {members} {status.lower()}")
    return "\n".join(lines) + "\n"


def graph_json(dag: Dag) -> str:
    """``{"name", "nodes": [{name, idx, type, depends_on, layer, row}], "edges": [[a, b]]}``."""
    where = layout(dag)
    return json.dumps(
        {
            "name": dag.name,
            "nodes": [
                {
                    "name": n.name,
                    "idx": n.idx,
                    "type": n.type,
                    "depends_on": list(n.depends_on),
                    "description": n.description,
                    "layer": where.layer[n.name],
                    "row": where.row[n.name],
                }
                for n in dag.nodes
            ],
            "edges": [list(e) for e in dag.edges],
        },
        indent=1,
    )


def dot_svg(dag: Dag) -> str:
    """SVG laid out by Graphviz's ``dot`` (an :class:`~f0.F0Error` if it fails)."""
    from f0 import F0Error

    exe = shutil.which("dot")
    if exe is None:
        msg = "Graphviz 'dot' is not installed (apt-get install graphviz), or use --layout builtin"
        raise F0Error(msg, where="--layout")
    try:
        proc = subprocess.run(
            [exe, "-Tsvg"],
            input=to_dot(dag),
            capture_output=True,
            text=True,
            timeout=_DOT_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        msg = f"Graphviz 'dot' took more than {_DOT_TIMEOUT_S:g}s; use --layout builtin"
        raise F0Error(msg, where="--layout") from None
    if proc.returncode != 0:
        detail = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "no message"
        msg = f"Graphviz 'dot' failed: {detail}"
        raise F0Error(msg, where="--layout")
    return proc.stdout[proc.stdout.find("<svg") :]


def svg(dag: Dag, layout_name: str = "auto") -> str:
    """SVG through ``dot`` (``auto``: when installed) or the built-in layout."""
    if layout_name == "dot" or (layout_name == "auto" and shutil.which("dot")):
        return dot_svg(dag)
    return dag_svg(dag)


def html_page(dag: Dag, layout_name: str = "auto") -> str:
    """A self-contained HTML page showing the graph."""
    steps = len(dag.nodes)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(dag.name)} \u2014 f0 graph</title>"
        "<style>body{font-family:system-ui,sans-serif;margin:24px;color:#1f2933}"
        "h1{font-size:20px;margin:0 0 4px}p{color:#52606d;margin:0 0 16px}"
        ".graph{overflow:auto;border:1px solid #d9e2ec;border-radius:8px;padding:8px}"
        ".fit{max-width:100%;height:auto}"
        "</style></head><body>"
        f"<h1>{escape(dag.name)}</h1><p>{steps} step{'s' * (steps != 1)}, "
        f"{len(dag.edges)} dependencies</p>"
        f'<div class="graph">{svg(dag, layout_name)}</div></body></html>\n'
    )


def render_graph(recipe: Recipe, fmt: str, *, layout: str = "auto") -> str:
    """The graph of *recipe* in format *fmt* (one of :data:`FORMATS`)."""
    dag = dag_of_recipe(recipe)
    if fmt == "dot":
        return to_dot(dag)
    if fmt == "mermaid":
        return to_mermaid(dag)
    if fmt == "json":
        return graph_json(dag) + "\n"
    if fmt == "html":
        return html_page(dag, layout)
    text = svg(dag, layout)
    return text if text.endswith("\n") else text + "\n"
