"""``f0 run`` in a subprocess: failed validation and bad schemas fail the step, keep the context."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.e2e.conftest import run_f0

pytestmark = pytest.mark.slow

EXAMPLE = Path(__file__).parents[3] / "examples" / "steplib" / "validate"

RECIPE = """metadata: {name: e2e}
steps:
  - {name: first, idx: 1, type: validate, data: {a: 1}, schema: {required: [a]}}
  - {name: bad, idx: 2, type: validate, BAD, depends_on: [first]}
"""


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (
            "data: [{a: -1}, {a: x}], rules: [{name: pos, field: a, op: '>', value: 0}]",
            "2 validation problem(s): [error] [0].a: -1 fails > 0; [error] [1].a: 'x' fails > 0",
        ),
        ("data: [], schema_file: schema.json", "schema.json: invalid schema at $.type"),
        ("data_file: missing.csv, profile: true", "'missing.csv': no such file"),
    ],
)
def test_a_failed_validation_fails_the_run_but_keeps_the_context(tmp_path, bad, message):
    (tmp_path / "schema.json").write_text('{"type": 5}', encoding="utf-8")
    (tmp_path / "recipe.yaml").write_text(RECIPE.replace("BAD", bad), encoding="utf-8")
    result = run_f0("run", str(tmp_path / "recipe.yaml"), "--json", cwd=tmp_path)
    assert result.returncode == 1, result
    assert "Traceback" not in result.stdout + result.stderr
    out = result.json()
    assert out["status"] == "FAILED"
    assert message in out["steps"]["bad"]["error"]
    assert out["context"]["first.result"]["valid"] is True


def test_an_invalid_inline_schema_is_found_before_the_run(tmp_path):
    (tmp_path / "recipe.yaml").write_text(
        RECIPE.replace("BAD", "data: [], schema: {type: 5}"), encoding="utf-8"
    )
    result = run_f0("run", str(tmp_path / "recipe.yaml"), cwd=tmp_path)
    assert result.returncode == 2, result
    assert "recipe.yaml:4:" in result.stderr
    assert (
        "'schema': invalid schema at $.type: 5 is not valid under any of the given schemas"
        in result.stderr
    )


def test_the_example_runs(tmp_path):
    shutil.copytree(EXAMPLE, tmp_path / "ex", ignore=shutil.ignore_patterns(".f0", "__pycache__"))
    result = run_f0("run", str(tmp_path / "ex" / "recipe.yaml"), "--json", cwd=tmp_path)
    assert result.returncode == 0, result
    report = result.json()["context"]["orders.report"]
    assert report["valid"] is True
    assert report["profile"]["fields"]["units"]["outliers_iqr"] == [7]
    assert report["counts"] == {"warning": 1}
