"""f0-plugin-terminal: what ``f0 run`` shows while it runs and when it ends.

On a terminal, one live progress bar (done/total, failed, running, elapsed,
ETA and the steps in flight); with ``-v`` a line per finished step instead;
with ``-q`` only failed steps and the final line. Not on a terminal (CI,
pipes): no bar and no control codes. Then a summary that fits one screen
whatever the recipe's size (``--summary full`` prints a row per step).
A failed step's traceback is printed before the summary, trimmed to the
user's frames (``--tb short``, the default), whole (``--tb long`` or
``--debug``), as one line (``--tb line``) or not at all (``--tb no``); the
last line names the failed steps and the command that shows their traceback.

rich is imported only when a run starts, so ``f0 --help`` does not pay for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from f0 import UsageError, hookimpl

if TYPE_CHECKING:
    from f0 import RunOption

__all__ = ["SUMMARY_MODES", "TB_MODES", "f0_run_observers", "f0_run_options"]

#: Values of ``f0 run --summary``.
SUMMARY_MODES = ("short", "full")
#: Values of ``f0 run --tb`` (as pytest's ``--tb``).
TB_MODES = ("no", "line", "short", "long")


@hookimpl
def f0_run_options() -> list[RunOption]:
    """``--summary short|full`` and ``--tb no|line|short|long``."""
    from f0 import RunOption

    return [
        RunOption(
            name="summary",
            metavar="short|full",
            envvar="F0_SUMMARY",
            help="The summary after a run: 'short' (counts, slowest and failed steps; the "
            "default) or 'full' (a row per step).",
        ),
        RunOption(
            name="tb",
            metavar="no|line|short|long",
            envvar="F0_TB",
            help="Tracebacks of failed steps: 'short' (your frames, one line of code each; the "
            "default), 'long' (every frame with code around it; also --debug), 'line' (where "
            "and what) or 'no'.",
        ),
    ]


@hookimpl
def f0_run_observers(options: Mapping[str, Any]) -> list[object]:
    """The run's reporter, on stdout (stderr with ``--json``, whose stdout is the result)."""
    summary = options.get("summary", "short")
    if summary not in SUMMARY_MODES:
        msg = f"expected one of {', '.join(SUMMARY_MODES)}, got {summary!r}"
        raise UsageError(msg, where="--summary")
    tb = options.get("tb")
    if tb is not None and tb not in TB_MODES:
        msg = f"expected one of {', '.join(TB_MODES)}, got {tb!r}"
        raise UsageError(msg, where="--tb")
    if tb is None:
        # --debug shows everything; -q keeps a failure to one line.
        tb = "long" if options.get("debug") else "line" if options.get("quiet") else "short"
    from f0_terminal._reporter import RunReporter

    return [
        RunReporter(
            to_stderr=bool(options.get("json")),
            quiet=bool(options.get("quiet")),
            verbose=bool(options.get("verbose")),
            full_summary=summary == "full",
            tb=tb,
        )
    ]
