"""Fixtures of the f0-plugin-resilience tests."""

from __future__ import annotations

import pytest
from f0.manager import F0PluginManager
from f0.testing import FIRST_PARTY_PLUGINS, make_test_plugin_manager


class Clock:
    """A monotonic clock tests move by hand."""

    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def res_pm() -> F0PluginManager:
    """The kernel, the first-party plugins and ``resilience``."""
    return make_test_plugin_manager(tuple(dict.fromkeys((*FIRST_PARTY_PLUGINS, "resilience"))))
