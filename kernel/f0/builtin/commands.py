"""The kernel's own commands: ``run``, ``validate``, ``plan``, ``plugins``.

They are registered through ``f0_register_commands`` like any plugin's, so
name clashes and ``--help`` treat everyone the same. Heavy imports (rich,
structlog) happen inside the command bodies.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
import typer.core

from f0._markers import hookimpl
from f0.cli import hooks_of  # also importable from here, where plugins first found it
from f0.errors import F0Error, RecipeValidationError
from f0.wording import plural

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

    from f0.decisions import Decision
    from f0.hooks import Hooks
    from f0.model import Problem, Recipe, RunResult
    from f0.plan import Plan
    from f0.records import RunRecord
    from f0.stores import RunStore

RECIPE_ARG = typer.Argument(
    ..., metavar="RECIPE", help="Recipe file (.yaml, .yml or .json).", show_default=False
)
JSON_OPT = typer.Option(
    False, "--json", help="Print one JSON object on stdout (progress and logs go to stderr)."
)
STRICT_OPT = typer.Option(False, "--strict", help="Treat warnings as errors.")
LENIENT_OPT = typer.Option(
    False,
    "--lenient",
    help="Report unknown keys (and --set naming no step or argument) as warnings, not errors; "
    "a recipe can say the same with 'lenient: true'.",
)
SET_OPT = typer.Option(
    None,
    "--set",
    "-s",
    metavar="KEY=VALUE",
    help="Put KEY into the context before the first step, or override argument ARG of step STEP "
    "with STEP.ARG=VALUE. VALUE is parsed as JSON when it can be. Repeatable.",
)
STORE_OPT = typer.Option(
    None,
    "--store",
    envvar="F0_STORE",
    metavar="URL",
    help="Run store URL (default: .f0/f0.db in the project root above the recipe, the first "
    "folder with .f0/, pyproject.toml or .git; 'none' records nothing).",
    show_default=False,
)
NO_CACHE_OPT = typer.Option(False, "--no-cache", help="Run cache: true steps even if cached.")


def _echo_err(text: str) -> None:
    typer.echo(text, err=True)


def _debug_env() -> bool:
    """``F0_DEBUG=1`` or ``DEBUG=1``: trace steps and show whole tracebacks."""
    return os.environ.get("F0_DEBUG") == "1" or os.environ.get("DEBUG") == "1"


def load_valid_recipe(
    hooks: Hooks,
    path: Path,
    *,
    sets: list[str] | None = None,
    strict: bool = False,
    lenient: bool = False,
) -> tuple[Recipe, dict[str, Any], list[Problem]]:
    """Load *path*, apply ``--set``, validate; return (recipe, context seed, warnings).

    Raises :class:`RecipeValidationError` with every error if there is one.
    """
    from f0.validate import load_and_validate

    _check_strictness(strict=strict, lenient=lenient)
    recipe, seed, problems = load_and_validate(
        hooks, path, sets=sets or (), strict=strict, lenient=lenient
    )
    if any(p.is_error for p in problems):
        raise RecipeValidationError(problems)
    return recipe, seed, problems


@contextlib.contextmanager
def _heap_frozen() -> Iterator[None]:
    """Keep what exists now (recipe, plugins, modules) out of the run's garbage collections.

    A large recipe is many long-lived objects, and every full collection during
    the run scanned them all again (on 10,000 steps, ~35 ms each, several per
    run). ``gc.freeze`` sets them aside for the run; afterwards they are
    collectable again, so an in-process caller (tests) keeps nothing frozen.
    """
    import gc

    if gc.get_freeze_count():  # someone else froze the heap: leave it to them
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _check_strictness(*, strict: bool, lenient: bool) -> None:
    if strict and lenient:
        from f0.errors import UsageError

        msg = "--strict and --lenient contradict each other: give one"
        raise UsageError(msg, where="--lenient")


class _RunCommand(typer.core.TyperCommand):
    """``f0 run``: an option of a plugin that is not installed names the plugin."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except Exception as exc:
            _name_missing_plugin(exc)
            raise


