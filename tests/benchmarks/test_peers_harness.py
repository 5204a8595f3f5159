"""The peer-comparison harness still runs and still writes well-formed tables.

A ``--quick`` run of f0 (CLI and in-process) and the two floors only: no peer
virtual environments are created. Nothing here asserts a timing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

HARNESS = Path(__file__).resolve().parents[2] / "benchmarks" / "peers" / "harness.py"
SYSTEMS = ["loop", "tpe", "f0-cli", "f0-api"]


def test_quick_run_writes_tables(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            str(HARNESS),
            "--quick",
            "--shape",
            "chain",
            "fan",
            "--mode",
            "noop",
            "--system",
            *SYSTEMS,
            "--no-extras",
            "--out",
            str(tmp_path),
            "--venvs",
            str(tmp_path / "venvs"),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert not (tmp_path / "venvs").exists()  # f0 and the floors need no peer venv

    data = json.loads((tmp_path / "peers.json").read_text())
    assert data["meta"]["repeats"] >= 3
    assert "load_before" in data["meta"]
    rows = {(r["system"], r["shape"]): r for r in data["results"]}
    for system in SYSTEMS:
        for shape in ("single", "chain", "fan"):
            row = rows[system, shape]
            assert row["runs"] >= 3, row
            assert row["t_s"] > 0
        assert "diff_us" in rows[system, "chain"]

    md = (tmp_path / "peers.md").read_text()
    assert md.rstrip("\n") == proc.stdout.rstrip("\n")  # print adds its own newline
    table = [line for line in md.splitlines() if line.startswith("|")]
    header = "| system | chain 50 | fan 1→50→1 | T(1) s | peak RSS MiB |"
    assert header in table
    for label in ("floor: plain loop", "floor: graphlib + TPE(2)", "**f0 CLI, --store none**"):
        line = next(line for line in table if line.startswith(f"| {label} |"))
        assert line.count("|") == header.count("|"), line
