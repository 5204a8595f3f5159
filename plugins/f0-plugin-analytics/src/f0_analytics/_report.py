"""``f0 report``: one self-contained HTML page about one recorded run.

Hand-built SVG, not Plotly: the page is a few tens of KiB instead of the
3.5 MiB of Plotly's offline bundle, it needs no JavaScript to draw, and every
element (``g.node``, ``g.bar``) is plain markup tests and users can inspect.
Inline CSS and ~30 lines of inline JavaScript (sort, filter); no network.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from html import escape
from typing import TYPE_CHECKING

from f0_analytics._assets import CSS, JS
from f0_analytics._gantt import Bar, assign_lanes, gantt_svg
from f0_analytics._graph import STATUS_COLORS, dag_of_record, step_status
from f0_analytics._history import History, load_history, measured_steps, metrics_of_record
from f0_analytics._stats import DEFAULT_SENSITIVITY, Anomaly, judge, percentiles
from f0_analytics._svg_dag import dag_svg
from f0_analytics._text import fmt_seconds, fmt_signed

if TYPE_CHECKING:
    from f0 import Recipe, RunRecord, RunStore, StepRecord

    from f0_analytics._db import AnalyticsDB, StepMetrics

__all__ = ["build_report"]

_CONTEXT_LIMIT = 2_000_000  # characters of final context shown in full
_RUN_COLORS = {
    "COMPLETED": STATUS_COLORS["COMPLETED"],
    "FAILED": STATUS_COLORS["FAILED"],
    "PARTIAL": STATUS_COLORS["TIMEOUT"],
    "CANCELLED": STATUS_COLORS["CANCELLED"],
    "RUNNING": STATUS_COLORS["RUNNING"],
    # Recorded RUNNING, but its process is gone (a store that tracks owners says so).
    "CRASHED": STATUS_COLORS["FAILED"],
}


def _when(ts: float | None) -> str:
    return "-" if ts is None else time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts))


def _bars(record: RunRecord, metrics: Mapping[str, StepMetrics]) -> list[Bar]:
    t0 = record.started_at
    return [
        Bar(
            name=name,
            start=max(0.0, m.started_at - t0),
            end=max(0.0, (m.finished_at or m.started_at) - t0),
            status=step_status(m.status, record.steps[name].result.error)
            if name in record.steps
            else m.status,
            attempts=m.attempts,
        )
        for name, m in metrics.items()
        if m.started_at is not None and m.attempts > 0
    ]


def _range_svg(value: float, ref: Mapping[float, float], flagged: bool) -> str:
    """A tiny bar: the p50..p95 band of past runs and this run's duration as a dot."""
    if not ref:
        return ""
    top = max(value, ref[99.0]) * 1.1 or 1.0
    w = 110

    def x(v: float) -> float:
        return 4 + v / top * (w - 8)

    dot = "#b42318" if flagged else "#102a43"
    return (
        f'<svg width="{w}" height="14" class="spark">'
        f'<line x1="4" y1="7" x2="{w - 4}" y2="7" stroke="#d9e2ec"/>'
        f'<rect x="{x(ref[50.0]):.1f}" y="3" width="{max(x(ref[95.0]) - x(ref[50.0]), 1):.1f}" '
        'height="8" fill="#9fb3c8" rx="2"/>'
        f'<line x1="{x(ref[99.0]):.1f}" y1="2" x2="{x(ref[99.0]):.1f}" y2="12" stroke="#627d98"/>'
        f'<circle cx="{x(value):.1f}" cy="7" r="3.5" fill="{dot}"/></svg>'
    )


def _flag_text(found: Sequence[Anomaly]) -> str:
    parts = [
        f"z {a.score:+.1f}" if a.method == "zscore" else f"IQR {fmt_signed(a.score)}" for a in found
    ]
    return "\u26a0 " + " \u00b7 ".join(parts) if parts else ""


def _by_start(record: RunRecord) -> list[tuple[str, StepRecord]]:
    """Steps in the order they started; those that never ran last, in completion order."""
    never = float("inf")
    return sorted(
        record.steps.items(),
        key=lambda item: (item[1].result.started_at or never) if item[1].result.attempts else never,
    )


