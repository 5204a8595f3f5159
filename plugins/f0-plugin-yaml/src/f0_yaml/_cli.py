"""``f0 schema`` and ``f0 init``: the recipe format for editors, and a first recipe."""

from __future__ import annotations

import json
from pathlib import Path

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add ``schema`` and ``init`` to *app*."""

    @app.command()
    def schema(
        ctx: typer.Context,
        output: Path | None = typer.Option(
            None,
            "--output",
            "-o",
            help="Write the schema to this file instead of stdout.",
            show_default=False,
        ),
    ) -> None:
        """Print the JSON Schema of the recipe format, for editors (VS Code's yaml.schemas).

        Built from the same tables f0 validate uses, with the keys of every
        installed step type: the editor flags what f0 validate flags.
        """
        from f0 import hooks_of

        from f0_yaml._schema import recipe_schema

        hooks = hooks_of(ctx)
        types = {t: frozenset(hooks.step_runner(t).option_keys) for t in hooks.step_types()}
        text = json.dumps(recipe_schema(types), indent=2, sort_keys=True) + "\n"
        if output is None:
            typer.echo(text, nl=False)
            return
        _write(output, text)
        typer.echo(f"wrote {output}", err=True)

    @app.command()
    def init(
        folder: Path = typer.Argument(
            Path(), help="Folder to create the files in (default: here).", show_default=False
        ),
    ) -> None:
        """Start a project: recipe.yaml, steps.py and test_recipe.py that already pass.

        Refuses to overwrite any of them. Then: f0 run DIR/recipe.yaml, and
        python -m pytest DIR.
        """
        from f0_yaml._scaffold import scaffold

        written = scaffold(folder)
        for path in written:
            typer.echo(f"created {path}")
        recipe = folder / "recipe.yaml"
        typer.echo(f"next: f0 run {recipe}   (and: python -m pytest {folder})")


def _write(path: Path, text: str) -> None:
    """Atomic write: a temporary file, fsync, then rename over *path*."""
    from f0 import write_atomic

    write_atomic(path, text)
