"""The run's timeline as an SVG Gantt chart, one lane per step running at once.

Lanes come from greedy interval partitioning (steps by start time, each in
the first lane that is free by then), so the number of lanes is the run's
peak parallelism and steps that overlapped sit on different lanes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

import attrs

from f0_analytics._graph import STATUS_COLORS
from f0_analytics._svg_dag import text_color
from f0_analytics._text import fmt_seconds

__all__ = ["Bar", "assign_lanes", "gantt_svg", "nice_step"]

WIDTH = 1120
GUTTER = 64
ROW_H = 26
BAR_H = 18
AXIS_H = 26
_CHAR_W = 6.6


@attrs.frozen(kw_only=True)
class Bar:
    """One step on the timeline: seconds from the run's start."""

    name: str
    start: float
    end: float
    status: str
    attempts: int = 1


def assign_lanes(bars: Sequence[Bar]) -> list[int]:
    """The lane of each bar (same order as *bars*); overlapping bars never share one."""
    order = sorted(range(len(bars)), key=lambda i: (bars[i].start, bars[i].end))
    lane_end: list[float] = []
    lanes = [0] * len(bars)
    for i in order:
        bar = bars[i]
        for lane, end in enumerate(lane_end):
            if end <= bar.start:
                lanes[i] = lane
                lane_end[lane] = bar.end
                break
        else:
            lanes[i] = len(lane_end)
            lane_end.append(bar.end)
    return lanes


def nice_step(span: float, ticks: int = 8) -> float:
    """A round tick spacing (1, 2 or 5 times a power of ten) giving about *ticks* ticks."""
    if span <= 0 or not math.isfinite(span):
        return 1.0
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return float(factor * power)
    return float(10 * power)  # pragma: no cover - the loop always returns


def gantt_svg(bars: Sequence[Bar]) -> str:
    """An ``<svg>`` Gantt chart of *bars* (an empty note when there are none)."""
    if not bars:
        return '<p class="muted">No step ran in this run.</p>'
    lanes = assign_lanes(bars)
    count = max(lanes) + 1
    span = max(*(b.end for b in bars), 1e-6)
    plot_w = WIDTH - GUTTER - 12
    height = AXIS_H + count * ROW_H + 8

    def x_of(t: float) -> float:
        return GUTTER + t / span * plot_w

    out = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="gantt fit" viewBox="0 0 {WIDTH} {height}" '
            f'width="{WIDTH}" height="{height}" font-family="system-ui, sans-serif" font-size="11" '
            f'data-lanes="{count}">'
        )
    ]
    for lane in range(count):
        y = AXIS_H + lane * ROW_H
        fill = "#f5f7fa" if lane % 2 == 0 else "#ffffff"
        out.append(
            f'<rect class="lane" x="0" y="{y}" width="{WIDTH}" height="{ROW_H}" fill="{fill}"/>'
            f'<text x="8" y="{y + ROW_H / 2 + 4}" fill="#7b8794">lane {lane + 1}</text>'
        )
    step = nice_step(span)
    for k in range(int(span / step * 1.0001) + 1):
        t = k * step
        x = x_of(t)
        out.append(
            f'<line x1="{x:.1f}" y1="{AXIS_H - 4}" x2="{x:.1f}" y2="{height - 8}" '
            'stroke="#d9e2ec" stroke-width="1"/>'
            f'<text x="{x:.1f}" y="{AXIS_H - 9}" text-anchor="middle" fill="#52606d">'
            f"{escape(fmt_seconds(t) if t else '0')}</text>"
        )
    for bar, lane in zip(bars, lanes, strict=True):
        x = x_of(bar.start)
        w = max(x_of(bar.end) - x, 2.0)
        top = AXIS_H + lane * ROW_H + (ROW_H - BAR_H) / 2
        color = STATUS_COLORS.get(bar.status, "#9aa5b1")
        retried = f", {bar.attempts} attempts" if bar.attempts > 1 else ""
        tip = (
            f"{bar.name}: {bar.status}, {fmt_seconds(bar.end - bar.start)} "
            f"(+{fmt_seconds(bar.start)} .. +{fmt_seconds(bar.end)}{retried})"
        )
        label = ""
        if len(bar.name) * _CHAR_W + 8 < w:
            label = (
                f'<text x="{x + 4:.1f}" y="{top + BAR_H / 2 + 4:.1f}" fill="{text_color(color)}">'
                f"{escape(bar.name)}</text>"
            )
        out.append(
            f'<g class="bar" data-step="{escape(bar.name)}" data-lane="{lane + 1}" '
            f'data-status="{bar.status}"><title>{escape(tip)}</title>'
            f'<rect x="{x:.1f}" y="{top:.1f}" width="{w:.1f}" height="{BAR_H}" rx="3" '
            f'fill="{color}" fill-opacity="0.85" stroke="#334e68" stroke-width="0.5"/>'
            f"{label}</g>"
        )
    out.append("</svg>")
    return "\n".join(out)
