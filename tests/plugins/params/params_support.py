"""Helpers of the f0-plugin-params tests (importable by worker processes too)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[3]
FILE_NAME = ".octo_step_engine_parameters.json"
LOCK_NAME = ".octo_step_engine_parameters.lock"


def params_path(folder: Path) -> Path:
    return folder / FILE_NAME


def load(folder_or_file: Path) -> Any:
    path = folder_or_file if folder_or_file.suffix == ".json" else params_path(folder_or_file)
    return json.loads(path.read_text(encoding="utf-8"))


def start_worker(*args: str) -> subprocess.Popen[str]:
    """``python -m tests.plugins.params.params_worker ARGS`` from the repository root."""
    return subprocess.Popen(
        [sys.executable, "-m", "tests.plugins.params.params_worker", *args],
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
