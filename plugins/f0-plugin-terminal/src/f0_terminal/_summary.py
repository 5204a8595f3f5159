"""The end of ``f0 run``: a summary that fits one screen, or a row per step.

Short (the default): counts per status and wall time, the five slowest
steps, and every failed step with the last line of its error. Full: the
table of every step.
"""

from __future__ import annotations

import heapq
from collections import Counter
from typing import TYPE_CHECKING

from f0 import RunStatus, StepStatus, plural
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from f0 import RunResult, StepResult
    from rich.console import Console

__all__ = ["STEP_STYLE", "first_line", "print_summary", "verdict_line"]

#: Steps listed as the slowest in the short summary.
SLOWEST = 5
_MAX_ERROR = 160  # characters of an error shown on one line

STEP_STYLE = {
    StepStatus.COMPLETED: "green",
    StepStatus.CACHED: "cyan",
    StepStatus.FAILED: "bold red",
    StepStatus.SKIPPED: "yellow",
    StepStatus.CANCELLED: "magenta",
}
_RUN_STYLE = {
    RunStatus.COMPLETED: "bold green",
    RunStatus.FAILED: "bold red",
    RunStatus.PARTIAL: "bold yellow",
    RunStatus.CANCELLED: "bold magenta",
}


def first_line(text: str) -> str:
    """The last non-empty line of an error (its ``Type: message``), cut to one line."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    line = lines[-1] if lines else ""
    return line if len(line) <= _MAX_ERROR else line[: _MAX_ERROR - 3] + "..."


def _tally(result: RunResult) -> str:
    counts = Counter(r.status for r in result.steps.values())
    return ", ".join(f"{n} {status.value.lower()}" for status, n in counts.items())


def verdict_line(result: RunResult) -> str:
    """``COMPLETED in 1.23s: 7 completed`` (rich markup)."""
    style = _RUN_STYLE.get(result.status, "")
    return f"[{style}]{result.status.value}[/] in {result.duration_s:.2f}s: {_tally(result)}"


def print_summary(console: Console, result: RunResult, *, full: bool = False) -> None:
    """Print the summary of *result* and the verdict line."""
    if full:
        console.print(_table(result))
    else:
        for line in _short(result):
            console.print(line)
    console.print(verdict_line(result))


def _short(result: RunResult) -> list[str]:
    steps = result.steps
    lines = [
        f"[bold]summary[/] of run {result.run_id}: {plural(len(steps), 'step')}, {_tally(result)}"
    ]
    ran = [r for r in steps.values() if r.status in (StepStatus.COMPLETED, StepStatus.FAILED)]
    slowest = heapq.nlargest(SLOWEST, ran, key=lambda r: r.duration_s)
    if slowest:
        lines.append(
            "  slowest: " + ", ".join(f"{escape(r.name)} {r.duration_s:.3f}s" for r in slowest)
        )
    failed = [r for r in steps.values() if r.status is StepStatus.FAILED]
    if failed:
        lines.append(f"  [bold red]failed[/] ({len(failed)}):")
        width = max(len(r.name) for r in failed)
        lines.extend(_failed_line(r, width) for r in failed)
    return lines


def _failed_line(result: StepResult, width: int) -> str:
    attempts = f" after {result.attempts} attempts" if result.attempts > 1 else ""
    error = escape(first_line(result.error or "")) or "failed"
    return f"    {escape(result.name):<{width}}  {error}{attempts}"


def _table(result: RunResult) -> Table:
    table = Table(title="summary", title_justify="left")
    for column, justify in (
        ("step", "left"),
        ("status", "left"),
        ("attempts", "right"),
        ("time (s)", "right"),
        ("error", "left"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for name, step in result.steps.items():
        table.add_row(
            escape(name),
            f"[{STEP_STYLE.get(step.status, '')}]{step.status.value}[/]",
            str(step.attempts),
            f"{step.duration_s:.3f}",
            escape(first_line(step.error or "")),
        )
    return table
