"""The observer that draws one ``f0 run``: progress, step lines, the summary.

Registered by the ``run`` command for one run (``f0_run_observers``). Its
hooks are called from worker threads: counters change under a lock, and
rich's Console and Progress serialise their own output.
"""

from __future__ import annotations

import shlex
import threading
from typing import TYPE_CHECKING

from f0 import StepStatus, default_store_url, hookimpl, plural
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
from f0_terminal._traceback import render_traceback

if TYPE_CHECKING:
    from f0 import Delta, RunInfo, RunResult, Step, StepResult

#: Names of steps in flight shown beside the bar.
_SHOWN_RUNNING = 3
#: Failed steps whose traceback is printed at the end; the others are counted.
_SHOWN_TRACEBACKS = 5
#: Failed steps named on the last line.
_NAMED_FAILURES = 3


class RunReporter:
    """Progress bar on a terminal, step lines with ``verbose``, then the summary."""

    def __init__(
        self,
        *,
        to_stderr: bool = False,
        quiet: bool = False,
        verbose: bool = False,
        full_summary: bool = False,
        tb: str = "short",
        console: Console | None = None,
    ) -> None:
        self.console = console or Console(stderr=to_stderr, highlight=False)
        if not self.console.is_terminal and console is None:
            # rich wraps at 80 columns off a terminal; logs read better wider.
            self.console.width = 120
        self.quiet = quiet
        self.verbose = verbose
        self.full_summary = full_summary
        self.tb = tb
        self._run: RunInfo | None = None
        self._failures: list[StepResult] = []
        #: Steps that were running when the first step failed: their end is shown.
        self._lingering: set[str] = set()
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
        self._run = run
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
        failed = result.status is StepStatus.FAILED
        still: list[str] = []
        with self._lock:
            self._done += 1
            done = self._done
            self._running.pop(step.name, None)
            lingering = step.name in self._lingering
            self._lingering.discard(step.name)
            if failed:
                self._failed += 1
                self._failures.append(result)
                if self._failed == 1:
                    still = list(self._running)
                    self._lingering.update(still)
            self._update()
        if self.verbose or failed or (lingering and not self.quiet):
            self.console.print(self._line(done, step, result))
            if (self.verbose or failed) and result.attempts > 1:
                for n, why in enumerate(result.attempt_errors, 1):
                    self.console.print(f"      attempt {n} failed: {escape(first_line(why))}")
        if still and not self.quiet:
            # After a failure nothing new starts, but these go on: say so, not silence.
            names = ", ".join(escape(name) for name in still)
            self.console.print(f"  [yellow]still running[/] {len(still)}: {names}")

    @hookimpl
    def f0_run_finished(self, run: RunInfo, result: RunResult) -> None:
        """Stop the bar, then the summary (only the verdict with ``quiet``)."""
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
        self._print_tracebacks(result)
        if self.quiet:
            self.console.print(verdict_line(result))
        else:
            print_summary(self.console, result, full=self.full_summary)
        failed = [r for r in result.steps.values() if r.status is StepStatus.FAILED]
        if failed:
            self.console.print(self._failed_line(run, result, failed), soft_wrap=True)

    def _print_tracebacks(self, result: RunResult) -> None:
        """Each failed step's traceback in the ``--tb`` detail (after the bar, before the summary)."""
        if self.tb == "no":
            return
        with_tb = [r for r in self._failures if r.traceback]
        for r in with_tb[:_SHOWN_TRACEBACKS]:
            if self.tb != "line":
                self.console.print(f"[bold red]___ {escape(r.name)} ___[/]")
            local_vars = (r.trace or {}).get("locals")
            for part in render_traceback(
                r.traceback or "", self.tb, frame_locals=local_vars, width=self.console.width
            ):
                self.console.print(part)
        more = len(with_tb) - _SHOWN_TRACEBACKS
        if more > 0:
            self.console.print(
                f"  ... and {more} more failed step{'s' * (more != 1)} with a traceback "
                f"(f0 runs show {result.run_id} --status failed)"
            )

    def _failed_line(self, run: RunInfo, result: RunResult, failed: list[StepResult]) -> str:
        """The last line: which steps failed, with their error, and the command for the traceback."""
        named = [
            f"[bold]{escape(r.name)}[/] ({escape(first_line(r.error or 'failed'))})"
            for r in failed[:_NAMED_FAILURES]
        ]
        more = len(failed) - len(named)
        steps = ", ".join(named) + (f" and {more} more" if more > 0 else "")
        first = failed[0].name
        if run.store_url is not None:
            # `f0 runs show` run from here finds the default store by itself.
            store = (
                ""
                if run.store_url == default_store_url()
                else f" --store {shlex.quote(run.store_url)}"
            )
            command = f"f0 runs show {result.run_id} --step {shlex.quote(first)}{store}"
        else:
            recipe = shlex.quote(str(run.recipe.path)) if run.recipe.path else "RECIPE"
            command = f"f0 run {recipe} --tb long"
        label = "failed step" if len(failed) == 1 else "failed steps"
        return f"[bold red]{label}[/]: {steps}; traceback: {escape(command)}"

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
