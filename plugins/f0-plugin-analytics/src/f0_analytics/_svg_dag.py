"""The DAG as hand-built SVG, from the built-in layered layout.

Each step is a ``<g class="node" data-step=... data-status=...>`` with a
``<title>`` tooltip, so pages can style and tests can find them. Edges are
cubic curves from a step's right side to its dependant's left side.
"""

from __future__ import annotations

from html import escape

from f0_analytics._graph import STATUS_COLORS, Dag, Layout, layout

__all__ = ["NEUTRAL", "dag_svg", "text_color"]

NODE_W = 170
NODE_H = 34
GAP_X = 60
GAP_Y = 14
MARGIN = 16
#: Fill of a step with no status (``f0 graph``).
NEUTRAL = "#E8EEF6"
_MAX_LABEL = 22


def _label(name: str) -> str:
    return name if len(name) <= _MAX_LABEL else name[: _MAX_LABEL - 1] + "\u2026"


def text_color(fill: str) -> str:
    """Dark text on light fills, white on dark ones (relative luminance)."""
    r, g, b = (int(fill[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return "#111" if 0.299 * r + 0.587 * g + 0.114 * b > 0.55 else "#fff"  # noqa: PLR2004 - mid grey


#: Graphs up to this wide shrink to fit the page; wider ones scroll.
FIT_WIDTH = 2400


def dag_svg(dag: Dag, *, where: Layout | None = None, title: str | None = None) -> str:
    """An ``<svg>`` element (no XML prolog) drawing *dag*."""
    where = where or layout(dag)
    longest = max((len(_label(n.name)) for n in dag.nodes), default=4)
    node_w = int(min(NODE_W, max(90, 7.2 * longest + 28)))
    tallest = where.height
    width = MARGIN * 2 + max(len(where.layers), 1) * (node_w + GAP_X) - GAP_X
    height = MARGIN * 2 + max(tallest, 1) * (NODE_H + GAP_Y) - GAP_Y
    pos: dict[str, tuple[float, float]] = {}
    for li, names in enumerate(where.layers):
        offset = (tallest - len(names)) * (NODE_H + GAP_Y) / 2
        for ri, name in enumerate(names):
            pos[name] = (MARGIN + li * (node_w + GAP_X), MARGIN + offset + ri * (NODE_H + GAP_Y))
    out = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="dag{" fit" if width <= FIT_WIDTH else ""}" viewBox="0 0 {width} {height:.0f}" '
            f'width="{width}" height="{height:.0f}" role="img" '
            f'aria-label="{escape(title or dag.name)}" font-family="system-ui, sans-serif">'
        ),
        (
            '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" '
            'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
            '<path d="M0,0 L10,5 L0,10 z" fill="#7b8794"/></marker></defs>'
        ),
        '<g class="edges" fill="none" stroke="#9aa5b1" stroke-width="1.3">',
    ]
    for src, dst in dag.edges:
        x1, y1 = pos[src]
        x2, y2 = pos[dst]
        x1, y1, y2 = x1 + node_w, y1 + NODE_H / 2, y2 + NODE_H / 2
        bend = max(GAP_X / 2, (x2 - x1) / 3)
        out.append(
            f'<path class="edge" data-from="{escape(src)}" data-to="{escape(dst)}" '
            f'd="M{x1:.1f},{y1:.1f} C{x1 + bend:.1f},{y1:.1f} {x2 - bend:.1f},{y2:.1f} '
            f'{x2 - 1:.1f},{y2:.1f}" marker-end="url(#arrow)"/>'
        )
    out.append("</g>")
    out.append('<g class="nodes" font-size="12">')
    for node in dag.nodes:
        x, y = pos[node.name]
        fill = STATUS_COLORS.get(node.status or "", NEUTRAL)
        status = node.status or ""
        tip = node.name + (f" \u2014 {status}" if status else "") + f" ({node.type})"
        out.append(
            f'<g class="node" data-step="{escape(node.name)}" data-status="{status}">'
            f"<title>{escape(tip)}</title>"
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{node_w}" height="{NODE_H}" rx="7" '
            f'fill="{fill}" stroke="#52606d" stroke-width="1"/>'
            f'<text x="{x + node_w / 2:.1f}" y="{y + NODE_H / 2 + 4:.1f}" '
            f'text-anchor="middle" fill="{text_color(fill)}">{escape(_label(node.name))}</text>'
            "</g>"
        )
    out.append("</g></svg>")
    return "\n".join(out)