def _name_missing_plugin(exc: Exception) -> None:
    """Reword click's "No such option: --summary" when a first-party plugin adds that option."""
    from f0.hooks import RUN_OPTION_HINTS, not_installed

    # typer vendors click: its NoSuchOption is recognised by its attribute.
    option = getattr(exc, "option_name", None)
    dist = RUN_OPTION_HINTS.get(option) if isinstance(option, str) else None
    if dist is None or not hasattr(exc, "message"):
        return
    exc.message = f"{option}: {not_installed('this option of f0 run', dist)}"
    exc.possibilities = None  # type: ignore[attr-defined]


@hookimpl
def f0_register_commands(app: typer.Typer) -> None:
    """Add ``run``, ``validate``, ``plan`` and ``plugins``."""

    @app.command(cls=_RunCommand)
    def run(  # noqa: PLR0917 - typer maps parameters to options
        ctx: typer.Context,
        recipe_path: Path = RECIPE_ARG,
        as_json: bool = JSON_OPT,
        sets: list[str] | None = SET_OPT,
        workers: int | None = typer.Option(
            None, "--workers", "-w", min=1, help="Steps run at once (default: CPU count)."
        ),
        scheduler: str = typer.Option(
            "local", "--scheduler", envvar="F0_SCHEDULER", help="Scheduler plugin to use."
        ),
        processes: bool = typer.Option(
            False, "--processes", help="Run steps in a process pool instead of threads."
        ),
        continue_on_error: bool = typer.Option(
            False,
            "--continue-on-error",
            help="Let branches independent of a failed step go on; the run ends PARTIAL.",
        ),
        context_url: str = typer.Option(
            "memory://", "--context", envvar="F0_CONTEXT", help="Context store URL."
        ),
        strict: bool = STRICT_OPT,
        lenient: bool = LENIENT_OPT,
        store_url: str | None = STORE_OPT,
        resume: str | None = typer.Option(
            None,
            "--resume",
            metavar="RUN_ID",
            help="Resume a recorded run ('last' or an id prefix): replay its completed steps, "
            "run the rest.",
            show_default=False,
        ),
        force: bool = typer.Option(
            False, "--force", help="With --resume: re-run completed steps that changed since."
        ),
        no_cache: bool = NO_CACHE_OPT,
        quiet: bool = typer.Option(
            False, "--quiet", "-q", help="Only failed steps and the final line."
        ),
        verbose: bool = typer.Option(
            False, "--verbose", "-v", help="A line per finished step (instead of a progress bar)."
        ),
        log_json: bool = typer.Option(False, "--log-json", help="Log JSON lines on stderr."),
        debug: bool = typer.Option(False, "--debug", help="Debug logging (also DEBUG=1)."),
        trace: bool = typer.Option(
            False,
            "--trace",
            help="Record per step the context keys it read, the delta it wrote, its duration "
            "and, if it raised, the locals of the failing frame; see f0 runs show RUN --step "
            "NAME (also F0_DEBUG=1 or DEBUG=1).",
        ),
        **plugin_options: Any,
    ) -> None:
        """Run a recipe: validate everything, then run its steps.

        Exit code 0 when every step completed, 1 when the run failed, ended
        PARTIAL or was cancelled (Ctrl-C), 2 for an invalid recipe or usage.
        """
        from f0.engine import run_recipe
        from f0.errors import StoreError
        from f0.log import configure_logging
        from f0.model import RunResult, RunStatus, SchedulerOptions

        configure_logging(json_lines=log_json, debug=debug or None)
        hooks = hooks_of(ctx)
        recipe, seed, warnings = load_valid_recipe(
            hooks, recipe_path, sets=sets, strict=strict, lenient=lenient
        )
        for problem in warnings:
            _echo_err(str(problem))
        # Options plugins add (f0_run_options); unset ones are left out.
        extra = {k: v for k, v in plugin_options.items() if v is not None and v is not False}
        options = SchedulerOptions(
            workers=workers,
            continue_on_error=continue_on_error,
            pool="process" if processes else "thread",
            extra=extra,
            trace=trace or _debug_env(),
        )
        # Output is a plugin's (f0-plugin-terminal): it gets the output flags.
        observers = hooks.run_observers(
            {
                **extra,
                "json": as_json,
                "quiet": quiet,
                "verbose": verbose,
                "debug": debug or _debug_env(),
            }
        )
        # No plugin shows the run (no f0-plugin-terminal): one plain line at the end.
        shown = bool(observers)
        if log_json or debug:
            from f0.builtin.events import EventLogger

            observers.append(EventLogger())
        store = hooks.open_run_store(store_url, near=recipe.base_dir)
        unrecorded: StoreError | None = None
        with contextlib.ExitStack() as cleanup:
            if store is not None:
                cleanup.callback(store.close)
            record = _resumed_run(store, resume, recipe) if resume else None
            for observer in observers:
                hooks.pm.register(observer)
                cleanup.callback(hooks.pm.unregister, observer)
            # With --json, stdout carries only the result: what steps print goes to stderr.
            if as_json:
                cleanup.enter_context(contextlib.redirect_stdout(sys.stderr))
            cleanup.enter_context(_heap_frozen())
            try:
                result = run_recipe(
                    hooks,
                    recipe,
                    scheduler=scheduler,
                    options=options,
                    context_url=context_url,
                    seed=seed,
                    store=store,
                    resume=record,
                    force=force,
                    use_cache=not no_cache,
                    on_decisions=(
                        _say_replayed(record) if record is not None and not quiet else None
                    ),
                )
            except StoreError as exc:
                # The run went on but was not fully recorded: print its result, then fail.
                if not isinstance(exc.result, RunResult):
                    raise
                result, unrecorded = exc.result, exc
        if as_json:
            with _heap_frozen():  # the run's records too: to_json makes a dict per step
                typer.echo(json.dumps(result.to_json(), default=str))
        elif not shown:
            typer.echo(_bare_result_line(result))
        if unrecorded is not None:
            raise unrecorded
        if result.status is not RunStatus.COMPLETED:
            raise typer.Exit(1)

    @app.command()
    def validate(
        ctx: typer.Context,
        recipe_paths: list[Path] = typer.Argument(
            ..., help="Recipe files.", show_default=False, metavar="RECIPE..."
        ),
        strict: bool = STRICT_OPT,
        lenient: bool = LENIENT_OPT,
        as_json: bool = JSON_OPT,
    ) -> None:
        """Check recipes without running them; report every problem at once.

        Each problem is one line ``file:line:col: message``. Exit code 0 when
        all are valid, 2 when any has an error.
        """
        from f0.validate import load_and_validate

        hooks = hooks_of(ctx)
        _check_strictness(strict=strict, lenient=lenient)
        report: list[dict[str, Any]] = []
        failed = False
        for path in recipe_paths:
            try:
                recipe, _, problems = load_and_validate(hooks, path, strict=strict, lenient=lenient)
                lines = [str(p) for p in problems]
                entries = [_problem_json(p) for p in problems]
                errors = sum(p.is_error for p in problems)
                steps = len(recipe.steps)
            except F0Error as exc:
                lines, entries, errors, steps = [str(exc)], [_error_json(exc)], 1, 0
            failed = failed or errors > 0
            warnings = len(lines) - errors
            report.append(
                {"path": str(path), "valid": errors == 0, "steps": steps, "problems": entries}
            )
            if not as_json:
                for line in lines:
                    typer.echo(line)
                verdict = "ok" if errors == 0 else f"{errors} error{'s' * (errors != 1)}"
                extra = f", {warnings} warning{'s' * (warnings != 1)}" if warnings else ""
                typer.echo(f"{path}: {verdict} ({plural(steps, 'step')}{extra})")
        if as_json:
            typer.echo(json.dumps(report if len(report) > 1 else report[0]))
        if failed:
            raise typer.Exit(2)

    @app.command()
    def plan(  # noqa: PLR0917 - typer maps parameters to options
        ctx: typer.Context,
        recipe_path: Path = RECIPE_ARG,
        as_json: bool = JSON_OPT,
        sets: list[str] | None = SET_OPT,
        strict: bool = STRICT_OPT,
        lenient: bool = LENIENT_OPT,
        store_url: str | None = STORE_OPT,
        no_cache: bool = NO_CACHE_OPT,
        resume: str | None = typer.Option(
            None,
            "--resume",
            metavar="RUN_ID",
            help="Show what resuming this recorded run would do: DONE steps are replayed.",
            show_default=False,
        ),
        force: bool = typer.Option(False, "--force", help="With --resume: as f0 run --force."),
        full: bool = typer.Option(
            False,
            "--full",
            help=f"A row per step even for recipes over {CONDENSE_OVER} steps "
            "(which otherwise show levels and counts).",
        ),
    ) -> None:
        """Show the order a recipe would run in, and for each step RUN, CACHED or DONE and why.

        Nothing is executed. Reasons: "no cache entry", "args changed: n 3 -> 4",
        "code of steps.py changed", "upstream clean runs", "cache expired"...
        """
        import time

        import attrs

        from f0.engine import initial_context
        from f0.plan import build_plan

        hooks = hooks_of(ctx)
        recipe, seed, warnings = load_valid_recipe(
            hooks, recipe_path, sets=sets, strict=strict, lenient=lenient
        )
        for problem in warnings:
            _echo_err(str(problem))
        the_plan = build_plan(recipe)
        store = hooks.open_run_store(store_url, near=recipe.base_dir)
        try:
            record = _resumed_run(store, resume, recipe) if resume else None
            if record is not None:
                seed = {**record.params, **seed}
            decisions = hooks.step_decisions(
                recipe,
                the_plan.order,
                initial=initial_context(recipe, seed, time.time()),
                store=store,
                use_cache=not no_cache,
                resume=record,
                force=force,
            )
        finally:
            if store is not None:
                store.close()
        the_plan = attrs.evolve(
            the_plan, decisions={n: (d.action, d.reason) for n, d in decisions.items()}
        )
        if as_json:
            typer.echo(json.dumps({"recipe": recipe.name, **the_plan.to_json()}))
            return
        for line in plan_lines(recipe, the_plan, full=full or len(the_plan.order) <= CONDENSE_OVER):
            typer.echo(line)

    @app.command()
    def plugins(ctx: typer.Context, as_json: bool = JSON_OPT) -> None:
        """List installed plugins: name, version, distribution and the hooks each implements."""
        pm = hooks_of(ctx).pm
        rows: list[dict[str, Any]] = [
            {
                "name": info.name,
                "version": info.version,
                "distribution": info.distribution,
                "builtin": info.builtin,
                "module": info.module,
                "hooks": pm.hooks_of(info.name),
            }
            for info in pm.infos.values()
        ]
        failures = [
            {"name": f.name, "distribution": f.distribution, "error": f.error}
            for f in pm.load_failures
        ]
        if as_json:
            typer.echo(json.dumps({"plugins": rows, "failed": failures}))
            return
        from rich.console import Console
        from rich.table import Table

        table = Table(title="f0 plugins")
        for column in ("name", "version", "distribution", "hooks"):
            table.add_column(column)
        for row in rows:
            table.add_row(
                row["name"],
                row["version"] or "-",
                row["distribution"] or "(kernel)",
                ", ".join(h.removeprefix("f0_") for h in row["hooks"]),
            )
        console = Console(width=_width())
        console.print(table)
        for f in failures:
            _echo_err(
                f"warning: plugin {f['name']!r} ({f['distribution']}) failed to load: {f['error']}"
            )


