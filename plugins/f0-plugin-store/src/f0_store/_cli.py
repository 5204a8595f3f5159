"""``f0 runs`` (list, show, diff) and ``f0 cache`` (list, clear).

Both work on any run store a plugin provides (``--store URL``, ``F0_STORE``,
default ``sqlite:///.f0/f0.db``). A ``sqlite://`` store file that does not
exist yet holds no runs: listing prints nothing, it does not create the file.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from f0_store._render import JSON_OPT, STORE_OPT, echo_json, fmt_time, print_diff, print_table
from f0_store._show import step_json

if TYPE_CHECKING:
    from f0 import RunRecord, RunStore, RunSummary

__all__ = ["open_run_store", "register_cache", "register_runs"]

RECIPE_OPT = typer.Option(None, "--recipe", help="Only this recipe file's entries.")


@contextlib.contextmanager
def open_run_store(ctx: typer.Context, url: str) -> Iterator[RunStore | None]:
    """The run store at *url*; None for ``none`` or a sqlite file that does not exist yet."""
    from f0 import hooks_of

    from f0_store._url import is_sqlite_url, parse_sqlite_url

    if url.strip().lower() in {"", "none"} or (
        is_sqlite_url(url) and not parse_sqlite_url(url).exists
    ):
        yield None
        return
    store = hooks_of(ctx).run_store(url)
    try:
        yield store
    finally:
        store.close()


def _need(store: RunStore | None, url: str, ref: str) -> RunStore:
    if store is None:
        from f0 import UsageError

        msg = f"no run {ref!r}: the store {url} has no runs yet"
        raise UsageError(msg, where="run")
    return store


def _load(store: RunStore, ref: str) -> RunRecord:
    record = store.get_run(store.resolve_run(ref))
    if record is None:  # resolved a moment ago; deleted since
        from f0 import UsageError

        msg = f"run {ref!r} disappeared from {store.url}"
        raise UsageError(msg, where="run")
    return record


def _duration(started: float, finished: float | None) -> float | None:
    return None if finished is None else round(finished - started, 6)


def summary_json(s: RunSummary) -> dict[str, Any]:
    """One run of ``f0 runs list --json``."""
    return {
        "run_id": s.run_id,
        "recipe_name": s.recipe_name,
        "recipe_path": s.recipe_path,
        "status": s.status.value,
        "started_at": s.started_at,
        "finished_at": s.finished_at,
        "duration_s": _duration(s.started_at, s.finished_at),
        "steps_total": s.steps_total,
        "steps_completed": s.steps_completed,
        "steps_failed": s.steps_failed,
    }


def record_json(r: RunRecord) -> dict[str, Any]:
    """``f0 runs show --json``: the run, its steps in completion order, its final context."""
    return {
        "run_id": r.run_id,
        "recipe_name": r.recipe_name,
        "recipe_path": r.recipe_path,
        "recipe_hash": r.recipe_hash,
        "status": r.status.value,
        "started_at": r.started_at,
        "finished_at": r.finished_at,
        "duration_s": _duration(r.started_at, r.finished_at),
        "params": dict(r.params),
        "resumed_from": r.resumed_from,
        "steps": {name: step_json(s) for name, s in r.steps.items()},
        "context": None if r.context is None else dict(r.context),
    }


def runs_diff(a: RunRecord, b: RunRecord) -> dict[str, Any]:
    """``f0 runs diff --json``: context and step-status differences from run *a* to run *b*."""
    from f0_store._diff import diff_contexts

    names = list(dict.fromkeys([*a.steps, *b.steps]))
    steps = {}
    for name in names:
        sa, sb = a.steps.get(name), b.steps.get(name)
        status_a = sa.result.status.value if sa else None
        status_b = sb.result.status.value if sb else None
        if status_a != status_b:
            steps[name] = {"a": status_a, "b": status_b}
    return {
        "a": a.run_id,
        "b": b.run_id,
        "finished": {"a": a.context is not None, "b": b.context is not None},
        "context": diff_contexts(a.context or {}, b.context or {}),
        "steps": steps,
    }


def register_runs(app: typer.Typer) -> None:
    """Add the ``runs`` sub-app."""
    runs = typer.Typer(help="Recorded runs: list, show, diff.", no_args_is_help=True)

    @runs.command("list")
    def list_(
        ctx: typer.Context,
        as_json: bool = JSON_OPT,
        store_url: str = STORE_OPT,
        limit: int | None = typer.Option(20, "--limit", "-n", help="At most N runs (0: all)."),
        recipe: Path | None = RECIPE_OPT,
    ) -> None:
        """Recorded runs, newest first."""
        with open_run_store(ctx, store_url) as store:
            found = (
                store.list_runs(limit=limit or None, recipe_path=str(recipe) if recipe else None)
                if store is not None
                else []
            )
        if as_json:
            echo_json([summary_json(s) for s in found])
            return
        if not found:
            typer.echo(f"no runs recorded in {store_url}")
            return
        print_table(
            f"runs in {store_url}",
            ["run id", "recipe", "status", "started", "duration", "steps", "failed"],
            [
                [
                    s.run_id,
                    s.recipe_name,
                    s.status.value,
                    fmt_time(s.started_at),
                    "-" if s.finished_at is None else f"{s.finished_at - s.started_at:.2f}s",
                    f"{s.steps_completed}/{s.steps_total}",
                    str(s.steps_failed),
                ]
                for s in found
            ],
            keep=("run id",),
            # On a narrow terminal the run id stays whole; these go first.
            drop_first=("started", "duration", "steps", "failed", "recipe"),
        )

    @runs.command()
    def show(  # noqa: PLR0917 - typer maps parameters to options
        ctx: typer.Context,
        run: str = typer.Argument(..., help="Run id, unique prefix of one, or 'last'."),
        as_json: bool = JSON_OPT,
        store_url: str = STORE_OPT,
        step: str | None = typer.Option(
            None,
            "--step",
            metavar="NAME",
            help="Only this step: why each attempt failed, its traceback, its --trace data.",
        ),
        status: str | None = typer.Option(
            None,
            "--status",
            metavar="STATUS",
            help="Only the steps of this status (failed, completed, skipped...).",
        ),
    ) -> None:
        """One run: its steps (status, attempts, timings, error) and final context.

        A run of more than 40 steps is summarised: counts per status, the failed
        steps with their error, the slowest steps.
        """
        from f0_store._show import check_status, find_step, print_record, print_step

        wanted = check_status(status) if status is not None else None
        with open_run_store(ctx, store_url) as store:
            record = _load(_need(store, store_url, run), run)
        if step is not None:
            found = find_step(record, step)
            if as_json:
                echo_json({"run_id": record.run_id, "step": step, **step_json(found)})
            else:
                print_step(record, found)
            return
        if as_json:
            data = record_json(record)
            if wanted is not None:
                data["steps"] = {n: s for n, s in data["steps"].items() if s["status"] == wanted}
            echo_json(data)
            return
        print_record(record, status=wanted)

    @runs.command()
    def diff(
        ctx: typer.Context,
        run_a: str = typer.Argument(..., help="First run (id, prefix or 'last')."),
        run_b: str = typer.Argument(..., help="Second run."),
        as_json: bool = JSON_OPT,
        store_url: str = STORE_OPT,
    ) -> None:
        """What changed from RUN_A to RUN_B: context keys and step statuses."""
        with open_run_store(ctx, store_url) as opened:
            store = _need(opened, store_url, run_a)
            a, b = _load(store, run_a), _load(store, run_b)
        result = runs_diff(a, b)
        for side, record in (("a", a), ("b", b)):
            if record.context is None:
                typer.echo(
                    f"warning: run {record.run_id} ({side}) has not finished: no final context",
                    err=True,
                )
        if as_json:
            echo_json(result)
            return
        typer.echo(f"{a.run_id} -> {b.run_id}")
        print_diff(result["context"])
        typer.echo(f"steps: {len(result['steps'])} with a different status")
        for name, change in result["steps"].items():
            typer.echo(f"  {name}: {change['a'] or '(absent)'} -> {change['b'] or '(absent)'}")

    app.add_typer(runs, name="runs")


def register_cache(app: typer.Typer) -> None:
    """Add the ``cache`` sub-app."""
    cache = typer.Typer(help="The step cache: list, clear.", no_args_is_help=True)

    @cache.command("list")
    def list_(
        ctx: typer.Context,
        as_json: bool = JSON_OPT,
        recipe: Path | None = RECIPE_OPT,
        store_url: str = STORE_OPT,
    ) -> None:
        """Cache entries of ``cache: true`` steps."""
        with open_run_store(ctx, store_url) as store:
            entries = store.cache_list(str(recipe) if recipe else None) if store is not None else []
        now = time.time()
        rows: list[dict[str, Any]] = [
            {
                "recipe_path": e.recipe_path,
                "step": e.step_name,
                "fingerprint": e.fingerprint,
                "created_at": e.created_at,
                "ttl": e.ttl,
                "expired": e.expired(now),
                "run_id": e.run_id,
                "code_origin": e.code_origin,
            }
            for e in entries
        ]
        if as_json:
            echo_json(rows)
            return
        if not rows:
            typer.echo(f"no cache entries in {store_url}")
            return
        print_table(
            f"cache entries in {store_url}",
            ["recipe", "step", "fingerprint", "created", "expires", "run"],
            [
                [
                    r["recipe_path"],
                    r["step"],
                    r["fingerprint"][:12],
                    fmt_time(r["created_at"]),
                    "never"
                    if r["ttl"] is None
                    else ("expired" if r["expired"] else fmt_time(r["created_at"] + r["ttl"])),
                    r["run_id"],
                ]
                for r in rows
            ],
        )

    @cache.command()
    def clear(
        ctx: typer.Context,
        step: str | None = typer.Argument(None, help="Only this step's entry."),
        recipe: Path | None = RECIPE_OPT,
        store_url: str = STORE_OPT,
    ) -> None:
        """Remove cache entries: all, one recipe's (--recipe), or one step's."""
        with open_run_store(ctx, store_url) as store:
            removed = (
                store.cache_clear(str(recipe) if recipe else None, step) if store is not None else 0
            )
        typer.echo(f"removed {removed} cache entr{'y' if removed == 1 else 'ies'}")

    app.add_typer(cache, name="cache")


def _store_file(url: str) -> Path:
    """The file of a ``sqlite://`` store URL that exists (else a usage error)."""
    from f0 import UsageError

    from f0_store._url import is_sqlite_url, parse_sqlite_url

    if not is_sqlite_url(url):
        msg = f"f0 store check/repair work on sqlite:// stores, not {url!r}"
        raise UsageError(msg, where="--store")
    path = parse_sqlite_url(url).path
    if path is None:
        msg = "an in-memory store (sqlite://) has nothing to check"
        raise UsageError(msg, where="--store")
    if not path.is_file():
        msg = f"no store file {path}"
        raise UsageError(msg, where="--store")
    return path


