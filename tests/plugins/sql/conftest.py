"""Fixtures of the f0-plugin-sql tests: SQLite files and a real PostgreSQL server."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from f0.manager import F0PluginManager
from f0.testing import FIRST_PARTY_PLUGINS, make_test_plugin_manager

from .pg_server import PgServer, unavailable_reason


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One PostgreSQL 15 server for the session (skipped, with the reason, where impossible)."""
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    server = PgServer().start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    server: PgServer = request.getfixturevalue("pg_server")
    name = f"t_{uuid.uuid4().hex[:12]}"
    url = server.create_database(name)
    yield url
    server.drop_database(name)


@pytest.fixture
def sql_pm() -> F0PluginManager:
    """The kernel, the first-party plugins and ``sql``."""
    return make_test_plugin_manager(tuple(dict.fromkeys((*FIRST_PARTY_PLUGINS, "sql"))))
