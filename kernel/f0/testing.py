"""Test helpers and pytest fixtures for f0 and for plugin authors.

Opt in from a ``conftest.py``::

    pytest_plugins = ["f0.testing"]

Fixtures (none is autouse):

``f0_pm``
    A fresh plugin manager: kernel built-ins plus the entry-point plugins
    named by ``F0_TEST_PLUGINS`` (default: the first-party ones). Never shared.
``f0_register``
    ``f0_register(plugin, name=None)`` registers a plugin object in ``f0_pm``
    and unregisters it at teardown.
``f0_hooks``
    :class:`~f0.hooks.Hooks` over ``f0_pm``.
``f0_cli``
    ``f0_cli(*args)`` runs the ``f0`` CLI in-process on ``f0_pm`` and
    returns a :class:`CliOutcome` (exit code, stdout, stderr).
``f0_project``
    ``f0_project(files)`` writes ``{relative path: text}`` into ``tmp_path``
    (recipes, step modules) and returns the folder.
``f0_run``
    ``f0_run(recipe_path, **options)`` loads, validates and runs a recipe
    in-process and returns the :class:`~f0.model.RunResult`.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs
import pytest

from f0.hooks import Hooks
from f0.manager import F0PluginManager, PluginSelection, make_plugin_manager

__all__ = [
    "FIRST_PARTY_PLUGINS",
    "CliOutcome",
    "ContextStoreContract",
    "invoke_cli",
    "make_test_plugin_manager",
    "run_recipe_file",
    "write_project",
]

#: Entry-point names of the plugins a default test manager loads.
FIRST_PARTY_PLUGINS: tuple[str, ...] = ("yaml", "python", "local", "context")


@attrs.frozen(kw_only=True)
class CliOutcome:
    """What an in-process ``f0`` invocation produced."""

    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        """stdout followed by stderr."""
        return self.stdout + self.stderr


def make_test_plugin_manager(plugins: tuple[str, ...] | None = None) -> F0PluginManager:
    """Built-ins plus exactly the entry-point plugins *plugins* (no autoload of others)."""
    if plugins is None:
        env = os.environ.get("F0_TEST_PLUGINS")
        plugins = tuple(p for p in env.split(",") if p) if env is not None else FIRST_PARTY_PLUGINS
    return make_plugin_manager(PluginSelection(autoload=False, load=plugins, strict=True))


def invoke_cli(pm: F0PluginManager, *args: str, env: Mapping[str, str] | None = None) -> CliOutcome:
    """Run ``f0 ARGS`` in-process against *pm*; never raises for a failing command."""
    from typer.testing import CliRunner

    from f0.cli import make_app

    runner = CliRunner()
    result = runner.invoke(make_app(pm), list(args), env=dict(env or {}), catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        # A traceback escaping the CLI is always a bug: make the test fail loudly.
        raise result.exception
    return CliOutcome(exit_code=result.exit_code, stdout=result.stdout, stderr=result.stderr)


def write_project(root: Path, files: Mapping[str, str]) -> Path:
    """Write ``{relative path: text}`` under *root* (text is dedented); return *root*."""
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def run_recipe_file(
    hooks: Hooks, path: Path | str, *, sets: list[str] | None = None, **options: Any
) -> Any:
    """Load, validate and run the recipe at *path* in-process; return the RunResult.

    *options* are :class:`~f0.model.SchedulerOptions` fields plus ``scheduler``
    and ``context_url``.
    """
    from f0.builtin.commands import load_valid_recipe
    from f0.engine import run_recipe
    from f0.model import SchedulerOptions

    recipe, seed, _ = load_valid_recipe(hooks, Path(path), sets=sets)
    scheduler = options.pop("scheduler", "local")
    context_url = options.pop("context_url", "memory://")
    return run_recipe(
        hooks,
        recipe,
        scheduler=scheduler,
        context_url=context_url,
        options=SchedulerOptions(**options),
        seed=seed,
    )


@pytest.fixture
def f0_pm() -> F0PluginManager:
    """A fresh plugin manager for one test (see the module docstring)."""
    return make_test_plugin_manager()


@pytest.fixture
def f0_register(f0_pm: F0PluginManager) -> Iterator[Callable[..., Any]]:
    """Register plugin objects in ``f0_pm`` for one test."""
    registered: list[Any] = []

    def register(plugin: Any, name: str | None = None) -> Any:
        f0_pm.register(plugin, name=name)
        registered.append(plugin)
        return plugin

    yield register
    for plugin in registered:
        if f0_pm.is_registered(plugin):
            f0_pm.unregister(plugin)


@pytest.fixture
def f0_hooks(f0_pm: F0PluginManager) -> Hooks:
    """The typed hook facade over ``f0_pm``."""
    return Hooks(f0_pm)


@pytest.fixture
def f0_cli(f0_pm: F0PluginManager) -> Callable[..., CliOutcome]:
    """``f0_cli(*args)``: run the CLI in-process on ``f0_pm``."""

    def cli(*args: str, env: Mapping[str, str] | None = None) -> CliOutcome:
        return invoke_cli(f0_pm, *args, env=env)

    return cli


@pytest.fixture
def f0_project(tmp_path: Path) -> Callable[[Mapping[str, str]], Path]:
    """``f0_project(files)``: write files into ``tmp_path`` and return it."""

    def project(files: Mapping[str, str]) -> Path:
        return write_project(tmp_path, files)

    return project


@pytest.fixture
def f0_run(f0_hooks: Hooks) -> Callable[..., Any]:
    """``f0_run(recipe_path, **options)``: run a recipe in-process."""

    def run(path: Path | str, **options: Any) -> Any:
        return run_recipe_file(f0_hooks, path, **options)

    return run


class ContextStoreContract:
    """Tests every :class:`~f0.protocols.ContextStore` provider must pass.

    Subclass it and supply a ``store`` fixture returning a fresh, empty store::

        class TestMyStore(ContextStoreContract):
            @pytest.fixture
            def store(self, tmp_path):
                return MyStore(tmp_path / "ctx.db")
    """

    def test_starts_empty(self, store: Any) -> None:
        assert dict(store.load()) == {}

    def test_write_then_load(self, store: Any) -> None:
        store.write({"a": 1, "b.c": {"d": [1, 2]}}, ())
        assert dict(store.load()) == {"a": 1, "b.c": {"d": [1, 2]}}

    def test_remove(self, store: Any) -> None:
        store.write({"a": 1, "b": 2}, ())
        store.write({}, ["a"])
        assert dict(store.load()) == {"b": 2}

    def test_removing_a_missing_key_is_fine(self, store: Any) -> None:
        store.write({}, ["ghost"])
        assert dict(store.load()) == {}

    def test_overwrite(self, store: Any) -> None:
        store.write({"a": 1}, ())
        store.write({"a": "two"}, ())
        assert dict(store.load()) == {"a": "two"}

    def test_load_is_a_copy(self, store: Any) -> None:
        store.write({"a": 1}, ())
        loaded = dict(store.load())
        loaded["a"] = 99
        assert dict(store.load()) == {"a": 1}

    def test_url_and_close(self, store: Any) -> None:
        assert isinstance(store.url, str)
        assert "://" in store.url
        store.close()
        store.close()  # idempotent

    def test_backs_a_context(self, store: Any) -> None:
        from f0.context import Context

        ctx = Context(store=store)
        ctx.set("k", [1, 2])
        ctx.delete("k")
        ctx.set("j", {"x": 1})
        assert dict(store.load()) == {"j": {"x": 1}}
