"""The ``f0 health`` command (typer); the checks are in :mod:`f0_health._report`."""

from __future__ import annotations

import typer

__all__ = ["register"]

HELP = """Check CPU, memory and disk use (and processes, and custom checks).

\b
  f0 health                          cpu, memory, disk of /
  f0 health --json                   the report as JSON
  f0 health --disk /data --process postgres --check my_checks:queue_depth

Thresholds: warning above 80 %, critical above 95 % (--warning/--critical).
Exit code by the worst status: 0 HEALTHY, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
"""


def register(app: typer.Typer) -> None:
    """Add ``health`` to *app*."""

    @app.command("health", help=HELP, no_args_is_help=False)
    def health(  # noqa: PLR0917 - typer maps parameters to options
        as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
        fmt: str = typer.Option("text", "--format", help="text, markdown or json."),
        only: list[str] | None = typer.Option(
            None,
            "--only",
            help="Run only these built-in checks (cpu, memory, disk, process); repeatable.",
        ),
        disk: list[str] | None = typer.Option(
            None,
            "--disk",
            metavar="PATH",
            help="Check the disk holding PATH (default /); repeatable.",
        ),
        process: list[str] | None = typer.Option(
            None, "--process", metavar="NAME", help="Check that a process NAME runs; repeatable."
        ),
        check: list[str] | None = typer.Option(
            None,
            "--check",
            metavar="MODULE:FUNCTION",
            help="A custom check returning (status, message); repeatable.",
        ),
        warning: float = typer.Option(
            80.0, "--warning", min=0.0, max=100.0, help="Warning above this % (cpu, memory, disk)."
        ),
        critical: float = typer.Option(
            95.0, "--critical", min=0.0, max=100.0, help="Critical above this %."
        ),
        sample: float = typer.Option(
            1.0, "--sample", min=0.0, help="Seconds to sample CPU use over."
        ),
    ) -> None:
        from pathlib import Path

        from f0_health._checks import CustomHealthChecker
        from f0_health._model import EXIT_CODES, HealthStatus, percent_threshold
        from f0_health._report import CHECKS, HealthReporter, load_check_function, run_checks

        names = list(only or ["cpu", "memory", "disk"])
        unknown = [n for n in names if n not in CHECKS]
        if unknown:
            typer.echo(
                f"--only: unknown check {unknown[0]!r} (known: {', '.join(CHECKS)})", err=True
            )
            raise typer.Exit(2)
        if process and "process" not in names:
            names.append("process")
        if "process" in names and not process:
            typer.echo("--only process needs --process NAME", err=True)
            raise typer.Exit(2)
        if fmt not in {"text", "markdown", "json"}:
            typer.echo(f"--format: must be text, markdown or json, not {fmt!r}", err=True)
            raise typer.Exit(2)
        custom = CustomHealthChecker()
        for spec in check or ():
            try:
                custom.register_check(spec.partition(":")[2], load_check_function(spec, Path.cwd()))
            except ValueError as exc:
                typer.echo(f"--check: {exc}", err=True)
                raise typer.Exit(2) from None
        thresholds = {m: percent_threshold(m, warning, critical) for m in ("cpu", "memory", "disk")}
        report = run_checks(
            names,
            thresholds=thresholds,
            sample_duration=sample,
            disk_paths=disk,
            processes=process or (),
            custom=custom,
        )
        typer.echo(HealthReporter().format_health_report(report, "json" if as_json else fmt))
        raise typer.Exit(EXIT_CODES[HealthStatus(report["status"])])
