"""Shared bits of the ``f0 runs``, ``f0 cache`` and ``f0 ctx`` commands."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import typer

from f0_store._url import STORE_ENV, project_store_url

if TYPE_CHECKING:
    from rich.table import Table

__all__ = [
    "JSON_OPT",
    "STORE_OPT",
    "echo_json",
    "fmt_time",
    "print_diff",
    "print_table",
    "short",
]


def _store_or_default(url: str | None) -> str:
    # Asked when the command runs: the project root above the current folder.
    return url or project_store_url()


STORE_OPT = typer.Option(
    None,
    "--store",
    callback=_store_or_default,
    envvar=STORE_ENV,
    metavar="URL",
    show_default=False,
    help="Run store URL: sqlite:///relative.db or sqlite:////absolute.db ('none': no store). "
    "Default: .f0/f0.db in the project root (the first folder upwards with .f0/, "
    "pyproject.toml or .git), else in the current folder.",
)
JSON_OPT = typer.Option(False, "--json", help="Print JSON on stdout.")


def echo_json(value: Any) -> None:
    """One JSON document on stdout."""
    typer.echo(json.dumps(value, default=str))


def fmt_time(ts: float | None) -> str:
    """Local ``YYYY-MM-DD HH:MM:SS`` (``-`` for None)."""
    return "-" if ts is None else time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts))


def short(value: Any, width: int = 60) -> str:
    """Compact JSON of *value*, cut to *width* characters."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= width else text[: width - 3] + "..."


def print_table(
    title: str,
    columns: list[str],
    rows: list[list[str]],
    *,
    keep: tuple[str, ...] = (),
    drop_first: tuple[str, ...] = (),
) -> None:
    """A rich table on stdout (wide when stdout is not a terminal).

    Columns in *keep* are never cut nor wrapped (run ids: always shown
    whole). When the table is wider than the terminal, the columns in
    *drop_first* are left out, in that order, until it fits; the others are
    then shrunk by rich as usual.
    """
    from rich.console import Console
    from rich.table import Table

    console = Console(width=None if os.isatty(1) else _pipe_width())
    shown = list(range(len(columns)))
    for name in drop_first:
        if _table_width(columns, rows, shown) <= console.width:
            break
        if name in columns:
            shown.remove(columns.index(name))
    table: Table = Table(title=title)
    for i in shown:
        whole = columns[i] in keep
        table.add_column(columns[i], no_wrap=whole, overflow="fold" if not whole else "ignore")
    for row in rows:
        table.add_row(*(row[i] for i in shown))
    console.print(table)


def _pipe_width() -> int:
    """Columns when stdout is not a terminal: ``$COLUMNS`` if set, else a wide 160."""
    try:
        return max(20, int(os.environ.get("COLUMNS", "")))
    except ValueError:
        return 160


def _table_width(columns: list[str], rows: list[list[str]], shown: list[int]) -> int:
    """Width of a rich table with the *shown* columns at their natural width."""
    widths = [max([len(columns[i]), *(len(r[i]) for r in rows)]) for i in shown]
    return sum(widths) + 3 * len(widths) + 1  # "| " + " " per column, and the last "|"


def print_diff(diff: Mapping[str, Any]) -> None:
    """``+ key = value`` / ``- key (was value)`` / ``~ key: old -> new`` lines."""
    added, removed, changed = diff["added"], diff["removed"], diff["changed"]
    typer.echo(f"context: {len(added)} added, {len(removed)} removed, {len(changed)} changed")
    for key, value in added.items():
        typer.echo(f"  + {key} = {short(value)}")
    for key, value in removed.items():
        typer.echo(f"  - {key} (was {short(value)})")
    for key, change in changed.items():
        typer.echo(f"  ~ {key}: {short(change['old'], 40)} -> {short(change['new'], 40)}")
