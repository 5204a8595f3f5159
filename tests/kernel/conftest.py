"""Fixtures of the kernel tests: a plugin manager with the kernel built-ins only."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import structlog
from f0.hooks import Hooks
from f0.manager import F0PluginManager, PluginSelection, make_plugin_manager

from .support import Recorder, TinyPlugin

if TYPE_CHECKING:
    from collections.abc import Iterator

#: No entry points at all: kernel tests never depend on an installed plugin.
BUILTINS_ONLY = PluginSelection(autoload=False, load=())


@pytest.fixture
def pm() -> F0PluginManager:
    """A fresh manager holding only the kernel's DEFAULT_PLUGINS."""
    return make_plugin_manager(BUILTINS_ONLY)


@pytest.fixture
def hooks(pm: F0PluginManager) -> Hooks:
    return Hooks(pm)


@pytest.fixture
def tiny(pm: F0PluginManager) -> Iterator[TinyPlugin]:
    """A registered TinyPlugin (loader, runner, scheduler, store)."""
    plugin = TinyPlugin()
    pm.register(plugin, name="tiny")
    yield plugin
    pm.unregister(plugin)


@pytest.fixture
def recorder(pm: F0PluginManager) -> Iterator[Recorder]:
    plugin = Recorder()
    pm.register(plugin, name="recorder")
    yield plugin
    pm.unregister(plugin)


@pytest.fixture
def reset_logging() -> Iterator[None]:
    """For tests whose command calls ``configure_logging`` (global structlog state)."""
    yield
    structlog.reset_defaults()