#: Recipes with more steps get a condensed plan (levels and counts) unless --full.
CONDENSE_OVER = 40
#: Step names shown per level in a condensed plan.
_NAMES_PER_LEVEL = 4


def plan_lines(recipe: Recipe, plan: Plan, *, full: bool) -> list[str]:
    """``f0 plan`` as text: a row per step, or (not *full*) levels and action counts."""
    from collections import Counter

    counts = f"{plural(len(plan.order), 'step')}, {plural(len(plan.levels), 'level')}"
    lines = [f"plan for {recipe.name} ({counts})"]
    if full:
        level_of = {name: i for i, level in enumerate(plan.levels) for name in level}
        rows = [("#", "level", "idx", "step", "type", "depends on", "action", "why")]
        for n, step in enumerate(plan.order, 1):
            action, why = plan.decisions[step.name]
            deps = ", ".join(step.depends_on) or "-"
            rows.append(
                (
                    str(n),
                    str(level_of[step.name]),
                    str(step.idx),
                    step.name,
                    step.type,
                    deps,
                    action,
                    why,
                )
            )
        widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
        lines += [
            "  " + "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip()
            for row in rows
        ]
        return lines
    count_width = len(str(max(len(level) for level in plan.levels)))
    for n, level in enumerate(plan.levels):
        names = ", ".join(level[:_NAMES_PER_LEVEL])
        more = len(level) - _NAMES_PER_LEVEL
        noun = "step " if len(level) == 1 else "steps"
        lines.append(
            f"  level {n}: {len(level):>{count_width}} {noun}  {names}"
            + (f", ... ({more} more)" if more > 0 else "")
        )
    actions = Counter(plan.decisions[s.name] for s in plan.order)
    lines.append("actions:")
    lines += [
        f"  {action:<6} {count:>{count_width}}  {why}"
        for (action, why), count in actions.most_common()
    ]
    lines.append("(f0 plan --full: a row per step; --json: everything)")
    return lines


