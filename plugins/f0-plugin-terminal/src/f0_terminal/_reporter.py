"""The observer that draws one ``f0 run``: progress, step lines, the summary.

Registered by the ``run`` command for one run (``f0_run_observers``). Its
hooks are called from worker threads: counters change under a lock, and
rich's Console and Progress serialise their own output.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from f0 import StepStatus, hookimpl, plural
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from f0_terminal._summary import STEP_STYLE, first_line, print_summary, verdict_line

if TYPE_CHECKING:
    from f0 import Delta, RunInfo, RunResult, Step, StepResult

#: Names of steps in flight shown beside the bar.
_SHOWN_RUNNING = 3


class RunReporter:
    """Progress bar on a terminal, step lines with ``verbose``, then the summary."""

    def __init__(
        self,
        *,
        to_stderr: bool = False,
        quiet: bool = False,
        verbose: bool = False,
        full_summary: bool = False,
        console: Console | None = None,
    ) -> None:
        self.console = console or Console(stderr=to_stderr, highlight=False)
        if not self.console.is_terminal and console is None:
            # rich wraps at 80 columns off a terminal; logs read better wider.
            self.console.width = 120
        self.quiet = quiet
        self.verbose = verbose
        self.full_summary = full_summary
        self._lock = threading.Lock()
        self._total = 0
        self._done = 0
        self._failed = 0
        self._running: dict[str, None] = {}  # insertion-ordered set
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    # -- hooks ---------------------------------------------------------------
    @hookimpl
    def f0_run_started(self, run: RunInfo) -> None:
        """The header line, and the bar on a terminal."""
        self._total = len(run.recipe.steps)
        if self.quiet:
            return
        self.console.print(
            f"[bold]f0[/] running [bold]{escape(run.recipe.name)}[/] "
            f"({plural(self._total, 'step')}, scheduler {run.scheduler}, run {run.run_id})"
        )
        if self.console.is_terminal and not self.verbose:
            self._progress = Progress(
                SpinnerColumn(),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("[red]{task.fields[failed]}[/]"),
                TextColumn("{task.fields[running]}"),
                TimeElapsedColumn(),
                TextColumn("eta"),
                TimeRemainingColumn(),
                TextColumn("[dim]{task.fields[current]}[/]"),
                console=self.console,
                transient=True,
            )
            self._task = self._progress.add_task(
                run.recipe.name, total=self._total, failed="", running="", current=""
            )
            self._progress.start()

    @hookimpl
    def f0_step_started(self, run: RunInfo, step: Step, attempt: int) -> None:  # noqa: ARG002
        """Count the step as running; announce retries."""
        with self._lock:
            self._running[step.name] = None
            self._update()
        if attempt > 1 and not self.quiet:
            self.console.print(
                f"  [yellow]retry[/] {escape(step.name)}: attempt {attempt}/{step.retry.max_attempts}"
            )

    @hookimpl
    def f0_step_finished(self, run: RunInfo, step: Step, result: StepResult, delta: Delta) -> None:  # noqa: ARG002
        """Advance the bar; a line per step with ``verbose``, and always for a failure."""
        with self._lock:
            self._done += 1
            done = self._done
            self._running.pop(step.name, None)
            if result.status is StepStatus.FAILED:
                self._failed += 1
            self._update()
        if self.verbose or result.status is StepStatus.FAILED:
            self.console.print(self._line(done, step, result))

    @hookimpl
    def f0_run_finished(self, run: RunInfo, result: RunResult) -> None:  # noqa: ARG002
        """Stop the bar, then the summary (only the verdict with ``quiet``)."""
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
        if self.quiet:
            self.console.print(verdict_line(result))
        else:
            print_summary(self.console, result, full=self.full_summary)

    # -- drawing -------------------------------------------------------------
    def _update(self) -> None:
        """Refresh the bar's fields (the caller holds the lock)."""
        if self._progress is None or self._task is None:
            return
        names = list(self._running)[:_SHOWN_RUNNING]
        more = len(self._running) - len(names)
        current = ", ".join(names) + (f" +{more}" if more > 0 else "")
        self._progress.update(
            self._task,
            completed=self._done,
            failed=f"{self._failed} failed" if self._failed else "",
            running=f"{len(self._running)} running" if self._running else "",
            current=escape(current),
        )

    def _line(self, done: int, step: Step, result: StepResult) -> str:
        width = len(str(self._total))
        style = STEP_STYLE.get(result.status, "")
        line = (
            f"  [{done:>{width}}/{self._total}] [{style}]{result.status.value:<9}[/] "
            f"{escape(step.name)}"
        )
        if result.attempts > 1:
            line += f" ({result.attempts} attempts)"
        if result.status in (StepStatus.COMPLETED, StepStatus.FAILED):
            line += f" [dim]{result.duration_s:.3f}s[/]"
        if result.error:
            line += f": {escape(first_line(result.error))}"
        return line
