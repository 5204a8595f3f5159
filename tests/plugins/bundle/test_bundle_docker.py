"""--dockerfile: the text (no docker needed): pinned base, non-root user, limits as labels."""

from __future__ import annotations

import json
import sys

import pytest
from f0 import UsageError
from f0_bundle._docker import DEFAULT_BASE_IMAGES, base_image_for, dockerfile


def test_create_writes_a_dockerfile_listed_in_the_manifest(cli, example, tmp_path):
    out = cli(
        "bundle",
        "create",
        str(example / "recipe.yaml"),
        "-o",
        str(tmp_path),
        "--minimal",
        "--dockerfile",
    )
    assert out.exit_code == 0, out.output
    root = tmp_path / "bundle-demo"
    text = (root / "Dockerfile").read_text(encoding="utf-8")
    manifest = json.loads((root / "package_manifest.json").read_text(encoding="utf-8"))
    assert "Dockerfile" in {f["path"] for f in manifest["files"]}
    lines = text.splitlines()
    assert f"FROM {DEFAULT_BASE_IMAGES[sys.version_info[:2]]}" in lines
    # the recipe runs as the unprivileged user, set after every install step
    user_at = lines.index("USER framework0")
    assert user_at > max(i for i, ln in enumerate(lines) if ln.startswith("RUN "))
    assert not any(ln.startswith("USER root") for ln in lines)
    assert "useradd --system --gid framework0" in text
    assert 'ENTRYPOINT ["python", "run_recipe.py"]' in lines
    assert "COPY wheels/ ./wheels/" in lines
    assert (
        "RUN python -m pip install --find-links ./wheels -r requirements.txt ./wheels/*.whl"
        in lines
    )
    for label in (
        'io.f0.limits.cpu="1.0"',
        'io.f0.limits.cpu_request="0.25"',
        'io.f0.limits.memory_mb="512"',
        'io.f0.limits.memory_request_mb="256"',
        'io.f0.limits.swap_mb="0"',
        'io.f0.limits.disk_mb="1024"',
        'io.f0.limits.max_processes="100"',
        'io.f0.limits.max_open_files="1024"',
        'io.f0.limits.execution_timeout_s="3600"',
        'io.f0.security.no_new_privileges="true"',
        'io.f0.bundle.recipe="recipe.yaml"',
    ):
        assert label in text, label
    assert "--memory=512m" in text
    assert "--pids-limit=100" in text


@pytest.mark.parametrize(
    "image",
    [
        "python:3.11.11-slim-bookworm",
        f"python@sha256:{'a' * 64}",
        "registry.example:5000/team/py:3.12.1-slim",
    ],
)
def test_pinned_base_images_are_accepted(image):
    assert base_image_for(image) == image


@pytest.mark.parametrize(
    "image", ["python", "python:3.11", "python:latest", "python:3.11-slim", "not an image"]
)
def test_unpinned_base_images_are_refused(image):
    with pytest.raises(UsageError) as info:
        base_image_for(image)
    assert info.value.where == "--base-image"


def test_unpinned_base_image_on_the_command_line_exits_2(cli, example, tmp_path):
    out = cli(
        "bundle",
        "create",
        str(example / "recipe.yaml"),
        "-o",
        str(tmp_path),
        "--dockerfile",
        "--base-image",
        "python:3.11",
    )
    assert out.exit_code == 2
    assert "--base-image: 'python:3.11' is not pinned" in out.stderr
    assert not (tmp_path / "bundle-demo").exists()


def test_without_wheels_the_install_line_has_none():
    text = dockerfile(
        name="x",
        recipe_file="r.yaml",
        base_image="python:3.11.11-slim",
        f0_version="0.1.0",
        has_wheels=False,
    )
    assert "wheels" not in text
    assert "RUN python -m pip install -r requirements.txt" in text
