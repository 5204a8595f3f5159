"""f0 bundle verify (and run's refusal): added, removed, changed, bad manifests, escapes."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from .bundle_support import flip_byte, manifest_for, write_zip


@pytest.fixture
def made(cli, example, tmp_path) -> Path:
    """A fresh --minimal dir bundle of the example, moved away from where it was made."""
    out = cli(
        "bundle", "create", str(example / "recipe.yaml"), "-o", str(tmp_path / "made"), "--minimal"
    )
    assert out.exit_code == 0, out.output
    moved = tmp_path / "elsewhere" / "bundle-demo"
    moved.parent.mkdir()
    shutil.move(tmp_path / "made" / "bundle-demo", moved)
    return moved


def verify(cli, bundle, *extra):
    return cli("bundle", "verify", str(bundle), *extra)


def test_a_moved_bundle_verifies(cli, made):
    out = verify(cli, made)
    assert out.exit_code == 0, out.output
    assert out.stdout.startswith(f"ok: {made}: ")
    data = json.loads(verify(cli, made, "--json").stdout)
    assert data["ok"] is True
    assert data["findings"] == []


def test_one_flipped_byte_is_named(cli, made):
    flip_byte(made / "data" / "words.txt", 5)
    out = verify(cli, made)
    assert out.exit_code == 1
    assert f"{made}/data/words.txt: changed: sha256 differs from the manifest" in out.stderr
    assert "verification failed: 1 changed, 0 added, 0 removed, 0 unsafe" in out.stderr


def test_added_removed_and_resized_files(cli, made):
    (made / "extra.txt").write_text("new\n", encoding="utf-8")
    (made / "helpers" / "text.py").unlink()
    with (made / "pipeline.py").open("a", encoding="utf-8") as handle:
        handle.write("# more\n")
    findings = {
        (f["path"], f["kind"]) for f in json.loads(verify(cli, made, "--json").stdout)["findings"]
    }
    assert findings == {
        ("extra.txt", "added"),
        ("helpers/text.py", "removed"),
        ("pipeline.py", "changed"),
    }


def test_manifest_that_does_not_parse_reports_line_and_column(cli, made):
    manifest = made / "package_manifest.json"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace('"files": [', '"files": [,', 1), encoding="utf-8")
    out = verify(cli, made)
    assert out.exit_code == 1
    line = next(n for n, ln in enumerate(text.splitlines(), 1) if '"files": [' in ln)
    assert f"{made}/package_manifest.json:{line}:" in out.stderr
    assert "manifest: not valid JSON" in out.stderr


def test_missing_manifest(cli, made):
    (made / "package_manifest.json").unlink()
    out = verify(cli, made)
    assert out.exit_code == 1
    assert f"{made}/package_manifest.json: manifest: missing" in out.stderr


def test_manifest_paths_that_escape_are_never_opened(cli, tmp_path):
    bundle = tmp_path / "b"
    bundle.mkdir()
    (tmp_path / "outside.txt").write_text("secret\n", encoding="utf-8")
    files = {"recipe.yaml": b"x\n"}
    (bundle / "recipe.yaml").write_bytes(files["recipe.yaml"])
    data = json.loads(manifest_for(files))
    data["files"] += [
        {"path": "../outside.txt", "sha256": "0" * 64, "size": 7},
        {"path": str(tmp_path / "outside.txt"), "sha256": "0" * 64, "size": 7},
    ]
    (bundle / "package_manifest.json").write_text(json.dumps(data), encoding="utf-8")
    findings = json.loads(verify(cli, bundle, "--json").stdout)["findings"]
    kinds = {f["path"]: (f["kind"], f["detail"]) for f in findings}
    assert kinds["../outside.txt"] == ("unsafe", "manifest path escapes the bundle ('..' in path)")
    assert kinds[str(tmp_path / "outside.txt")][0] == "unsafe"
    assert "absolute path" in kinds[str(tmp_path / "outside.txt")][1]
    assert len(findings) == 2  # not also "changed" or "removed": never looked at


def test_symlinks_are_reported_and_not_followed(cli, made, tmp_path):
    # data/ becomes a link to a folder outside holding an identical words.txt:
    # following it would make the bundle look intact.
    outside = tmp_path / "outside-data"
    shutil.copytree(made / "data", outside)
    shutil.rmtree(made / "data")
    (made / "data").symlink_to(outside)
    (made / "inner-link").symlink_to("pipeline.py")
    out = verify(cli, made)
    assert out.exit_code == 1
    assert f"{made}/data: unsafe: symbolic link escapes the bundle (-> {outside})" in out.stderr
    assert f"{made}/data/words.txt: removed" in out.stderr
    assert f"{made}/inner-link: unsafe: symbolic link (-> pipeline.py)" in out.stderr


def test_relative_symlink_out_of_the_bundle(cli, made):
    (made / "up").symlink_to("../../../../etc/passwd")
    out = verify(cli, made)
    assert "up: unsafe: symbolic link escapes the bundle (-> ../../../../etc/passwd)" in out.stderr


def _entry_data_offset(path: Path, name: str) -> int:
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(name)
    raw = path.read_bytes()
    name_len, extra_len = struct.unpack(
        "<HH", raw[info.header_offset + 26 : info.header_offset + 30]
    )
    return info.header_offset + 30 + name_len + extra_len


def test_zip_with_a_changed_entry_names_the_file(cli, example, tmp_path):
    out = cli(
        "bundle",
        "create",
        str(example / "recipe.yaml"),
        "-o",
        str(tmp_path),
        "--format",
        "zip",
        "--minimal",
    )
    assert out.exit_code == 0, out.output
    archive = tmp_path / "bundle-demo.zip"
    assert verify(cli, archive).exit_code == 0
    flip_byte(archive, _entry_data_offset(archive, "bundle-demo/helpers/text.py") + 3)
    out = verify(cli, archive)
    assert out.exit_code == 1
    assert f"{archive}/bundle-demo/helpers/text.py: changed" in out.stderr


def test_zip_slip_and_symlink_entries_are_rejected(cli, tmp_path):
    files = {"recipe.yaml": b"x\n"}
    archive = write_zip(
        tmp_path / "evil.zip",
        {
            "package_manifest.json": manifest_for(files),
            "recipe.yaml": files["recipe.yaml"],
            "../evil.txt": b"pwned\n",
            "/abs.txt": b"pwned\n",
            "sub\\..\\..\\win.txt": b"pwned\n",
        },
        links={"link": "/etc/passwd"},
    )
    findings = json.loads(verify(cli, archive, "--json").stdout)["findings"]
    by_path = {f["path"]: f["detail"] for f in findings}
    assert by_path["../evil.txt"] == "escapes the bundle ('..' in path)"
    assert by_path["/abs.txt"] == "escapes the bundle (absolute path)"
    assert by_path["sub\\..\\..\\win.txt"] == "escapes the bundle (backslash in path)"
    assert by_path["link"] == "symbolic link; bundles hold no links"
    # run refuses before extracting anything
    out = cli("bundle", "run", str(archive))
    assert out.exit_code == 1
    assert "../evil.txt: unsafe" in out.stderr
    assert not (tmp_path.parent / "evil.txt").exists()
    assert not Path("/abs.txt").exists()


def test_zip_manifest_paths_that_escape(cli, tmp_path):
    data = json.loads(manifest_for({"recipe.yaml": b"x"}))
    data["files"].append({"path": "../../x", "sha256": "0" * 64, "size": 1})
    archive = write_zip(
        tmp_path / "b.zip",
        {"package_manifest.json": json.dumps(data).encode(), "recipe.yaml": b"x"},
    )
    out = verify(cli, archive)
    assert out.exit_code == 1
    assert "../../x: unsafe: manifest path escapes the bundle" in out.stderr


def test_pyz_verifies_and_runs_with_this_python(cli, example, tmp_path):
    out = cli(
        "bundle",
        "create",
        str(example / "recipe.yaml"),
        "-o",
        str(tmp_path),
        "--format",
        "pyz",
        "--minimal",
    )
    assert out.exit_code == 0, out.output
    pyz = tmp_path / "bundle-demo.pyz"
    data = json.loads(verify(cli, pyz, "--json").stdout)
    assert (data["ok"], data["format"]) == (True, "pyz")
    unpack = tmp_path / "unpacked"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [sys.executable, str(pyz)],
        cwd=tmp_path,
        env={**env, "F0_BUNDLE_DIR": str(unpack), "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "bundle-demo: 31 words; top: the=7, and=3, code=2" in proc.stdout
    assert (unpack / "helpers" / "text.py").is_file()


@pytest.mark.parametrize("kind", ["missing", "not-a-zip"])
def test_bad_bundle_argument_exits_2(cli, tmp_path, kind):
    path = tmp_path / "thing.zip"
    if kind == "not-a-zip":
        path.write_text("hello\n", encoding="utf-8")
    out = verify(cli, path)
    assert out.exit_code == 2
    assert str(path) in out.stderr
    assert "Traceback" not in out.output


def test_run_refuses_a_tampered_bundle_without_building_anything(cli, made):
    flip_byte(made / "recipe.yaml", 0)
    out = cli("bundle", "run", str(made))
    assert out.exit_code == 1
    assert f"{made}/recipe.yaml: changed" in out.stderr
    assert "building a virtualenv" not in out.output


_NAMES = st.text(alphabet="ab./\\:", min_size=1, max_size=10)


@settings(max_examples=60, deadline=None)
@given(names=st.lists(_NAMES, max_size=5, unique=True))
def test_any_entry_names_are_judged_without_crashing(tmp_path_factory, names):
    from f0_bundle._manifest import unsafe_reason
    from f0_bundle._verify import verify_bundle

    files = {"recipe.yaml": b"x\n"}
    entries = {"package_manifest.json": manifest_for(files), **files}
    entries.update({n: b"?" for n in names if n not in entries})
    archive = write_zip(tmp_path_factory.mktemp("z") / "b.zip", entries)
    report = verify_bundle(archive)
    flagged = {f.path for f in report.findings}
    for name in names:
        if name in entries and not name.endswith("/") and unsafe_reason(name) is not None:
            assert name in flagged
    assert report.ok == (not report.findings)


def test_a_tampered_pyz_refuses_to_run(cli, example, tmp_path):
    out = cli(
        "bundle",
        "create",
        str(example / "recipe.yaml"),
        "-o",
        str(tmp_path),
        "--format",
        "pyz",
        "--minimal",
    )
    assert out.exit_code == 0, out.output
    pyz = tmp_path / "bundle-demo.pyz"
    flip_byte(pyz, _entry_data_offset(pyz, "helpers/text.py") + 3)
    proc = subprocess.run(
        [sys.executable, str(pyz)],
        cwd=tmp_path,
        env={**os.environ, "F0_BUNDLE_DIR": str(tmp_path / "unpacked")},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 1
    assert f"{pyz}: helpers/text.py: changed" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "unpacked" / "run_recipe.py").exists()
