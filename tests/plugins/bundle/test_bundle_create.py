"""f0 bundle create: layout, manifest, requirements, reproducibility, the hook's targets."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from f0 import BundleTarget
from f0.hooks import Hooks
from f0.testing import write_project


def create(cli, recipe, out, *extra, env=None):
    result = cli("bundle", "create", str(recipe), "-o", str(out), *extra, env=env)
    assert result.exit_code == 0, result.output
    return result


def test_dir_bundle_layout_and_manifest(cli, example, tmp_path):
    out = create(cli, example / "recipe.yaml", tmp_path / "out", "--minimal", "--json")
    info = json.loads(out.stdout)
    root = tmp_path / "out" / "bundle-demo"
    assert info["path"] == str(root)
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    wheels = [f for f in files if f.startswith("wheels/")]
    assert sorted(set(files) - set(wheels)) == [
        "data/words.txt",
        "helpers/__init__.py",
        "helpers/text.py",
        "package_manifest.json",
        "pipeline.py",
        "recipe.yaml",
        "requirements.txt",
        "run_recipe.py",
    ]
    assert {w.split("-")[0] for w in wheels} == {
        "wheels/f0",
        "wheels/f0_plugin_yaml",
        "wheels/f0_plugin_python",
        "wheels/f0_plugin_local",
        "wheels/f0_plugin_context",
    }
    manifest = json.loads((root / "package_manifest.json").read_text(encoding="utf-8"))
    for key in (
        "package_name",
        "recipe_name",
        "recipe_file",
        "created_at",
        "framework_version",
        "source_workspace",
        "dependencies",
        "framework_dirs",
        "files",
        "file_count",
        "total_size_bytes",
        "python_requires",
        "startup_script",
        "python_version",
    ):
        assert key in manifest, key
    assert manifest["startup_script"] == "run_recipe.py"
    assert manifest["recipe_file"] == "recipe.yaml"
    assert manifest["file_count"] == len(files) - 1 == info["file_count"]
    by_path = {f["path"]: f for f in manifest["files"]}
    assert "package_manifest.json" not in by_path
    data = (root / "data/words.txt").read_bytes()
    assert by_path["data/words.txt"] == {
        "path": "data/words.txt",
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
    }
    assert manifest["total_size_bytes"] == sum(f["size"] for f in manifest["files"])
    assert (
        hashlib.sha256((root / "package_manifest.json").read_bytes()).hexdigest()
        == info["manifest_sha256"]
    )
    assert (root / "run_recipe.py").stat().st_mode & 0o111


def test_requirements_pin_f0_wheels_third_party_and_metadata(cli, example, tmp_path):
    recipe = example / "recipe.yaml"
    text = recipe.read_text(encoding="utf-8").replace(
        "  tags: [example, bundle]", "  tags: [example, bundle]\n  requirements: ['attrs >= 21']"
    )
    recipe.write_text(text, encoding="utf-8")
    (example / "helpers" / "text.py").write_text(
        (example / "helpers" / "text.py").read_text(encoding="utf-8") + "\nimport structlog\n",
        encoding="utf-8",
    )
    create(cli, recipe, tmp_path / "out", "--minimal")
    root = tmp_path / "out" / "bundle-demo"
    lines = (root / "requirements.txt").read_text(encoding="utf-8").splitlines()
    pins = [ln for ln in lines if ln and not ln.startswith("#")]
    import importlib.metadata as md

    assert f"f0=={md.version('f0')}" in pins
    assert f"structlog=={md.version('structlog')}" in pins
    assert f"pluggy=={md.version('pluggy')}" in pins  # the kernel's dependency, transitively
    assert pins[-1] == "attrs>=21"
    assert not any(p.startswith("f0-plugin-bundle") for p in pins)


def test_default_vendors_every_installed_plugin_but_this_one(cli, example, tmp_path):
    create(cli, example / "recipe.yaml", tmp_path / "out")
    manifest = json.loads(
        (tmp_path / "out/bundle-demo/package_manifest.json").read_text(encoding="utf-8")
    )
    names = {d["name"] for d in manifest["f0_distributions"]}
    assert {"f0-plugin-store", "f0-plugin-params", "f0-plugin-yaml"} <= names
    assert "f0-plugin-bundle" not in names
    assert manifest["minimal"] is False


@pytest.mark.parametrize("fmt", ["zip", "pyz"])
def test_two_creates_give_identical_archives(cli, example, tmp_path, fmt):
    create(cli, example / "recipe.yaml", tmp_path / "a", "--minimal", "--format", fmt)
    create(cli, example / "recipe.yaml", tmp_path / "b", "--minimal", "--format", fmt)
    first = (tmp_path / "a" / f"bundle-demo.{fmt}").read_bytes()
    assert first == (tmp_path / "b" / f"bundle-demo.{fmt}").read_bytes()
    with zipfile.ZipFile(tmp_path / "a" / f"bundle-demo.{fmt}") as zf:
        names = zf.namelist()
        assert names == sorted(names)
        assert {i.date_time for i in zf.infolist()} == {
            _utc(
                json.loads(
                    zf.read(f"{'bundle-demo/' if fmt == 'zip' else ''}package_manifest.json")
                )["created_at"]
            )
        }
    if fmt == "pyz":
        assert first.startswith(b"#!/usr/bin/env python3\n")
        assert "__main__.py" in names
    else:
        assert all(n.startswith("bundle-demo/") for n in names)


def _utc(stamp: str) -> tuple[int, ...]:
    import datetime as dt

    t = dt.datetime.fromisoformat(stamp)
    return (t.year, t.month, t.day, t.hour, t.minute, t.second)


def test_dir_bundles_are_identical_trees_and_source_date_epoch_sets_created_at(
    cli, example, tmp_path
):
    env = {"SOURCE_DATE_EPOCH": "1700000000"}
    create(cli, example / "recipe.yaml", tmp_path / "a", "--minimal", env=env)
    (example / "pipeline.py").touch()  # a newer mtime changes nothing when the epoch is fixed
    create(cli, example / "recipe.yaml", tmp_path / "b", "--minimal", env=env)
    a, b = tmp_path / "a/bundle-demo", tmp_path / "b/bundle-demo"

    def tree(root: Path) -> dict[str, tuple[bytes, int, int]]:
        return {
            p.relative_to(root).as_posix(): (
                p.read_bytes(),
                p.stat().st_mode,
                int(p.stat().st_mtime),
            )
            for p in root.rglob("*")
            if p.is_file()
        }

    assert tree(a) == tree(b)
    manifest = json.loads((a / "package_manifest.json").read_text(encoding="utf-8"))
    assert manifest["created_at"] == "2023-11-14T22:13:20Z"
    assert {mtime for _, _, mtime in tree(a).values()} == {1700000000}


def test_without_epoch_created_at_is_the_newest_input_mtime(cli, example, tmp_path):
    import os

    for path in example.rglob("*"):
        os.utime(path, (1_600_000_000, 1_600_000_000))
    os.utime(example / "data" / "words.txt", (1_650_000_000, 1_650_000_000))
    create(
        cli,
        example / "recipe.yaml",
        tmp_path / "out",
        "--minimal",
        "--format",
        "zip",
        env={"SOURCE_DATE_EPOCH": ""},
    )
    with zipfile.ZipFile(tmp_path / "out/bundle-demo.zip") as zf:
        manifest = json.loads(zf.read("bundle-demo/package_manifest.json"))
    assert manifest["created_at"] == "2022-04-15T05:20:00Z"


def test_a_second_create_replaces_the_first(cli, example, tmp_path):
    create(cli, example / "recipe.yaml", tmp_path / "out", "--minimal")
    stale = tmp_path / "out/bundle-demo/stale.txt"
    stale.write_text("old\n", encoding="utf-8")
    create(cli, example / "recipe.yaml", tmp_path / "out", "--minimal")
    assert not stale.exists()
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["bundle-demo"]  # no staging left


def test_unresolved_recipe_is_not_bundled(cli, tmp_path):
    write_project(
        tmp_path,
        {
            "recipe.yaml": "metadata: {name: d}\nsteps:\n  - {name: a, idx: 1, module: steps, function: run}\n",
            "steps.py": "import not_a_real_module_anywhere\n\ndef run(context, params):\n    pass\n",
        },
    )
    out = cli("bundle", "create", str(tmp_path / "recipe.yaml"), "-o", str(tmp_path / "out"))
    assert out.exit_code == 1
    assert (
        f"{tmp_path.resolve()}/steps.py:1:1: cannot bundle not_a_real_module_anywhere" in out.stderr
    )
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_recipe_file_that_clashes_with_the_bundle_files_is_refused(cli, tmp_path):
    write_project(
        tmp_path,
        {
            "recipe.yaml": "metadata: {name: d}\nsteps:\n  - {name: a, idx: 1, module: steps, function: run, args: {f: requirements.txt}}\n",
            "steps.py": "def run(context, params):\n    pass\n",
            "requirements.txt": "pandas\n",
        },
    )
    out = cli("bundle", "create", str(tmp_path / "recipe.yaml"), "-o", str(tmp_path / "out"))
    assert out.exit_code == 1
    assert "requirements.txt: clashes with a file the bundle writes" in out.stderr


@pytest.mark.parametrize(
    ("args", "where"),
    [
        (["--format", "tarball"], "no installed plugin provides bundle target 'tarball'"),
        (
            ["--base-image", "python:3.11.11-slim"],
            "--base-image: only makes sense with --dockerfile",
        ),
    ],
)
def test_bad_options_exit_2(cli, example, tmp_path, args, where):
    out = cli("bundle", "create", str(example / "recipe.yaml"), "-o", str(tmp_path), *args)
    assert out.exit_code == 2
    assert where in out.stderr


def test_invalid_recipe_is_refused_with_its_position(cli, tmp_path):
    write_project(
        tmp_path,
        {
            "recipe.yaml": "metadata: {name: d}\nsteps:\n  - {name: a, idx: 1, module: m, function: f, depends_on: [ghost]}\n"
        },
    )
    out = cli("bundle", "create", str(tmp_path / "recipe.yaml"), "-o", str(tmp_path / "out"))
    assert out.exit_code == 2
    assert f"{tmp_path / 'recipe.yaml'}:3:" in out.stderr
    assert "ghost" in out.stderr


def test_the_hook_provides_the_three_targets(bundle_pm, example, tmp_path):
    hooks = Hooks(bundle_pm)
    for fmt in ("dir", "zip", "pyz"):
        target = hooks.bundle_target(fmt)
        assert isinstance(target, BundleTarget)
    recipe = hooks.load_recipe(example / "recipe.yaml")
    path = hooks.bundle_target("zip").build(recipe, tmp_path / "out")
    assert path == tmp_path / "out" / "bundle-demo.zip"
    assert zipfile.is_zipfile(path)
    assert bundle_pm.hook.f0_bundle_target(name="wheel") is None


def test_a_bad_metadata_requirement_is_named(cli, example, tmp_path):
    recipe = example / "recipe.yaml"
    text = recipe.read_text(encoding="utf-8").replace(
        "  tags: [example, bundle]", "  tags: [example, bundle]\n  requirements: ['pandas >>> 2']"
    )
    recipe.write_text(text, encoding="utf-8")
    out = cli("bundle", "create", str(recipe), "-o", str(tmp_path / "out"), "--minimal")
    assert out.exit_code == 2
    assert f"{recipe.resolve()}: metadata.requirements[0]: not a requirement" in out.stderr
    assert not (tmp_path / "out" / "bundle-demo").exists()


def test_an_output_path_that_is_a_file_exits_2(cli, example, tmp_path):
    (tmp_path / "taken").write_text("x\n", encoding="utf-8")
    out = cli("bundle", "create", str(example / "recipe.yaml"), "-o", str(tmp_path / "taken"))
    assert out.exit_code == 2
    assert f"--output {tmp_path / 'taken'}: cannot create the output folder" in out.stderr
