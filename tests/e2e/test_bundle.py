"""``f0 bundle`` end to end: create, move, verify, tamper, run in a fresh virtualenv offline.

The one test that builds a virtualenv (slow: venv + pip install from a local
wheelhouse). The source folder is deleted before the run, so the bundle can
only work from what it carries.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "bundle"


def _wheelhouse(requirements: Path, vendored: set[str], dest: Path) -> Path:
    """Download the bundle's third-party pins (what a connected machine would do once)."""
    pins = [
        line
        for line in requirements.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#") and line.split("==")[0] not in vendored
    ]
    dest.parent.mkdir(parents=True, exist_ok=True)
    (dest.parent / "third-party.txt").write_text("\n".join(pins) + "\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", str(dest),
         "-r", str(dest.parent / "third-party.txt")],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        pytest.skip(
            f"no package index reachable to build the test wheelhouse: {proc.stderr[-300:]}"
        )
    return dest


def test_bundle_travels_verifies_and_runs_offline(f0, tmp_path):
    src = tmp_path / "src" / "bundle"
    shutil.copytree(EXAMPLE, src, ignore=shutil.ignore_patterns("__pycache__", "out", ".f0"))
    env = {"F0_BUNDLE_WHEEL_CACHE": str(tmp_path / "wheel-cache")}

    made = f0(
        "bundle",
        "create",
        str(src / "recipe.yaml"),
        "-o",
        str(tmp_path / "made"),
        "--minimal",
        env=env,
    )
    assert made.returncode == 0, made
    moved = tmp_path / "elsewhere" / "bundle-demo"
    moved.parent.mkdir()
    shutil.move(tmp_path / "made" / "bundle-demo", moved)

    ok = f0("bundle", "verify", str(moved))
    assert ok.returncode == 0, ok
    assert ok.stdout.startswith(f"ok: {moved}: ")

    words = moved / "data" / "words.txt"
    original = words.read_bytes()
    words.write_bytes(original[:10] + bytes([original[10] ^ 0x20]) + original[11:])
    bad = f0("bundle", "verify", str(moved))
    assert bad.returncode == 1, bad
    assert f"{moved}/data/words.txt: changed: sha256 differs from the manifest" in bad.stderr
    refused = f0("bundle", "run", str(moved))
    assert refused.returncode == 1
    assert "data/words.txt: changed" in refused.stderr
    words.write_bytes(original)

    shutil.rmtree(tmp_path / "src")  # nothing but the bundle from here on
    vendored = {p.name.split("-")[0].replace("_", "-") for p in (moved / "wheels").glob("*.whl")}
    wheelhouse = _wheelhouse(moved / "requirements.txt", vendored, tmp_path / "wheelhouse" / "wh")
    run_env = {**env, "PYTHONPATH": ""}
    ran = f0(
        "bundle", "run", str(moved), "--wheelhouse", str(wheelhouse), "--timeout", "120",
        cwd=tmp_path, env=run_env, timeout=600,
    )  # fmt: skip
    assert ran.returncode == 0, ran
    assert "bundle-demo: 31 words; top: the=7, and=3, code=2" in ran.stdout
    # --minimal left the terminal reporter out: only what the steps print shows
    assert "f0 bundle: running recipe.yaml" in ran.stderr
    assert f0("bundle", "verify", str(moved)).returncode == 0  # the run did not write into it
    venv_line = next(ln for ln in ran.stderr.splitlines() if "building a virtualenv in" in ln)
    assert not Path(venv_line.rsplit(" ", 1)[1]).parent.exists()  # the work folder is cleaned up
