"""``f0 run`` in a subprocess: batch failures fail the step, keep earlier context, no traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.e2e.conftest import run_f0

from .conftest import WORK

pytestmark = pytest.mark.slow

EXAMPLE = Path(__file__).parents[3] / "examples" / "steplib" / "batch"

RECIPE = """metadata: {name: e2e}
steps:
  - {name: first, idx: 1, type: batch, module: work, function: total, items: [1, 2, 3], aggregate: sum}
  - {name: bad, idx: 2, type: batch, module: work, BAD, depends_on: [first]}
"""


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (
            "function: double, items_file: missing.json",
            "'items_file': 'missing.json': no such file",
        ),
        (
            "function: total, items: [a, b], pool: process",
            "partition 0: TypeError: unsupported operand type(s) for +: 'int' and 'str'",
        ),
        ("function: not_json, items: [1]", "Object of type set is not JSON serializable"),
    ],
)
def test_a_failed_batch_fails_the_run_but_keeps_the_context(tmp_path, bad, message):
    (tmp_path / "work.py").write_text(WORK, encoding="utf-8")
    (tmp_path / "recipe.yaml").write_text(RECIPE.replace("BAD", bad), encoding="utf-8")
    result = run_f0("run", str(tmp_path / "recipe.yaml"), "--json", cwd=tmp_path)
    assert result.returncode == 1, result
    assert "Traceback" not in result.stdout + result.stderr
    out = result.json()
    assert out["status"] == "FAILED"
    assert message in out["steps"]["bad"]["error"]
    assert out["context"]["first.result"]["result"] == 6


def test_the_example_runs(tmp_path):
    shutil.copytree(EXAMPLE, tmp_path / "ex", ignore=shutil.ignore_patterns(".f0", "__pycache__"))
    result = run_f0("run", str(tmp_path / "ex" / "recipe.yaml"), "--json", cwd=tmp_path)
    assert result.returncode == 0, result
    ctx = result.json()["context"]
    assert [r["square"] for r in ctx["squares"]["result"]] == [n * n for n in range(1, 11)]
    assert ctx["primes.result"]["result"] == 303  # primes below 2000
    assert ctx["primes.result"]["stats"]["batches_completed"] == 8