def _resumed_run(store: RunStore | None, ref: str, recipe: Recipe) -> RunRecord:
    """The recorded run ``--resume REF`` names (``last``: the newest run of this recipe)."""
    from f0.decisions import recipe_key
    from f0.errors import UsageError

    if store is None:
        msg = "needs a run store to resume from; install f0-plugin-store or pass --store URL"
        raise UsageError(msg, where="--resume")
    # A store may offer a better choice for resuming than resolve_run's (the run
    # of a resume chain with the most completed work, not a newer, emptier one);
    # it returns the run id and a note saying which it chose and why.
    choose = getattr(store, "resolve_resume", None)
    if callable(choose):
        run_id, note = choose(ref, recipe_path=recipe_key(recipe))
        if note:
            _echo_err(note)
    else:
        run_id = store.resolve_run(ref, recipe_path=recipe_key(recipe))
    record = store.get_run(run_id)
    if record is None:
        msg = f"no recorded run {ref!r} in {store.url}"
        raise UsageError(msg, where="--resume")
    return record


#: Step names a "resuming run" line lists before "...".
_NAMES_SHOWN = 6


def _say_replayed(record: RunRecord) -> Callable[[Mapping[str, Decision]], None]:
    """The ``on_decisions`` of a resumed run: one line on stderr, what replays and what runs."""

    def say(decisions: Mapping[str, Decision]) -> None:
        def names(action: str, noun: str) -> str:
            found = [n for n, d in decisions.items() if d.action == action]
            shown = ", ".join(found[:_NAMES_SHOWN]) + (", ..." if len(found) > _NAMES_SHOWN else "")
            text = f"{len(found)} {noun}{'s' * (len(found) != 1)}"
            return f"{text} ({shown})" if found else text

        _echo_err(
            f"resuming run {record.run_id}: replaying {names('DONE', 'completed step')}, "
            f"running {names('RUN', 'step')}"
        )

    return say


