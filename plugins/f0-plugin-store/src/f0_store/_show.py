"""``f0 runs show``: one run, one of its steps (``--step``), or its steps of one status.

A run of more than :data:`SUMMARISE_OVER` steps is summarised (counts per
status, failed steps with the last line of their error, the slowest steps)
instead of a row per step; ``--status`` lists the steps of one status and
``--json`` keeps everything.
"""

from __future__ import annotations

import difflib
import heapq
import os
from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import typer

from f0_store._render import fmt_time, print_table, short

if TYPE_CHECKING:
    from f0 import RunRecord, StepRecord

__all__ = [
    "SLOWEST",
    "SUMMARISE_OVER",
    "check_status",
    "find_step",
    "print_record",
    "print_step",
    "step_json",
]

#: Runs with more steps than this are summarised.
SUMMARISE_OVER = 40
#: Steps listed as the slowest in a summary.
SLOWEST = 5
_MAX_ERROR = 160


def last_line(text: str | None) -> str:
    """The last non-empty line of an error (its ``Type: message``), cut to one line."""
    lines = [line.strip() for line in (text or "").strip().splitlines() if line.strip()]
    line = lines[-1] if lines else ""
    return line if len(line) <= _MAX_ERROR else line[: _MAX_ERROR - 3] + "..."


def step_json(s: StepRecord) -> dict[str, Any]:
    """One step of ``f0 runs show --json``: everything recorded, failure details included."""
    r = s.result
    return {
        "seq": s.seq,
        "status": r.status.value,
        "attempts": r.attempts,
        "started_at": r.started_at,
        "finished_at": r.finished_at,
        "duration_s": round(r.duration_s, 6),
        "exit_code": r.exit_code,
        "error": r.error,
        "traceback": r.traceback,
        "attempt_errors": list(r.attempt_errors),
        "trace": None if r.trace is None else dict(r.trace),
        "fingerprint": s.fingerprint,
        "changed_keys": sorted(s.delta.changes),
        "removed_keys": list(s.delta.removed),
    }


def find_step(record: RunRecord, name: str) -> StepRecord:
    """The step *name* of *record*; a usage error with the closest names if there is none."""
    found = record.steps.get(name)
    if found is not None:
        return found
    from f0 import UsageError

    close = difflib.get_close_matches(name, list(record.steps), n=3)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    msg = f"run {record.run_id} has no step {name!r}{hint}"
    raise UsageError(msg, where="--step")


def check_status(value: str) -> str:
    """*value* as a StepStatus value (any case); a usage error naming the valid ones."""
    from f0 import StepStatus, UsageError

    upper = value.strip().upper()
    valid = [s.value for s in StepStatus]
    if upper not in valid:
        msg = f"unknown status {value!r}; expected one of {', '.join(v.lower() for v in valid)}"
        raise UsageError(msg, where="--status")
    return upper


def _header(r: RunRecord) -> None:
    took = "" if r.finished_at is None else f" in {r.finished_at - r.started_at:.2f}s"
    typer.echo(f"run {r.run_id}: {r.recipe_name} ({r.recipe_path or '-'})")
    typer.echo(f"status {r.status.value}, started {fmt_time(r.started_at)}{took}")
    if r.resumed_from:
        typer.echo(f"resumed from {r.resumed_from}")
    if r.params:
        typer.echo(f"params: {short(dict(r.params), 100)}")


def _rows(steps: Mapping[str, StepRecord]) -> list[list[str]]:
    return [
        [
            str(s.seq),
            name,
            s.result.status.value,
            str(s.result.attempts),
            f"{s.result.duration_s:.3f}s",
            last_line(s.result.error),
        ]
        for name, s in steps.items()
    ]


_COLUMNS = ["#", "step", "status", "attempts", "duration", "error"]


def print_record(r: RunRecord, *, status: str | None = None) -> None:
    """The run: a row per step (only *status* ones if given), or a summary for a big run."""
    _header(r)
    if status is not None:
        chosen = {n: s for n, s in r.steps.items() if s.result.status.value == status}
        print_table(f"{len(chosen)} of {len(r.steps)} steps {status}", _COLUMNS, _rows(chosen))
        return
    if len(r.steps) > SUMMARISE_OVER:
        _print_summary(r)
    else:
        print_table(f"{len(r.steps)} steps", _COLUMNS, _rows(r.steps))
    if r.context is None:
        typer.echo("context: (the run has not finished)")
        return
    if len(r.steps) > SUMMARISE_OVER:
        typer.echo(f"context: {len(r.context)} keys (--json for the values)")
        return
    typer.echo(f"context ({len(r.context)} keys):")
    for key in sorted(r.context):
        typer.echo(f"  {key} = {short(r.context[key], 100)}")


