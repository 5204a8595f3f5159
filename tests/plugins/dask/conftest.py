"""Fixtures of the dask scheduler tests: a real cluster, the e2e ``f0`` runner."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# cluster.py is a plain helper module; --import-mode=importlib does not put this folder on the path.
_HERE = str(Path(__file__).parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from dask_cluster import Cluster  # noqa: E402

from tests.e2e.conftest import F0Result, run_f0  # noqa: E402


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """A dask scheduler and two dask workers, shared by one test module."""
    running = Cluster(tmp_path_factory.mktemp("dask-cluster"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def f0(tmp_path: Path) -> Callable[..., F0Result]:
    """``f0(*args, cwd=None, env=None, timeout=120)``: the installed ``f0`` in a subprocess."""
    workdir = tmp_path / "cwd"
    workdir.mkdir(exist_ok=True)

    def run(*args: str, cwd: Path | None = None, **kwargs: object) -> F0Result:
        return run_f0(*args, cwd=cwd or workdir, **kwargs)  # type: ignore[arg-type]

    return run