def register_store(app: typer.Typer) -> None:
    """Add the ``store`` sub-app (check, repair)."""
    store = typer.Typer(help="The run store file: check, repair.", no_args_is_help=True)

    @store.command()
    def check(as_json: bool = JSON_OPT, store_url: str = STORE_OPT) -> None:
        """SQLite's integrity check plus f0's schema and row checks; never writes.

        Exit code 0 when the store is healthy, 3 when it is damaged.
        """
        from f0_store._repair import check_store

        report = check_store(_store_file(store_url))
        if as_json:
            echo_json(report.to_json())
        elif report.ok:
            typer.echo(
                f"{report.store}: ok (schema version {report.schema_version}, "
                f"{report.runs} runs, {report.steps} steps)"
            )
        else:
            typer.echo(f"{report.store}: DAMAGED, {len(report.problems)} problem(s):")
            for problem in report.problems:
                typer.echo(f"  {problem}")
            typer.echo(f"salvage what is readable with: f0 store repair --store {store_url}")
        if not report.ok:
            raise typer.Exit(3)

    @store.command()
    def repair(
        as_json: bool = JSON_OPT,
        store_url: str = STORE_OPT,
        output: Path | None = typer.Option(
            None,
            "--output",
            "-o",
            help="Write the salvaged store here (a new file) and leave the damaged one as it is.",
        ),
    ) -> None:
        """Copy every readable run, step and cache entry into a new store file.

        Without --output, the damaged file is kept as NAME.damaged-DATE and the
        new one takes its place (one atomic rename). Stop runs using the store first.
        """
        from f0 import UsageError

        from f0_store._repair import repair_store

        path = _store_file(store_url)
        if output is not None and output.exists():
            msg = f"{output} exists; name a new file"
            raise UsageError(msg, where="--output")
        report = repair_store(path, output=output)
        if as_json:
            echo_json(report.to_json())
            return
        kept = ", ".join(f"{n} {t}" for t, n in report.kept.items() if n)
        dropped = ", ".join(f"{n} {t}" for t, n in report.dropped.items() if n)
        typer.echo(f"salvaged into {report.output}: {kept or 'nothing'}")
        if dropped:
            typer.echo(f"dropped (unreadable): {dropped}")
        for note in report.notes:
            typer.echo(f"  note: {note}")
        if report.backup:
            typer.echo(f"the damaged file is kept as {report.backup}")

    app.add_typer(store, name="store")
