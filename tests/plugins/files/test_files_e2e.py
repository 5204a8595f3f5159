"""``f0 run`` in a subprocess: bad input fails the step, keeps earlier context, no traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.e2e.conftest import run_f0

pytestmark = pytest.mark.slow

EXAMPLE = Path(__file__).parents[3] / "examples" / "steplib" / "files"

RECIPE = """
metadata: {name: e2e}
steps:
  - {name: first, idx: 1, type: files, op: write, path: out/first.json, content: {ok: 1}}
  - {name: bad, idx: 2, type: files, op: read, BAD, depends_on: [first]}
  - {name: after, idx: 3, type: files, op: read, path: out/first.json, depends_on: [bad]}
"""


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("path: link/secret.txt", "outside the base directory"),
        ("path: missing.csv", "'missing.csv': no such file"),
        ("path: broken.json", "broken.json:1:9: not valid JSON"),
    ],
)
def test_a_bad_file_fails_the_run_but_keeps_the_context(tmp_path, bad, message):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("s", encoding="utf-8")
    project = tmp_path / "p"
    project.mkdir()
    (project / "link").symlink_to(outside)
    (project / "broken.json").write_text('{"a": 1,}', encoding="utf-8")
    (project / "recipe.yaml").write_text(RECIPE.replace("BAD", bad), encoding="utf-8")
    result = run_f0("run", str(project / "recipe.yaml"), "--json", cwd=tmp_path)
    assert result.returncode == 1, result
    assert "Traceback" not in result.stdout + result.stderr
    out = result.json()
    assert out["status"] == "FAILED"
    assert out["steps"]["bad"]["status"] == "FAILED"
    assert message in out["steps"]["bad"]["error"]
    assert out["steps"]["after"]["status"] != "COMPLETED"
    assert out["context"]["first.result"]["path"] == "out/first.json"


def test_a_dotdot_path_is_refused_before_anything_runs(tmp_path):
    (tmp_path / "recipe.yaml").write_text(RECIPE.replace("BAD", "path: ../x"), encoding="utf-8")
    result = run_f0("run", str(tmp_path / "recipe.yaml"), cwd=tmp_path)
    assert result.returncode == 2, result
    assert "recipe.yaml:5:48: step 'bad'" in result.stderr
    assert "'..' is not allowed" in result.stderr
    assert not (tmp_path / "out").exists()


def test_the_example_runs(tmp_path):
    shutil.copytree(EXAMPLE, tmp_path / "files", ignore=shutil.ignore_patterns("out", ".f0"))
    result = run_f0("run", str(tmp_path / "files" / "recipe.yaml"), "--json", cwd=tmp_path)
    assert result.returncode == 0, result
    out = result.json()
    assert out["status"] == "COMPLETED"
    assert [r["id"] for r in out["context"]["load.result"]] == ["1", "2", "3", "4", "5"]
    assert (tmp_path / "files" / "out" / "archive" / "north-latest.json").exists()
