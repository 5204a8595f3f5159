"""f0 bundle run: the timeout ends the recipe and what it started (no virtualenv needed here)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest
from f0_bundle._errors import BundleError
from f0_bundle._run import _run_recipe


def test_timeout_stops_the_recipe_and_its_children(tmp_path):
    pid_file = tmp_path / "child.pid"
    (tmp_path / "run_recipe.py").write_text(
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"open({str(pid_file)!r}, 'w').write(str(child.pid))\n"
        "time.sleep(60)\n",
        encoding="utf-8",
    )
    python = Path(sys.executable)
    with pytest.raises(BundleError) as info:
        _run_recipe(python, tmp_path, timeout=1.0)
    assert info.value.where == "--timeout"
    assert "did not finish within 1 s" in info.value.message
    child = int(pid_file.read_text(encoding="utf-8"))
    for _ in range(100):  # bounded: the child was killed with its process group
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail("the recipe's child process survived the timeout")


def test_exit_code_is_the_recipes(tmp_path):
    (tmp_path / "run_recipe.py").write_text("import sys\nsys.exit(3)\n", encoding="utf-8")
    assert _run_recipe(Path(sys.executable), tmp_path, timeout=60) == 3


@pytest.mark.parametrize(
    ("args", "where"),
    [(["--timeout", "0"], "--timeout"), (["--wheelhouse", "nowhere"], "--wheelhouse")],
)
def test_bad_run_options_exit_2(cli, tmp_path, args, where, example):
    out = cli("bundle", "create", str(example / "recipe.yaml"), "-o", str(tmp_path), "--minimal")
    assert out.exit_code == 0
    out = cli("bundle", "run", str(tmp_path / "bundle-demo"), *args)
    assert out.exit_code == 2
    assert where in out.stderr


@pytest.mark.parametrize("fmt", ["dir", "zip", "pyz"])
def test_unpack_copies_exactly_the_manifest_files(cli, example, tmp_path, fmt):
    from f0_bundle._run import _unpack
    from f0_bundle._verify import verify_bundle

    out = cli(
        "bundle",
        "create",
        str(example / "recipe.yaml"),
        "-o",
        str(tmp_path / "b"),
        "--minimal",
        "--format",
        fmt,
    )
    assert out.exit_code == 0, out.output
    bundle = tmp_path / "b" / ("bundle-demo" if fmt == "dir" else f"bundle-demo.{fmt}")
    report = verify_bundle(bundle)
    assert report.ok
    dest = tmp_path / "unpacked"
    _unpack(report, dest)
    assert verify_bundle(dest).ok  # an unpacked archive is a valid dir bundle
    assert (dest / "helpers" / "text.py").read_bytes() == (
        example / "helpers" / "text.py"
    ).read_bytes()
    assert (dest / "run_recipe.py").stat().st_mode & 0o100
