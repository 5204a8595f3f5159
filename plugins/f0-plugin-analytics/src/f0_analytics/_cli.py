"""``f0 stats``, ``f0 report``, ``f0 graph`` and ``f0 metrics``.

Only typer is imported here (``f0 --help`` imports this module); numpy,
SQLite and the renderers load inside the command bodies.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from f0 import RunStore

__all__ = ["open_store", "register"]

STORE_OPT = typer.Option(
    None,
    "--store",
    envvar="F0_STORE",
    metavar="URL",
    help="Run store URL (default: .f0/f0.db in the project root, as f0 runs).",
    show_default=False,
)
JSON_OPT = typer.Option(False, "--json", help="Print one JSON object.")
RECIPE_ARG = typer.Argument(
    ..., metavar="RECIPE", help="Recipe file (.yaml, .yml or .json).", show_default=False
)


@contextlib.contextmanager
def open_store(ctx: typer.Context, url: str | None) -> Iterator[RunStore | None]:
    """The run store at *url* (default: f0's); None when it holds nothing yet.

    A ``sqlite://`` file that does not exist is not created by reading it.
    """
    from f0 import UsageError, default_store_url, hooks_of

    from f0_analytics._db import sqlite_file

    url = url or default_store_url(env=False)
    if url.strip().lower() in {"", "none"}:
        msg = "no run history with --store none; give a store URL"
        raise UsageError(msg, where="--store")
    file = sqlite_file(url)
    if file is not None and not file.exists():
        yield None
        return
    store = hooks_of(ctx).run_store(url)
    try:
        yield store
    finally:
        store.close()


def _analytics(url: str | None) -> Any:
    from f0 import default_store_url

    from f0_analytics._db import analytics_path
    from f0_analytics._history import open_analytics

    return open_analytics(analytics_path(url or default_store_url(env=False)))


def _recipe_of(ctx: typer.Context, record: Any) -> Any:
    """The run's recipe file as it is now, or None when it is gone or unreadable."""
    from f0 import F0Error, hooks_of

    if record.finished_at is not None or not record.recipe_path:
        return None  # a finished run recorded every step
    path = Path(record.recipe_path)
    if not path.is_file():
        return None
    try:
        return hooks_of(ctx).load_recipe(path)
    except F0Error:
        return None


def _write_output(text: str, output: Path | None) -> None:
    """Print *text*, or write it atomically to *output* (temp file, fsync, rename)."""
    if output is None:
        typer.echo(text, nl=not text.endswith("\n"))
        return
    from f0_analytics._files import write_atomic

    write_atomic(output, text)


def register(app: typer.Typer) -> None:
    """Add the commands to *app*."""

    @app.command()
    def stats(  # noqa: PLR0917 - typer maps parameters to options
        ctx: typer.Context,
        recipe_path: Path = RECIPE_ARG,
        last: int = typer.Option(1000, "--last", "-n", min=1, help="Use the newest N runs."),
        as_json: bool = JSON_OPT,
        sensitivity: float = typer.Option(
            2.0,
            "--sensitivity",
            "-z",
            help="Flag durations with |z-score| above this (> 0).",
        ),
        store_url: str | None = STORE_OPT,
    ) -> None:
        """Per-step duration statistics, trend and anomalies over a recipe's past runs.

        Durations are of the runs where a step completed: count, mean, median,
        p50/p90/p95/p99/p99.9 (linear interpolation), std dev, the success
        rate, the trend (least-squares slope) and anomalies by z-score and by
        IQR (outside Q1-1.5 IQR .. Q3+1.5 IQR), each with its run id.
        """
        from f0 import UsageError, hooks_of

        from f0_analytics._analysis import recipe_stats

        if not sensitivity > 0:
            msg = f"must be greater than 0, not {sensitivity:g}"
            raise UsageError(msg, where="--sensitivity")
        from f0_analytics._history import History, load_history
        from f0_analytics._text import format_stats

        recipe = hooks_of(ctx).load_recipe(recipe_path)
        with open_store(ctx, store_url) as store:
            history = History(runs=(), steps={})
            if store is not None:
                analytics = _analytics(store_url)
                try:
                    history = load_history(
                        store,
                        recipe_path=str(recipe_path.resolve()),
                        last=last,
                        analytics=analytics,
                    )
                finally:
                    if analytics is not None:
                        analytics.close()
        result = recipe_stats(
            history, order=[s.name for s in recipe.steps], sensitivity=sensitivity
        )
        result = {"recipe": recipe.name, "recipe_path": str(recipe_path), **result}
        if as_json:
            typer.echo(json.dumps(result))
        else:
            typer.echo(format_stats(result))

    @app.command()
    def report(
        ctx: typer.Context,
        run_ref: str = typer.Argument(
            "last", metavar="RUN_ID|last", help="A run id, a unique prefix of one, or 'last'."
        ),
        output: Path | None = typer.Option(
            None, "--output", "-o", help="HTML file to write (default: report-RUN_ID.html)."
        ),
        last: int = typer.Option(
            200, "--last", "-n", min=1, help="Past runs used for the percentiles."
        ),
        store_url: str | None = STORE_OPT,
    ) -> None:
        """Write one self-contained HTML report of a run (no network needed to view it).

        The DAG coloured by status, a Gantt timeline with one lane per step
        running at once, each step's duration against its historical
        percentiles with anomaly markers, errors and the final context.
        """
        from f0 import UsageError

        from f0_analytics._report import build_report

        started = time.perf_counter()
        with open_store(ctx, store_url) as store:
            if store is None:
                msg = f"no run {run_ref!r}: the store has no runs yet"
                raise UsageError(msg, where="RUN_ID")
            record = store.get_run(store.resolve_run(run_ref))
            if record is None:
                msg = f"run {run_ref!r} disappeared from {store.url}"
                raise UsageError(msg, where="RUN_ID")
            analytics = _analytics(store_url)
            try:
                html = build_report(
                    store, record, analytics=analytics, last=last, recipe=_recipe_of(ctx, record)
                )
            finally:
                if analytics is not None:
                    analytics.close()
        target = output or Path(f"report-{record.run_id}.html")
        _write_output(html, target)
        took = time.perf_counter() - started
        typer.echo(f"wrote {target} ({len(html) // 1024} KiB, {took:.2f}s)", err=True)

    @app.command()
    def graph(
        ctx: typer.Context,
        recipe_path: Path = RECIPE_ARG,
        fmt: str = typer.Option(
            "svg", "--format", "-f", help="svg, dot, mermaid, json or html.", show_default=True
        ),
        output: Path | None = typer.Option(None, "--output", "-o", help="Write to FILE."),
        layout: str = typer.Option(
            "auto",
            "--layout",
            help="SVG layout: 'dot' (Graphviz, when installed), 'builtin', or 'auto'.",
        ),
    ) -> None:
        """The recipe's DAG without running it: SVG, DOT, Mermaid, JSON or an HTML page."""
        from f0 import UsageError

        from f0_analytics._render_graph import FORMATS, LAYOUTS, render_graph

        if fmt not in FORMATS:
            msg = f"unknown format {fmt!r} (choose one of: {', '.join(FORMATS)})"
            raise UsageError(msg, where="--format")
        if layout not in LAYOUTS:
            msg = f"unknown layout {layout!r} (choose one of: {', '.join(LAYOUTS)})"
            raise UsageError(msg, where="--layout")
        from f0 import hooks_of

        recipe = hooks_of(ctx).load_recipe(recipe_path)
        _write_output(render_graph(recipe, fmt, layout=layout), output)

    @app.command()
    def metrics(
        ctx: typer.Context,
        store_url: str | None = STORE_OPT,
        last: int = typer.Option(
            1000, "--last", "-n", min=1, help="Use the newest N runs of the store."
        ),
    ) -> None:
        """Print the stored runs' metrics in the Prometheus text exposition format.

        ``f0_runs_total{recipe,status}``, ``f0_run_duration_seconds`` and
        ``f0_step_duration_seconds{recipe,step}`` histograms, step attempts
        and step statuses.
        """
        from f0_analytics._prom import exposition

        with open_store(ctx, store_url) as store:
            analytics = _analytics(store_url) if store is not None else None
            try:
                text = exposition(store, analytics=analytics, last=last)
            finally:
                if analytics is not None:
                    analytics.close()
        typer.echo(text, nl=False)
