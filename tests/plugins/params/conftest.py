"""Fixtures of the f0-plugin-params tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from f0.manager import F0PluginManager
from f0.testing import FIRST_PARTY_PLUGINS, CliOutcome, invoke_cli, make_test_plugin_manager

from .params_support import params_path


@pytest.fixture
def params_pm() -> F0PluginManager:
    """The kernel, the first-party plugins and ``params``."""
    return make_test_plugin_manager(tuple(dict.fromkeys((*FIRST_PARTY_PLUGINS, "params"))))


@pytest.fixture
def cli(params_pm: F0PluginManager) -> Callable[..., CliOutcome]:
    """``cli(*args)``: ``f0 ARGS`` in-process."""

    def run(*args: str) -> CliOutcome:
        return invoke_cli(params_pm, *args)

    return run


@pytest.fixture
def pfile(tmp_path: Path) -> Path:
    """The default parameter file of ``tmp_path`` (not created)."""
    return params_path(tmp_path)
