"""Fixtures of the f0-plugin-bundle tests."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from f0.manager import F0PluginManager
from f0.testing import FIRST_PARTY_PLUGINS, CliOutcome, invoke_cli, make_test_plugin_manager

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "bundle"


@pytest.fixture(scope="session")
def wheel_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One wheel cache for the whole session: the first create builds, the rest reuse."""
    return tmp_path_factory.mktemp("wheel-cache")


@pytest.fixture(autouse=True)
def _private_wheel_cache(wheel_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Never the user's ~/.cache; shared across tests so pip wheel runs once per source state.
    monkeypatch.setenv("F0_BUNDLE_WHEEL_CACHE", str(wheel_cache))
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


@pytest.fixture
def bundle_pm() -> F0PluginManager:
    """The kernel, the first-party plugins and ``bundle``."""
    return make_test_plugin_manager(tuple(dict.fromkeys((*FIRST_PARTY_PLUGINS, "bundle"))))


@pytest.fixture
def cli(bundle_pm: F0PluginManager) -> Callable[..., CliOutcome]:
    """``cli(*args, env=None)``: ``f0 ARGS`` in-process."""

    def run(*args: str, env: dict[str, str] | None = None) -> CliOutcome:
        return invoke_cli(bundle_pm, *args, env=env)

    return run


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A private copy of ``examples/bundle`` (recipe, pipeline.py, helpers/, data/)."""
    dest = tmp_path / "src" / "bundle"
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns("__pycache__", "out", ".f0"))
    return dest
