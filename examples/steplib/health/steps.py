"""Steps of the health example."""

from __future__ import annotations


def summarize(context, params):
    """One line per check of the preflight report."""
    report = context.get("preflight.result")
    context.set("health.summary", [f"{c['check_name']}: {c['status']}" for c in report["checks"]])
    return 0
