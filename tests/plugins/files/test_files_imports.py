"""Importing the plugin (as `f0 --help` does) loads nothing heavy; other step types get None fast."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ["ruamel", "f0_files._ops", "f0_files._formats"]


def test_importing_the_plugin_loads_nothing_heavy():
    code = (
        "import sys, f0_files\n"
        "assert f0_files.f0_step_runner(step_type='python') is None\n"
        "print(f0_files.f0_step_types())\n"
        f"print([m for m in sys.modules if any(m == h or m.startswith(h + '.') for h in {HEAVY!r})])\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    types, loaded = proc.stdout.splitlines()
    assert types == repr(list(__import__("f0_files").STEP_TYPES))
    assert loaded == "[]"
