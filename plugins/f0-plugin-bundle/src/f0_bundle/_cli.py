"""``f0 bundle``: analyze, create, verify, run.

Exit codes: 0 success; 1 something unresolved, a bundle that fails
verification, or a failed/timed-out run (the recipe's own exit code is
passed through); 2 bad input (a missing recipe or bundle, a bad option).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from f0 import plural

if TYPE_CHECKING:
    from f0_bundle._analyze import Analysis
    from f0_bundle._verify import Report

__all__ = ["register"]

JSON_OPT = typer.Option(False, "--json", help="Print JSON instead of text.")


def register(app: typer.Typer) -> None:
    """Add the ``f0 bundle`` group to *app*."""
    bundle = typer.Typer(
        help="Self-contained recipe bundles: analyze, create, verify, run.",
        no_args_is_help=True,
        rich_markup_mode=None,
    )

    @bundle.command("analyze")
    def analyze_cmd(
        ctx: typer.Context,
        recipe: Path = typer.Argument(..., help="The recipe file."),
        as_json: bool = JSON_OPT,
    ) -> None:
        """List every file, module and distribution RECIPE needs (exit 1 if any is unresolved)."""
        from f0 import hooks_of

        from f0_bundle._analyze import analyze

        hooks = hooks_of(ctx)
        # With positions: every unresolved need is reported at its file:line:col.
        result = analyze(hooks.load_recipe(recipe, positions=True), hooks)
        if as_json:
            typer.echo(json.dumps(result.to_json(), indent=2))
        else:
            _print_analysis(result)
        if not result.success:
            raise typer.Exit(1)

    @bundle.command("create")
    def create_cmd(  # noqa: PLR0917 - typer maps parameters to options
        ctx: typer.Context,
        recipe: Path = typer.Argument(..., help="The recipe file."),
        output: Path = typer.Option(
            Path("bundles"), "-o", "--output", help="Folder to write the bundle into."
        ),
        fmt: str = typer.Option(
            "dir", "--format", help="dir, zip or pyz (or a target another plugin adds)."
        ),
        minimal: bool = typer.Option(
            False, "--minimal", help="Vendor only the f0 plugins the recipe needs."
        ),
        with_dockerfile: bool = typer.Option(
            False, "--dockerfile", help="Add a Dockerfile to the bundle."
        ),
        base_image: str | None = typer.Option(
            None,
            "--base-image",
            help="Pinned base image for --dockerfile (default: python:X.Y.Z-slim-bookworm).",
        ),
        as_json: bool = JSON_OPT,
    ) -> None:
        """Write a self-contained bundle of RECIPE, with a manifest of every file's SHA-256."""
        from f0 import RecipeValidationError, UsageError, hooks_of

        from f0_bundle._create import CreateOptions
        from f0_bundle._targets import PackTarget

        if base_image is not None and not with_dockerfile:
            raise UsageError("only makes sense with --dockerfile", where="--base-image")
        hooks = hooks_of(ctx)
        loaded = hooks.load_recipe(recipe, positions=True)
        problems = [p for p in (*loaded.problems, *hooks.validate_recipe(loaded)) if p.is_error]
        if problems:
            raise RecipeValidationError(problems)
        target: Any = hooks.bundle_target(fmt)
        options = CreateOptions(minimal=minimal, dockerfile=with_dockerfile, base_image=base_image)
        if not isinstance(target, PackTarget):
            if options != CreateOptions():
                msg = f"the {fmt!r} target (another plugin's) takes no --minimal/--dockerfile"
                raise UsageError(msg, where="--format")
            typer.echo(str(target.build(loaded, output)))
            return
        created = target.configured(options, hooks).create(loaded, output)
        for warning in created.warnings:
            typer.echo(f"warning: {warning}", err=True)
        if as_json:
            payload = {
                "path": str(created.path),
                "format": created.format,
                "file_count": created.file_count,
                "total_size_bytes": created.total_size,
                "manifest_sha256": created.manifest_sha256,
                "warnings": list(created.warnings),
            }
            typer.echo(json.dumps(payload, indent=2))
        else:
            typer.echo(
                f"{created.path}: {created.format} bundle, {plural(created.file_count, 'file')}, "
                f"{created.total_size} bytes; manifest sha256 {created.manifest_sha256}"
            )

    @bundle.command("verify")
    def verify_cmd(
        bundle_path: Path = typer.Argument(
            ..., metavar="BUNDLE", help="A bundle folder, .zip or .pyz."
        ),
        as_json: bool = JSON_OPT,
    ) -> None:
        """Check that BUNDLE holds exactly the files its manifest lists (exit 1 if not)."""
        from f0_bundle._verify import verify_bundle

        report = verify_bundle(bundle_path)
        if as_json:
            typer.echo(json.dumps(_report_json(report), indent=2))
        else:
            _print_report(report)
        if not report.ok:
            raise typer.Exit(1)

    @bundle.command("run")
    def run_cmd(
        bundle_path: Path = typer.Argument(
            ..., metavar="BUNDLE", help="A bundle folder, .zip or .pyz."
        ),
        timeout: float = typer.Option(300.0, "--timeout", help="Seconds the recipe may run."),
        wheelhouse: Path | None = typer.Option(
            None,
            "--wheelhouse",
            help="Install offline: wheels from this folder and the bundle only.",
        ),
        keep: bool = typer.Option(False, "--keep", help="Keep the unpacked bundle and virtualenv."),
    ) -> None:
        """Verify BUNDLE, then run its recipe in a fresh virtualenv (exit code: the recipe's)."""
        from f0_bundle._run import run_bundle
        from f0_bundle._verify import verify_bundle

        report = verify_bundle(bundle_path)
        if not report.ok:
            _print_report(report)
            raise typer.Exit(1)
        code = run_bundle(
            bundle_path,
            timeout=timeout,
            wheelhouse=wheelhouse,
            keep=keep,
            say=lambda line: typer.echo(line, err=True),
        )
        raise typer.Exit(code)

    app.add_typer(bundle, name="bundle")