def _bare_result_line(result: RunResult) -> str:
    """The run's outcome in one line, for when no plugin shows the run (no f0-plugin-terminal)."""
    from collections import Counter

    from f0.hooks import OUTPUT_PLUGIN

    counts = Counter(r.status.value.lower() for r in result.steps.values())
    done = ", ".join(f"{n} {status}" for status, n in counts.most_common())
    return (
        f"{result.status.value}: {plural(len(result.steps), 'step')}, {done or 'none run'} "
        f"(for progress and a summary: pip install {OUTPUT_PLUGIN})"
    )


def _width() -> int | None:
    # rich wraps at 80 columns when stdout is not a terminal; tables read better wider.
    return None if os.isatty(1) else 160


def _problem_json(p: Problem) -> dict[str, Any]:
    return {
        "file": p.pos.path if p.pos else None,
        "line": p.pos.line if p.pos else None,
        "col": p.pos.col if p.pos else None,
        "severity": p.severity.value,
        "code": p.code,
        "where": p.where,
        "message": p.message,
    }


def _error_json(exc: F0Error) -> dict[str, Any]:
    return {
        "file": exc.pos.path if exc.pos else exc.where,
        "line": exc.pos.line if exc.pos else None,
        "col": exc.pos.col if exc.pos else None,
        "severity": "error",
        "code": None,
        "where": exc.where,
        "message": exc.message,
    }
