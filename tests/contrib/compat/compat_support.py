"""Helpers of the f0-compat tests: real subprocesses of this environment's Python and f0."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
EXAMPLE = REPO / "examples" / "framework0"


def python(
    code: str, cwd: Path, env: Mapping[str, str] | None = None, *args: str
) -> subprocess.CompletedProcess[str]:
    """Run *code* with this environment's Python in *cwd* (a fresh interpreter, .pth files on)."""
    environ = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "F0_COMPAT_DISABLE"}}
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def module(
    args: list[str], cwd: Path, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m ARGS`` in *cwd*."""
    environ = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "F0_COMPAT_DISABLE"}}
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def f0(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """The installed ``f0`` command."""
    exe = Path(sys.executable).parent / "f0"
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [str(exe), *args],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
