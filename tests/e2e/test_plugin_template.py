"""The example third-party plugin's own test suite passes, run as its author would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

TEMPLATE = Path(__file__).resolve().parents[2] / "examples" / "plugin-template"


def test_template_suite_passes():
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q"],
        cwd=TEMPLATE,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert " passed" in proc.stdout
