"""Running the installed ``f0`` command: the public route to f0's loader, validator and engine.

f0's Python API has no public "load and validate this file" or "run this
recipe" function (the engine is reached through the CLI), so the legacy
parser and runner call ``f0 validate --json`` and ``f0 run --json`` of the
same environment, in a subprocess.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["F0NotFoundError", "f0_command", "json_output", "run_f0"]


class F0NotFoundError(RuntimeError):
    """The ``f0`` command is not installed next to this Python nor on ``PATH``."""


def f0_command() -> list[str]:
    """The ``f0`` console script of this environment (then the one on ``PATH``)."""
    here = Path(sys.executable).parent
    for name in ("f0", "f0.exe"):
        candidate = here / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return [str(candidate)]
    found = shutil.which("f0")
    if found is None:
        msg = "the f0 command is not installed (pip install f0 f0-plugin-yaml f0-plugin-python f0-plugin-local)"
        raise F0NotFoundError(msg)
    return [found]


def run_f0(
    args: Sequence[str],
    *,
    cwd: str | Path | None = None,
    extra_path: Sequence[str | Path] = (),
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``f0 ARGS`` and capture its output.

    *extra_path* folders go in front of ``PYTHONPATH`` (where step modules
    are found besides the recipe's folder).
    """
    environ = dict(os.environ if env is None else env)
    if extra_path:
        parts = [str(p) for p in extra_path]
        if environ.get("PYTHONPATH"):
            parts.append(environ["PYTHONPATH"])
        environ["PYTHONPATH"] = os.pathsep.join(parts)
    return subprocess.run(
        [*f0_command(), *args],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def json_output(done: subprocess.CompletedProcess[str]) -> Any:
    """The JSON object ``f0 ... --json`` printed, or None if it printed none."""
    text = done.stdout.strip()
    if not text:
        return None
    try:
        return json.loads(text.splitlines()[-1])
    except json.JSONDecodeError:
        return None
