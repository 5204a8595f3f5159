"""Fixtures of the f0-plugin-health tests."""

from __future__ import annotations

import pytest
from f0.manager import F0PluginManager
from f0.testing import FIRST_PARTY_PLUGINS, make_test_plugin_manager


@pytest.fixture
def health_pm() -> F0PluginManager:
    """The kernel, the first-party plugins and ``health``."""
    return make_test_plugin_manager(tuple(dict.fromkeys((*FIRST_PARTY_PLUGINS, "health"))))
