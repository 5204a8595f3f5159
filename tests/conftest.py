from __future__ import annotations

from collections.abc import Iterator

import pytest
import structlog
from hypothesis import settings

# Tests never assert wall-clock times: hypothesis's per-example deadline is
# one, and it fails on a loaded machine (CI shares its cores). Off for all.
settings.register_profile("f0", deadline=None)
settings.load_profile("f0")

# Every test may use f0's fixtures (f0_pm, f0_cli, f0_project, f0_run...).
pytest_plugins = ["f0.testing"]


@pytest.fixture(autouse=True)
def _fresh_structlog() -> Iterator[None]:
    # `f0 run` configures structlog globally (as the CLI should); tests that run
    # it in-process must not leave that configuration to the tests after them.
    yield
    structlog.reset_defaults()
