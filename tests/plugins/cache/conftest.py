"""Fixtures of the cache plugin's tests: the kernel built-ins, the tiny test plugin and f0_cache."""

from __future__ import annotations

from typing import TYPE_CHECKING

import f0_cache
import pytest
from f0.hooks import Hooks
from f0.manager import F0PluginManager, PluginSelection, make_plugin_manager

from tests.kernel.support import TinyPlugin

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def pm() -> F0PluginManager:
    """The kernel's DEFAULT_PLUGINS plus f0_cache (no entry points)."""
    manager = make_plugin_manager(PluginSelection(autoload=False, load=()))
    manager.register(f0_cache, name="cache")
    return manager


@pytest.fixture
def hooks(pm: F0PluginManager) -> Hooks:
    return Hooks(pm)


@pytest.fixture
def tiny(pm: F0PluginManager) -> Iterator[TinyPlugin]:
    plugin = TinyPlugin()
    pm.register(plugin, name="tiny")
    yield plugin
    pm.unregister(plugin)
