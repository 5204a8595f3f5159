"""Draw a run's trace as a timeline, from f0-plugin-otel's JSON-lines file exporter.

    f0 run examples/tracing/tracing.yaml --continue-on-error --otel-exporter file:spans.jsonl
    pip install matplotlib   # only to draw the picture; not a dependency of f0
    python docs/render_timeline.py spans.jsonl docs/images/trace-timeline.svg

One row per span: the run, each step attempt (green OK, red ERROR) and, under
it, the spans the step's own code made (grey). Arrows are the span links: the
DAG's dependencies, from an upstream step's last attempt to its dependant.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import matplotlib as mpl

mpl.use("Agg")  # files only, no display
import matplotlib.pyplot as plt

COLORS = {"OK": "#2e9e5b", "ERROR": "#d64545", "UNSET": "#9aa5b1"}


def _seconds(stamp: str) -> float:
    return datetime.fromisoformat(stamp).timestamp()


def load(path: Path) -> list[dict[str, Any]]:
    """The spans of the file's last trace."""
    spans = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    last = spans[-1]["context"]["trace_id"]
    return [s for s in spans if s["context"]["trace_id"] == last]


def rows(spans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Spans in drawing order: the run, then each attempt followed by its children."""
    children: dict[str | None, list[dict[str, Any]]] = {}
    for span in spans:
        children.setdefault(span["parent_id"], []).append(span)
    for group in children.values():
        group.sort(key=lambda s: s["start_time"])
    ordered: list[dict[str, Any]] = []

    def walk(span: dict[str, Any], depth: int) -> None:
        ordered.append({**span, "depth": depth})
        for child in children.get(span["context"]["span_id"], []):
            walk(child, depth + 1)

    for root in children.get(None, []):
        walk(root, 0)
    return ordered


def label(span: dict[str, Any]) -> str:
    attrs = span["attributes"]
    if "f0.attempt" in attrs:
        retry = f"  (retry {attrs['f0.retry_count']})" if attrs["f0.retry_count"] else ""
        return f"{span['name']}{retry}"
    return ("   " * span["depth"]) + span["name"]


def draw(spans: list[dict[str, Any]], out: Path) -> None:
    """Write the timeline of *spans* to *out* (.svg or .png)."""
    ordered = rows(spans)
    t0 = min(_seconds(s["start_time"]) for s in ordered)
    y_of = {s["context"]["span_id"]: i for i, s in enumerate(ordered)}
    fig, ax = plt.subplots(figsize=(10, 0.42 * len(ordered) + 1.2))
    for i, span in enumerate(ordered):
        start = (_seconds(span["start_time"]) - t0) * 1000
        end = (_seconds(span["end_time"]) - t0) * 1000
        status = span["status"]["status_code"]
        user_span = span["depth"] > 1
        color = COLORS["UNSET"] if user_span else COLORS.get(status, COLORS["UNSET"])
        ax.barh(i, max(end - start, 0.5), left=start, height=0.6, color=color, alpha=0.9)
        ax.text(end + 4, i, f"{end - start:.0f} ms", va="center", fontsize=8, color="#333")
        for link in span["links"]:
            upstream = link["context"]["span_id"]
            if upstream in y_of:
                src = ordered[y_of[upstream]]
                x0 = (_seconds(src["end_time"]) - t0) * 1000
                ax.annotate(
                    "",
                    xy=(start, i),
                    xytext=(x0, y_of[upstream]),
                    arrowprops={"arrowstyle": "->", "color": "#5b6b7f", "lw": 0.8, "alpha": 0.7},
                )
    ax.set_yticks(range(len(ordered)), [label(s) for s in ordered], fontsize=9)
    ax.invert_yaxis()
    ax.set_xlabel("ms since the run started")
    run = ordered[0]["attributes"]
    ax.set_title(
        f"f0 run {run.get('f0.run_id', '')}: trace {ordered[0]['context']['trace_id'][2:14]}…"
        f"  ({run.get('f0.status', '')})",
        fontsize=10,
    )
    ax.grid(axis="x", alpha=0.3)
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in COLORS.values()]
    ax.legend(handles, ["OK", "ERROR", "step's own span"], loc="lower left", fontsize=8)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, metadata={"Date": None} if out.suffix == ".svg" else None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spans", type=Path, help="JSON lines from --otel-exporter file:PATH")
    parser.add_argument("out", type=Path, help="image to write (.svg or .png)")
    args = parser.parse_args()
    draw(load(args.spans), args.out)


if __name__ == "__main__":
    main()
