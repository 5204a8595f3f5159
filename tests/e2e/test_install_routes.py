"""Both install routes of the README work from a copy of the checkout: pip and uv.

The pip route is what CI itself runs; this test covers the uv workspace:
``uv sync --all-packages`` then ``uv run f0 run`` on the quickstart recipe.
Packages come from the index uv is configured for (PyPI).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
UV = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))


def copy_checkout(dst: Path) -> None:
    """The tracked and new (not ignored) files of the checkout, as a fresh clone would have."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode()  # fmt: skip
    for rel in filter(None, listed.split("\0")):
        src = ROOT / rel
        if src.is_file():
            target = dst / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)


@pytest.mark.skipif(
    not Path(UV).exists(), reason="uv is not installed (requirements-dev.txt has it)"
)
def test_uv_sync_and_uv_run(tmp_path):
    checkout = tmp_path / "f0"
    copy_checkout(checkout)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "F0_"))}
    env["F0_STORE"] = "none"
    sync = subprocess.run(
        [UV, "sync", "--all-packages", "--quiet"], cwd=checkout, env=env,
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert sync.returncode == 0, sync.stderr
    run = subprocess.run(
        [UV, "run", "f0", "run", "examples/quickstart/recipe.yaml", "--json"], cwd=checkout,
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["status"] == "COMPLETED"
    plugins = subprocess.run(
        [UV, "run", "f0", "plugins", "--json"], cwd=checkout, env=env,
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    names = {p["name"] for p in json.loads(plugins.stdout)["plugins"]}
    assert {"yaml", "python", "local", "context", "store", "terminal"} <= names
