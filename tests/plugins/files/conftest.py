"""Fixtures of the f0-plugin-files tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from f0.hooks import Hooks
from f0.testing import FIRST_PARTY_PLUGINS, make_test_plugin_manager, run_recipe_file, write_project


@pytest.fixture
def files_hooks() -> Hooks:
    """The kernel, the first-party plugins and ``files``."""
    return Hooks(make_test_plugin_manager(tuple(dict.fromkeys((*FIRST_PARTY_PLUGINS, "files")))))


@pytest.fixture
def run(files_hooks: Hooks, tmp_path: Path) -> Callable[..., Any]:
    """``run(recipe_text, **files)``: write the recipe (and files) under tmp_path, run it."""

    def go(recipe: str, files: dict[str, str] | None = None, **options: Any) -> Any:
        write_project(tmp_path, {"recipe.yaml": recipe, **(files or {})})
        return run_recipe_file(
            files_hooks, tmp_path / "recipe.yaml", continue_on_error=True, **options
        )

    return go