def _step_rows(
    record: RunRecord,
    metrics: Mapping[str, StepMetrics],
    history: History,
    sensitivity: float,
) -> tuple[list[str], int]:
    rows: list[str] = []
    flagged_count = 0
    for name, step in _by_start(record):
        m = metrics.get(name)
        result = step.result
        status = step_status(result.status.value, result.error)
        past, _ = history.durations(name)
        ref = percentiles(past, (50.0, 95.0, 99.0)) if past else {}
        ran = m is not None and m.attempts > 0 and m.started_at is not None
        value = result.duration_s
        found = judge(value, past, sensitivity=sensitivity) if ran and status == "COMPLETED" else []
        flagged_count += bool(found)
        color = STATUS_COLORS.get(status, "#9aa5b1")
        offset = (m.started_at - record.started_at) if ran and m and m.started_at else None

        def cell(v: float | None) -> str:
            return f'<td data-v="{v if v is not None else -1}">{fmt_seconds(v)}</td>'

        rows.append(
            f'<tr class="{"anomaly" if found else ""}" data-step="{escape(name)}">'
            f"<td>{escape(name)}</td>"
            f'<td class="status" data-v="{status}"><span class="dot" style="background:{color}">'
            f"</span>{status}</td>"
            f"<td>{result.attempts}</td>"
            + cell(offset)
            + cell(value if ran else None)
            + cell(m.queue_wait_s if m else None)
            + cell(m.cpu_s if m else None)
            + f"<td>{len(past)}</td>"
            + cell(ref.get(50.0))
            + cell(ref.get(95.0))
            + cell(ref.get(99.0))
            + f"<td>{_range_svg(value, ref, bool(found)) if ran and ref else ''}</td>"
            + f'<td class="flag">{escape(_flag_text(found))}</td></tr>'
        )
    return rows, flagged_count


def _errors(record: RunRecord) -> str:
    parts = []
    for name, step in record.steps.items():
        r = step.result
        if r.status.value in {"FAILED", "CANCELLED"} and r.error:
            # The stored traceback (f0 >= 0.3) says where it failed; the error
            # line alone is what older runs have.
            retries = "".join(
                f"<li>attempt {n}: {escape(e)}</li>" for n, e in enumerate(r.attempt_errors, 1)
            )
            parts.append(
                f'<div class="err" data-step="{escape(name)}"><h3>{escape(name)} '
                f'<span class="muted">({r.status.value}, exit code {r.exit_code}, '
                f"{r.attempts} attempt{'s' * (r.attempts != 1)})</span></h3>"
                + (f'<ul class="attempts">{retries}</ul>' if len(r.attempt_errors) > 1 else "")
                + f'<pre class="tb">{escape(r.traceback or r.error)}</pre></div>'
            )
    return "".join(parts) or '<p class="muted">No step failed.</p>'


def _context(record: RunRecord) -> str:
    if record.context is None:
        return '<p class="muted">The run has not finished: no final context was recorded.</p>'
    text = json.dumps(record.context, indent=2, sort_keys=True, ensure_ascii=False, default=str)
    note = ""
    if len(text) > _CONTEXT_LIMIT:
        note = f'<p class="muted">Cut at {_CONTEXT_LIMIT:,} of {len(text):,} characters.</p>'
        text = text[:_CONTEXT_LIMIT]
    keys = len(record.context)
    return (
        f'<details id="context"><summary>Final context: {keys} key{"s" * (keys != 1)}'
        f"</summary>{note}<pre>{escape(text)}</pre></details>"
    )


def _legend() -> str:
    return (
        '<div class="legend">'
        + "".join(
            f'<span><i style="background:{c}"></i>{s.lower()}</span>'
            for s, c in STATUS_COLORS.items()
        )
        + "</div>"
    )


