"""Progress lines and the summary table of ``f0 run``: an observer plugin.

Registered by the ``run`` command for the length of one run (stdout, or
stderr with ``--json``). Observer hooks are called from worker threads;
rich's Console serialises its writes.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from f0._markers import hookimpl
from f0.model import RunStatus, StepStatus

if TYPE_CHECKING:
    from f0.model import Delta, RunInfo, RunResult, Step, StepResult

_MAX_ERROR = 160  # characters of an error shown in a progress line
_STYLE = {
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


class TerminalReporter:
    """Prints one line per finished step, then a summary table."""

    def __init__(self, *, to_stderr: bool = False) -> None:
        width = None if os.isatty(2 if to_stderr else 1) else 120
        self.console = Console(stderr=to_stderr, width=width, highlight=False)
        self._done = 0
        self._total = 0
        self._lock = threading.Lock()

    @hookimpl
    def f0_run_started(self, run: RunInfo) -> None:
        """Print the run header."""
        self._total = len(run.recipe.steps)
        self.console.print(
            f"[bold]f0[/] running [bold]{escape(run.recipe.name)}[/] "
            f"({self._total} steps, scheduler {run.scheduler}, run {run.run_id})"
        )

    @hookimpl
    def f0_step_started(self, run: RunInfo, step: Step, attempt: int) -> None:  # noqa: ARG002
        """Announce retries (first attempts are reported when they finish)."""
        if attempt > 1:
            self.console.print(
                f"  [yellow]retry[/] {escape(step.name)}: attempt {attempt}/{step.retry.max_attempts}"
            )

    @hookimpl
    def f0_step_finished(self, run: RunInfo, step: Step, result: StepResult, delta: Delta) -> None:  # noqa: ARG002
        """One line per step: counter, status, name, time, error."""
        with self._lock:
            self._done += 1
            done = self._done
        width = len(str(self._total))
        style = _STYLE.get(result.status, "")
        line = (
            f"  [{done:>{width}}/{self._total}] [{style}]{result.status.value:<9}[/] "
            f"{escape(step.name)}"
        )
        if result.attempts > 1:
            line += f" ({result.attempts} attempts)"
        if result.status in (StepStatus.COMPLETED, StepStatus.FAILED):
            line += f" [dim]{result.duration_s:.3f}s[/]"
        if result.error:
            line += f": {escape(_first_line(result.error))}"
        self.console.print(line)

    @hookimpl
    def f0_run_finished(self, run: RunInfo, result: RunResult) -> None:  # noqa: ARG002
        """The summary table and the final verdict."""
        table = Table(title="summary", title_justify="left")
        for column, justify in (
            ("step", "left"),
            ("status", "left"),
            ("attempts", "right"),
            ("time (s)", "right"),
            ("error", "left"),
        ):
            table.add_column(column, justify=justify)  # type: ignore[arg-type]
        counts: dict[StepStatus, int] = {}
        for name, step_result in result.steps.items():
            counts[step_result.status] = counts.get(step_result.status, 0) + 1
            table.add_row(
                escape(name),
                f"[{_STYLE.get(step_result.status, '')}]{step_result.status.value}[/]",
                str(step_result.attempts),
                f"{step_result.duration_s:.3f}",
                escape(_first_line(step_result.error or "")),
            )
        self.console.print(table)
        tally = ", ".join(f"{n} {s.value.lower()}" for s, n in counts.items())
        style = _RUN_STYLE.get(result.status, "")
        self.console.print(
            f"[{style}]{result.status.value}[/] in {result.duration_s:.2f}s: {tally}"
        )


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= _MAX_ERROR else line[: _MAX_ERROR - 3] + "..."