def _print_summary(r: RunRecord) -> None:
    steps = r.steps
    counts = Counter(s.result.status.value for s in steps.values())
    typer.echo(
        f"{len(steps)} steps: "
        + ", ".join(f"{n} {status.lower()}" for status, n in counts.most_common())
    )
    ran = [s for s in steps.values() if s.result.attempts > 0]
    slowest = heapq.nlargest(SLOWEST, ran, key=lambda s: s.result.duration_s)
    if slowest:
        typer.echo(
            "slowest: " + ", ".join(f"{s.result.name} {s.result.duration_s:.3f}s" for s in slowest)
        )
    failed = [s for s in steps.values() if s.result.status.value == "FAILED"]
    if failed:
        typer.echo(f"failed ({len(failed)}):")
        width = max(len(s.result.name) for s in failed)
        for s in failed:
            attempts = f" after {s.result.attempts} attempts" if s.result.attempts > 1 else ""
            typer.echo(f"  {s.result.name:<{width}}  {last_line(s.result.error)}{attempts}")
    typer.echo(
        "(--step NAME: one step with its traceback; --status failed: a row per failed step; "
        "--json: everything)"
    )


def print_step(r: RunRecord, s: StepRecord) -> None:
    """One step: result, why each attempt failed, its traceback and its ``--trace`` data."""
    res = s.result
    typer.echo(f"step {res.name} of run {r.run_id} ({r.recipe_name})")
    typer.echo(
        f"status {res.status.value}, {res.attempts} attempt{'s' * (res.attempts != 1)}, "
        f"{res.duration_s:.3f}s, exit code {'-' if res.exit_code is None else res.exit_code}"
    )
    if res.error:
        typer.echo(f"error: {res.error}")
    if res.attempt_errors:
        typer.echo("attempts:")
        for n, why in enumerate(res.attempt_errors, 1):
            typer.echo(f"  {n}: failed: {last_line(why)}")
        if res.status.value == "COMPLETED":
            typer.echo(f"  {res.attempts}: completed")
    if res.traceback:
        typer.echo("traceback:")
        _print_traceback(res.traceback)
    if res.trace is not None:
        _print_trace(res.trace)
    if s.delta.changes or s.delta.removed:
        typer.echo(f"changed keys: {', '.join(sorted(s.delta.changes)) or '-'}")
        if s.delta.removed:
            typer.echo(f"removed keys: {', '.join(s.delta.removed)}")
    if res.traceback and res.trace is None:
        typer.echo(
            f"(locals of the failing frame: f0 run --trace, then f0 runs show RUN --step {res.name})"
        )


def _print_traceback(text: str) -> None:
    if os.isatty(1):
        from rich.console import Console
        from rich.syntax import Syntax

        Console().print(Syntax(text.rstrip("\n"), "pytb", theme="ansi_dark"))
        return
    typer.echo(text.rstrip("\n"))


def _print_trace(trace: Mapping[str, Any]) -> None:
    typer.echo(f"trace ({trace.get('duration_s', 0):.3f}s):")
    inputs = trace.get("inputs") or []
    typer.echo(f"  inputs read: {', '.join(inputs) if inputs else '(none)'}")
    delta = trace.get("delta") or {}
    changes = delta.get("changes") or {}
    removed = delta.get("removed") or []
    if not changes and not removed:
        typer.echo("  delta: (nothing written)")
    else:
        typer.echo("  delta:")
        for key, value in changes.items():
            typer.echo(f"    + {key} = {short(value, 100)}")
        for key in removed:
            typer.echo(f"    - {key}")
    local_vars = trace.get("locals")
    if local_vars is not None:
        typer.echo("  locals of the failing frame:")
        width = max((len(k) for k in local_vars), default=0)
        for key, value in local_vars.items():
            typer.echo(f"    {key:<{width}} = {value}")
