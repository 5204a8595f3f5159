"""f0-plugin-terminal: what ``f0 run`` shows while it runs and when it ends.

On a terminal, one live progress bar (done/total, failed, running, elapsed,
ETA and the steps in flight); with ``-v`` a line per finished step instead;
with ``-q`` only failed steps and the final line. Not on a terminal (CI,
pipes): no bar and no control codes. Then a summary that fits one screen
whatever the recipe's size (``--summary full`` prints a row per step).

rich is imported only when a run starts, so ``f0 --help`` does not pay for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from f0 import UsageError, hookimpl

if TYPE_CHECKING:
    from f0 import RunOption

__all__ = ["SUMMARY_MODES", "f0_run_observers", "f0_run_options"]

#: Values of ``f0 run --summary``.
SUMMARY_MODES = ("short", "full")


@hookimpl
def f0_run_options() -> list[RunOption]:
    """``--summary short|full``."""
    from f0 import RunOption

    return [
        RunOption(
            name="summary",
            metavar="short|full",
            envvar="F0_SUMMARY",
            help="The summary after a run: 'short' (counts, slowest and failed steps; the "
            "default) or 'full' (a row per step).",
        )
    ]


@hookimpl
def f0_run_observers(options: Mapping[str, Any]) -> list[object]:
    """The run's reporter, on stdout (stderr with ``--json``, whose stdout is the result)."""
    summary = options.get("summary", "short")
    if summary not in SUMMARY_MODES:
        msg = f"expected one of {', '.join(SUMMARY_MODES)}, got {summary!r}"
        raise UsageError(msg, where="--summary")
    from f0_terminal._reporter import RunReporter

    return [
        RunReporter(
            to_stderr=bool(options.get("json")),
            quiet=bool(options.get("quiet")),
            verbose=bool(options.get("verbose")),
            full_summary=summary == "full",
        )
    ]
