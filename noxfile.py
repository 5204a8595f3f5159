"""Developer sessions: ``nox -s tests lint types`` (``bench`` and ``startup`` on demand).

Sessions install the workspace from requirements*.txt, so nox runs what CI
and a newcomer run.
"""

from __future__ import annotations

from pathlib import Path

import nox

nox.options.sessions = ["tests", "lint", "types"]
nox.options.reuse_existing_virtualenvs = True

PYTHON = "3.11"


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The whole test suite (slow end-to-end tests included)."""
    session.install("-r", "requirements-dev.txt")
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff lint and format check."""
    session.install("ruff>=0.6")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON)
def types(session: nox.Session) -> None:
    """mypy --strict on the kernel and every plugin."""
    session.install("-r", "requirements-dev.txt")
    # Every distribution's sources: a new plugin is checked without editing this file.
    sources = [*sorted(str(p) for p in Path().glob("*/f0-*/src")), "examples/plugin-template/src"]
    session.run("mypy", "kernel/f0", *sources)


@nox.session(python=PYTHON, default=False)
def bench(session: nox.Session) -> None:
    """Side-by-side benchmarks (never part of the tests)."""
    session.install("-r", "requirements-dev.txt")
    session.run("python", "benchmarks/overhead.py", *session.posargs)
    session.run("python", "benchmarks/store_bench.py")
    session.run("python", "benchmarks/params_bench.py")
    session.run("python", "benchmarks/server_bench.py")
    session.run("python", "benchmarks/otel_bench.py")


@nox.session(python=PYTHON, default=False)
def startup(session: nox.Session) -> None:
    """Time `f0 --help` with every first-party plugin installed (budget: 200 ms)."""
    session.install("-r", "requirements.txt")
    session.run("python", "benchmarks/startup.py", *session.posargs)


@nox.session(python=PYTHON, default=False)
def peers(session: nox.Session) -> None:
    """f0 beside Dask, Prefect, Dagster, Luigi, doit (~30 min; peers get venvs in .bench-venvs/)."""
    session.install("-r", "requirements-dev.txt")
    args = session.posargs or ["--readme", "--plot"]
    session.run("python", "benchmarks/peers/harness.py", *args)
