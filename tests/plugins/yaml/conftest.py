"""Fixtures of the f0-plugin-yaml tests.

Helpers are fixtures (not an importable module): the suite runs with
``--import-mode=importlib``, where test folders are not on ``sys.path``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import attrs
import pytest
from f0 import Problem, Recipe, hookimpl
from f0.manager import F0PluginManager, PluginSelection, make_plugin_manager
from f0_yaml import f0_load_recipe

LoadText = Callable[..., Recipe]


def dedent(text: str) -> str:
    """Recipe text as written in a test, without the common indentation."""
    return textwrap.dedent(text).lstrip("\n")


def _without_positions(recipe: Recipe) -> list[str]:
    return [repr(attrs.evolve(s, pos=None, key_pos={})) for s in recipe.steps]


def _load_text(text: str, path: Path | str = "recipe.yaml") -> Recipe:
    """The recipe with positions; the fast reader must agree with it on everything else."""
    recipe = f0_load_recipe(path=Path(path), text=text, positions=True)
    assert recipe is not None
    fast = f0_load_recipe(path=Path(path), text=text, positions=False)
    assert fast is not None
    assert fast.file_hash == recipe.file_hash
    assert (fast.name, fast.retry, fast.problems) == (recipe.name, recipe.retry, recipe.problems)
    assert _without_positions(fast) == _without_positions(recipe)
    return recipe


def _only(recipe: Recipe) -> Problem:
    assert len(recipe.problems) == 1, [str(p) for p in recipe.problems]
    return recipe.problems[0]


def _at(problem: Problem) -> tuple[int, int]:
    assert problem.pos is not None, str(problem)
    return (problem.pos.line, problem.pos.col)


@pytest.fixture(scope="session")
def load_text() -> LoadText:
    """``load_text(text, path="recipe.yaml")``: load *text* as the content of *path* (not read)."""
    return _load_text


@pytest.fixture(scope="session")
def only() -> Callable[[Recipe], Problem]:
    """``only(recipe)``: its one problem (fails unless there is exactly one)."""
    return _only


@pytest.fixture(scope="session")
def at() -> Callable[[Problem], tuple[int, int]]:
    """``at(problem)``: its ``(line, col)``."""
    return _at


@pytest.fixture
def load(tmp_path: Path) -> LoadText:
    """``load(text, name="recipe.yaml")``: write the dedented *text* to a file and load it."""

    def load(text: str, name: str = "recipe.yaml") -> Recipe:
        path = tmp_path / name
        text = dedent(text)
        path.write_text(text, encoding="utf-8")
        return _load_text(text, path)

    return load


class _StubRunner:
    """A step runner that accepts every step and imports nothing."""

    option_keys = frozenset({"command"})

    def prepare(self, step: object, recipe: object) -> list[Problem]:
        return []

    def run(self, step: object, context: object, env: object) -> object:
        raise AssertionError("validation never runs a step")


class StubSteps:
    """Provides ``python`` and ``shell`` steps without importing step code.

    Validating a mutated recipe with the real python plugin would import
    whatever module the mutant names.
    """

    @hookimpl
    def f0_step_runner(self, step_type: str) -> _StubRunner | None:
        return _StubRunner() if step_type in {"python", "shell"} else None

    @hookimpl
    def f0_step_types(self) -> list[str]:
        return ["python", "shell"]


@pytest.fixture(scope="session")
def cli_pm() -> F0PluginManager:
    """Kernel built-ins, entry point ``yaml`` and :class:`StubSteps`; for ``invoke_cli``."""
    pm = make_plugin_manager(PluginSelection(autoload=False, load=("yaml",), strict=True))
    pm.register(StubSteps(), name="stub-steps")
    return pm
