"""Fixtures of the f0-plugin-python tests."""

from __future__ import annotations

from typing import TYPE_CHECKING

import f0_python
import pytest
from f0.hooks import Hooks
from f0.manager import PluginSelection, make_plugin_manager

from .python_plugin_support import Files, recipe_in, write_files

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    import f0


@pytest.fixture
def python_runner() -> f0.StepRunner:
    runner = f0_python.f0_step_runner("python")
    assert runner is not None
    return runner


@pytest.fixture
def shell_runner() -> f0.StepRunner:
    runner = f0_python.f0_step_runner("shell")
    assert runner is not None
    return runner


@pytest.fixture
def python_hooks() -> Hooks:
    """Hooks over a manager with only this plugin loaded (and the kernel built-ins)."""
    return Hooks(make_plugin_manager(PluginSelection(autoload=False, load=("python",))))


@pytest.fixture
def make_recipe(tmp_path: Path) -> Callable[..., f0.Recipe]:
    """``make_recipe(files, *steps, folder="")``: write step code, build a Recipe there."""

    def make(files: Files, *steps: f0.Step, folder: str = "") -> f0.Recipe:
        return recipe_in(write_files(tmp_path / folder, files), *steps)

    return make