def _print_analysis(result: Analysis) -> None:
    typer.echo(f"recipe: {result.recipe_path} ({result.recipe_name})")
    typer.echo(f"files ({len(result.files)}), relative to {result.recipe_dir}:")
    for item in result.files:
        typer.echo(f"  {item.path}  [{item.kind}]")
    for title, is_f0 in (("f0 distributions", True), ("third-party distributions", False)):
        needs = [n for n in result.needs if n.is_f0 is is_f0]
        typer.echo(f"{title} ({len(needs)}):")
        for need in needs:
            typer.echo(f"  {need.name}=={need.version}  ({'; '.join(need.why)})")
    if result.requirements:
        typer.echo(f"metadata.requirements: {', '.join(result.requirements)}")
    for warning in result.warnings:
        typer.echo(f"warning: {warning}", err=True)
    for problem in result.unresolved:
        typer.echo(f"{problem}", err=True)
    if result.unresolved:
        typer.echo(f"{len(result.unresolved)} unresolved", err=True)


def _where(report: Report, path: str) -> str:
    return f"{report.bundle}/{report.prefix}{path}"


def _print_report(report: Report) -> None:
    for finding in report.findings:
        detail = f": {finding.detail}" if finding.detail else ""
        typer.echo(f"{_where(report, finding.path)}: {finding.kind}{detail}", err=True)
    if report.ok and report.manifest is not None:
        typer.echo(
            f"ok: {report.bundle}: {plural(len(report.manifest.files), 'file')} match its manifest "
            f"(sha256 {report.manifest_sha256})"
        )
        return
    counts = {
        k: sum(f.kind == k for f in report.findings)
        for k in ("changed", "added", "removed", "unsafe")
    }
    summary = ", ".join(f"{n} {k}" for k, n in counts.items())
    if any(f.kind == "manifest" for f in report.findings):
        summary = "bad manifest; " + summary
    typer.echo(f"{report.bundle}: verification failed: {summary}", err=True)


def _report_json(report: Report) -> dict[str, Any]:
    return {
        "bundle": str(report.bundle),
        "format": report.format,
        "ok": report.ok,
        "manifest_sha256": report.manifest_sha256,
        "file_count": len(report.manifest.files) if report.manifest else None,
        "findings": [{"path": f.path, "kind": f.kind, "detail": f.detail} for f in report.findings],
    }
