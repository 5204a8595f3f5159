"""End-to-end helpers: run the installed ``f0`` console script in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

F0 = Path(sys.executable).with_name("f0")


class F0Result:
    """A finished ``f0`` process."""

    def __init__(self, proc: subprocess.CompletedProcess[str]) -> None:
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr

    def json(self) -> Any:
        return json.loads(self.stdout)

    def __repr__(self) -> str:
        return f"F0Result(rc={self.returncode}, stdout={self.stdout[-2000:]!r}, stderr={self.stderr[-2000:]!r})"


def run_f0(
    *args: str,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 120,
) -> F0Result:
    """Run ``f0 ARGS``; never raises for a non-zero exit."""
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    full_env.pop("F0_DEBUG", None)
    proc = subprocess.run(
        [str(F0), *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    return F0Result(proc)


@pytest.fixture
def f0(tmp_path: Path) -> Callable[..., F0Result]:
    """``f0(*args, cwd=None, env=None)``; runs in a fresh folder so ``.f0/`` stores stay per test."""
    assert F0.exists(), f"the f0 console script is not installed next to {sys.executable}"
    workdir = tmp_path / "cwd"
    workdir.mkdir(exist_ok=True)

    def run(*args: str, cwd: Path | None = None, **kwargs: Any) -> F0Result:
        return run_f0(*args, cwd=cwd or workdir, **kwargs)

    return run


@pytest.fixture
def project(tmp_path: Path) -> Callable[[Mapping[str, str]], Path]:
    """Write ``{relative path: text}`` (dedented) under tmp_path and return it."""

    def write(files: Mapping[str, str]) -> Path:
        for rel, text in files.items():
            target = tmp_path / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return tmp_path

    return write
