"""Run the installed ``f0`` in a subprocess (the step-library plugins' end-to-end tests)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

F0 = Path(sys.executable).with_name("f0")
REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "steplib"


def run_f0(
    *args: str, cwd: Path, env: Mapping[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``f0 ARGS`` in *cwd*; never raises for a non-zero exit."""
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    full_env.pop("F0_DEBUG", None)
    return subprocess.run(
        [str(F0), *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def run_json(
    recipe: Path, *, cwd: Path, env: Mapping[str, str] | None = None, extra: tuple[str, ...] = ()
) -> tuple[int, dict[str, Any], str]:
    """``f0 run RECIPE --json --store none``: (exit code, the JSON document, stderr)."""
    proc = run_f0("run", str(recipe), "--json", "--store", "none", *extra, cwd=cwd, env=env)
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    try:
        doc = json.loads(proc.stdout)
    except ValueError:
        raise AssertionError(
            f"not JSON (rc={proc.returncode}): {proc.stdout!r} {proc.stderr!r}"
        ) from None
    return proc.returncode, doc, proc.stderr
