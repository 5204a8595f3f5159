"""``f0 stats`` as text: one line per step, then the anomalies."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["fmt_seconds", "format_stats"]

_COLUMNS = (
    "step", "n", "ok", "mean", "median", "p90", "p95", "p99", "p99.9", "std", "trend", "wait", "cpu",
)  # fmt: skip


def fmt_seconds(value: float | None) -> str:
    """Seconds with a unit that keeps 3 significant digits (``-`` for None)."""
    if value is None:
        return "-"
    if value < 1e-3:  # noqa: PLR2004 - under a millisecond
        return f"{value * 1e6:.0f}us"
    if value < 1:
        return f"{value * 1e3:.1f}ms"
    if value < 120:  # noqa: PLR2004 - under two minutes, seconds read best
        return f"{value:.2f}s"
    return f"{value / 60:.1f}min"


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def _row(step: Mapping[str, Any]) -> list[str]:
    trend = step["trend"]
    return [
        step["step"],
        str(step["count"]),
        _percent(step["success_rate"]),
        fmt_seconds(step["mean"]),
        fmt_seconds(step["median"]),
        fmt_seconds(step["p90"]),
        fmt_seconds(step["p95"]),
        fmt_seconds(step["p99"]),
        fmt_seconds(step["p99.9"]),
        fmt_seconds(step["std_dev"]),
        trend["direction"] if trend else "-",
        fmt_seconds(step["queue_wait_mean"]),
        fmt_seconds(step["cpu_mean"]),
    ]


def _table(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(r)
        ).rstrip()
        for r in rows
    ]


def format_stats(result: Mapping[str, Any]) -> str:
    """The text report of a :func:`~f0_analytics._analysis.recipe_stats` result."""
    runs = result["runs"]
    if runs == 0:
        return f"{result['recipe']}: no recorded runs of {result['recipe_path']}"
    statuses = ", ".join(f"{k} {v}" for k, v in sorted(result["statuses"].items()))
    lines = [
        (
            f"{result['recipe']}: {runs} run{'s' * (runs != 1)} ({statuses}), "
            f"{result['first_run']} .. {result['last_run']}"
        ),
        (
            f"run duration: median {fmt_seconds(result['run_duration']['median'])}, "
            f"p95 {fmt_seconds(result['run_duration']['p95'])}"
        ),
        "",
        *_table([list(_COLUMNS), *(_row(s) for s in result["steps"])]),
    ]
    anomalies = [(s["step"], a) for s in result["steps"] for a in s["anomalies"]]
    lines.append("")
    if not anomalies:
        lines.append(
            f"anomalies: none (|z| > {result['sensitivity']:g}, "
            f"or outside {result['iqr_factor']:g} IQR)"
        )
        return "\n".join(lines)
    lines.append(f"anomalies (|z| > {result['sensitivity']:g}, or {result['iqr_factor']:g} IQR):")
    rows = [["step", "run", "duration", "method", "score"]]
    for name, a in anomalies:
        score = f"z={a['score']:+.2f}" if a["method"] == "zscore" else fmt_signed(a["score"])
        rows.append([name, a["run_id"], fmt_seconds(a["value"]), a["method"], score])
    lines += ["  " + line for line in _table(rows)]
    return "\n".join(lines)


def fmt_signed(seconds: float) -> str:
    """``+1.2s`` / ``-3.0ms``: how far past an IQR fence."""
    return ("+" if seconds >= 0 else "-") + fmt_seconds(abs(seconds))