def build_report(
    store: RunStore,
    record: RunRecord,
    *,
    analytics: AnalyticsDB | None,
    last: int = 200,
    sensitivity: float = DEFAULT_SENSITIVITY,
    recipe: Recipe | None = None,
) -> str:
    """The HTML page of *record*, its steps compared with the last *last* runs of its recipe.

    *recipe*, the run's recipe as it is now, adds the steps a run that is going
    on (or was killed) has not recorded yet to the graph, as PENDING.
    """
    measured = measured_steps(analytics, [record.run_id]).get(record.run_id)
    metrics = {**metrics_of_record(record), **(measured or {})}
    history = History(runs=(), steps={})
    if record.recipe_path is not None:  # a recipe without a file has no history of its own
        history = load_history(
            store,
            recipe_path=record.recipe_path,
            last=last,
            analytics=analytics,
            exclude=[record.run_id],
        )
    bars = _bars(record, metrics)
    lanes = max(assign_lanes(bars), default=-1) + 1
    rows, flagged = _step_rows(record, metrics, history, sensitivity)
    status = record.status.value
    duration = (record.finished_at - record.started_at) if record.finished_at else None
    counts: dict[str, int] = {}
    for step in record.steps.values():
        counts[step.result.status.value] = counts.get(step.result.status.value, 0) + 1
    cards = [
        ("status", status),
        ("duration", fmt_seconds(duration)),
        ("steps", str(len(record.steps))),
        ("completed", str(counts.get("COMPLETED", 0) + counts.get("CACHED", 0))),
        ("failed", str(counts.get("FAILED", 0))),
        ("peak parallel", str(lanes)),
        ("anomalies", str(flagged)),
    ]
    rss = [m.rss_bytes for m in metrics.values() if m.rss_bytes is not None]
    if rss:
        cards.append(("peak rss", f"{max(rss) / 2**20:.0f} MiB"))
    heads = [
        "step", "status", "attempts", "start", "duration", "queue wait", "cpu",
        "past runs", "p50", "p95", "p99", "vs. past", "anomaly",
    ]  # fmt: skip
    title = f"{record.recipe_name} \u2014 run {record.run_id}"
    return "".join(
        [
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escape(title)}</title><style>{CSS}</style></head><body>",
            f"<header><h1>{escape(record.recipe_name)}"
            f'<span class="badge" id="run-status" style="background:'
            f'{_RUN_COLORS.get(status, "#627d98")}">{status}</span></h1>'
            f'<div class="sub">run {escape(record.run_id)} \u00b7 started '
            f"{_when(record.started_at)} \u00b7 finished {_when(record.finished_at)}"
            f" \u00b7 {escape(record.recipe_path or '')}"
            + (f" \u00b7 resumed from {escape(record.resumed_from)}" if record.resumed_from else "")
            + "</div></header><main>",
            '<div class="cards" id="summary">'
            + "".join(
                f'<div class="card" data-k="{k}"><div class="k">{k}</div>'
                f'<div class="v">{escape(v)}</div></div>'
                for k, v in cards
            )
            + "</div>",
            (
                f'<section id="dag"><h2>Graph</h2><div class="scroll">{dag_svg(dag_of_record(record, recipe))}'
                f"</div>{_legend()}</section>"
            ),
            (
                f'<section id="timeline"><h2>Timeline <span class="muted">({lanes} lane'
                f'{"s" * (lanes != 1)})</span></h2><div class="scroll">{gantt_svg(bars)}</div></section>'
            ),
            f'<section id="steps"><h2>Steps <span class="muted">against the last {len(history.runs)} '
            f"run{'s' * (len(history.runs) != 1)} of this recipe (anomaly: |z| &gt; "
            f"{sensitivity:g} or outside 1.5 IQR)</span></h2>"
            '<input class="filter" id="step-filter" placeholder="filter steps" type="search">'
            '<div class="scroll"><table id="step-table"><thead><tr>'
            + "".join(f"<th>{escape(h)}</th>" for h in heads)
            + "</tr></thead><tbody>"
            + "".join(rows)
            + "</tbody></table></div>"
            '<p class="muted">vs. past: the band spans the past p50 to p95, the tick is p99, '
            "the dot is this run (red when anomalous).</p></section>",
            f'<section id="errors"><h2>Errors</h2>{_errors(record)}</section>',
            f'<section id="final-context"><h2>Context</h2>{_context(record)}</section>',
            (
                "</main><footer>Written by f0 report (f0-plugin-analytics) on "
                f"{_when(time.time())}. Self-contained: no network needed.</footer>"
            ),
            f"<script>{JS}</script></body></html>\n",
        ]
    )
