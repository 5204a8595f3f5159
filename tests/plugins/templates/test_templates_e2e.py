"""``f0 run`` in a subprocess: template errors fail the step, keep earlier context, no traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.e2e.conftest import run_f0

pytestmark = pytest.mark.slow

EXAMPLE = Path(__file__).parents[3] / "examples" / "steplib" / "templates"

RECIPE = """metadata: {name: e2e}
steps:
  - {name: first, idx: 1, type: template, template: "ok {{ 6 * 7 }}"}
  - {name: bad, idx: 2, type: template, BAD, depends_on: [first]}
"""


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("template_file: broken.j2", "broken.j2:2: syntax error: unexpected '}'"),
        ("template_file: missing.j2", "'missing.j2' not found"),
        ('template: "a\\n\\n{{ who }}"', "<template>:3: undefined: 'who' is undefined"),
    ],
)
def test_a_bad_template_fails_the_run_but_keeps_the_context(tmp_path, bad, message):
    (tmp_path / "broken.j2").write_text("fine\n{{ x }\n", encoding="utf-8")
    (tmp_path / "recipe.yaml").write_text(RECIPE.replace("BAD", bad), encoding="utf-8")
    result = run_f0("run", str(tmp_path / "recipe.yaml"), "--json", cwd=tmp_path)
    assert result.returncode == 1, result
    assert "Traceback" not in result.stdout + result.stderr
    out = result.json()
    assert out["status"] == "FAILED"
    assert message in out["steps"]["bad"]["error"]
    assert out["context"]["first.result"] == "ok 42"


def test_an_inline_syntax_error_is_found_before_the_run(tmp_path):
    (tmp_path / "recipe.yaml").write_text(
        RECIPE.replace("BAD", 'template: "{{ x }"'), encoding="utf-8"
    )
    result = run_f0("run", str(tmp_path / "recipe.yaml"), cwd=tmp_path)
    assert result.returncode == 2, result
    assert (
        "recipe.yaml:4:41: step 'bad': 'template' template line 1: unexpected '}'" in result.stderr
    )
    assert "Traceback" not in result.stderr


def test_the_example_runs(tmp_path):
    shutil.copytree(
        EXAMPLE, tmp_path / "ex", ignore=shutil.ignore_patterns("out", ".f0", "__pycache__")
    )
    result = run_f0("run", str(tmp_path / "ex" / "recipe.yaml"), "--json", cwd=tmp_path)
    assert result.returncode == 0, result
    assert result.json()["context"]["report.headline"] == "3 regions, best: north"
    report = (tmp_path / "ex" / "out" / "report.md").read_text(encoding="utf-8")
    assert "| north | 22 |" in report
    assert "Total: 35 units" in report
