"""Steps of the quickstart recipe: plain functions, standard library only.

Each step is ``def step(context, params)``: it reads what earlier steps left
in the context and writes its own results there. f0 records those writes as
the step's delta and applies them when the step completes.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path
from typing import Any


def load_csv(context: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Read the CSV file ``params["path"]`` (relative to the recipe folder) into ``sales.raw``."""
    path = _here() / params["path"]
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    context.set("sales.raw", rows)
    return {"rows": len(rows), "file": path.name}


def clean(context: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Drop rows with missing or impossible numbers; normalise region names."""
    kept, dropped = [], []
    for row in context.get("sales.raw", []):
        try:
            units = int(row["units"])
            price = float(row["unit_price"])
        except ValueError:
            dropped.append(row)
            continue
        if units < params.get("min_units", 1) or price <= 0:
            dropped.append(row)
            continue
        kept.append(
            {
                "date": row["date"],
                "month": row["date"][:7],
                "region": row["region"].strip().title(),
                "product": row["product"],
                "revenue": round(units * price, 2),
            }
        )
    context.set("sales.clean", kept)
    context.set("sales.dropped", len(dropped))
    return {"kept": len(kept), "dropped": len(dropped)}


def totals_by_region(context: Any, params: dict[str, Any]) -> None:
    """Revenue per region, largest first."""
    totals: dict[str, float] = defaultdict(float)
    for row in context.get("sales.clean", []):
        totals[row["region"]] += row["revenue"]
    ranked = sorted(totals.items(), key=lambda kv: -kv[1])
    context.set("stats.by_region", {region: round(total, 2) for region, total in ranked})


def monthly_trend(context: Any, params: dict[str, Any]) -> None:
    """Revenue per month and month-over-month growth in percent."""
    months: dict[str, float] = defaultdict(float)
    for row in context.get("sales.clean", []):
        months[row["month"]] += row["revenue"]
    trend, previous = [], None
    for month in sorted(months):
        total = round(months[month], 2)
        growth = None if not previous else round((total - previous) / previous * 100, 1)
        trend.append({"month": month, "revenue": total, "growth_pct": growth})
        previous = total
    context.set("stats.monthly", trend)


def summarize(context: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Join the two analyses into one summary."""
    by_region = context.get("stats.by_region", {})
    monthly = context.get("stats.monthly", [])
    best = max(monthly, key=lambda m: m["revenue"]) if monthly else None
    summary = {
        "title": context.get("report.title", params.get("title", "Sales report")),
        "total_revenue": round(sum(by_region.values()), 2),
        "top_region": next(iter(by_region), None),
        "best_month": best["month"] if best else None,
        "months": len(monthly),
        "rows_used": len(context.get("sales.clean", [])),
        "rows_dropped": context.get("sales.dropped", 0),
    }
    context.set("report.summary", summary)
    return summary


def write_report(context: Any, params: dict[str, Any]) -> int:
    """Write ``out/report.md`` and ``out/report.json`` next to the recipe."""
    out = _here() / params.get("output_dir", "out")
    out.mkdir(parents=True, exist_ok=True)
    summary = context.get("report.summary")
    lines = [
        f"# {summary['title']}",
        "",
        (
            f"Total revenue: {summary['total_revenue']:.2f} "
            f"({summary['rows_used']} rows, {summary['rows_dropped']} dropped)"
        ),
        f"Top region: {summary['top_region']}; best month: {summary['best_month']}",
        "",
        "| region | revenue |",
        "|---|---:|",
        *(f"| {r} | {v:.2f} |" for r, v in context.get("stats.by_region").items()),
        "",
        "| month | revenue | growth % |",
        "|---|---:|---:|",
        *(
            f"| {m['month']} | {m['revenue']:.2f} | {'' if m['growth_pct'] is None else m['growth_pct']} |"
            for m in context.get("stats.monthly")
        ),
    ]
    (out / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (out / "report.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    context.set("report.path", str(out / "report.md"))
    return 0


def _here() -> Path:
    return Path(__file__).resolve().parent
