"""f0-plugin-yaml: load ``.yaml``, ``.yml`` and ``.json`` recipes.

Every step and key keeps its line and column, so problems print as
``file:line:col: message``; all problems of a file are reported at once.
ruamel.yaml is imported only when a recipe is actually loaded, so
``f0 --help`` does not pay for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from f0 import hookimpl

if TYPE_CHECKING:
    from pathlib import Path

    import typer
    from f0 import Recipe

__all__ = ["SUFFIXES", "f0_load_recipe", "f0_register_commands"]

#: File suffixes this plugin loads (compared case-insensitively).
SUFFIXES = frozenset({".yaml", ".yml", ".json"})


@hookimpl
def f0_load_recipe(path: Path, text: str, positions: bool) -> Recipe | None:
    """Load *path* (content *text*) if it is YAML or JSON; None for other suffixes.

    Without *positions*, a fast compiled parser reads the file first; the
    ruamel.yaml reader (exact line:col) is used when positions are asked for,
    and whenever the file has a problem.
    """
    if path.suffix.lower() not in SUFFIXES:
        return None
    from f0_yaml._loader import load_recipe  # parsers load only here

    return load_recipe(path, text, positions=positions)


@hookimpl
def f0_register_commands(app: typer.Typer) -> None:
    """Add ``f0 schema`` (JSON Schema of the recipe format) and ``f0 init`` (a first project)."""
    from f0_yaml._cli import register

    register(app)
