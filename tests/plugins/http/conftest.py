"""Fixtures of the f0-plugin-http tests: a real API server on 127.0.0.1."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from f0.manager import F0PluginManager
from f0.testing import FIRST_PARTY_PLUGINS, make_test_plugin_manager

from .http_server import ApiServer


@pytest.fixture
def api() -> Iterator[ApiServer]:
    """A running :class:`ApiServer`; stopped after the test."""
    server = ApiServer().start()
    yield server
    server.stop()


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def http_pm() -> F0PluginManager:
    """The kernel, the first-party plugins and ``http``."""
    return make_test_plugin_manager(tuple(dict.fromkeys((*FIRST_PARTY_PLUGINS, "http"))))
