"""The installed ``f0`` with the resilience keys, in a subprocess."""

from __future__ import annotations

import shutil

import pytest

from tests.plugins.steplib_e2e import EXAMPLES, run_json

pytestmark = pytest.mark.slow


def test_example_recipe_runs(tmp_path):
    shutil.copytree(EXAMPLES / "resilience", tmp_path / "resilience")
    rc, doc, _ = run_json(tmp_path / "resilience" / "recipe.yaml", cwd=tmp_path)
    assert (rc, doc["status"]) == (0, "COMPLETED"), doc
    ctx = doc["context"]
    assert doc["steps"]["fetch_rates"]["attempts"] == 4
    assert "circuit breaker 'rates-service' is open" in ctx["fetch_rates.fallback"]["error"]
    assert ctx["converted"] == {"invoice_1": 92.0, "invoice_2": 230.46}
    assert (ctx["total"], ctx["total.attempts"]) == (10, 3)
    assert [ctx[f"batch.{n}"] for n in (1, 2, 3)] == [10, 20, 30]


def test_open_breaker_fails_the_run_keeping_earlier_context(tmp_path):
    (tmp_path / "steps.py").write_text(
        "def put(context, params):\n    context.set('seeded', 1)\n    return 0\n\n"
        "def down(context, params):\n    raise ConnectionRefusedError('no service')\n",
        encoding="utf-8",
    )
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(
        "metadata: {name: cb}\nsteps:\n"
        "  - {name: seed, idx: 1, module: steps, function: put}\n"
        "  - {name: call, idx: 2, module: steps, function: down, retry_count: 2, retry: {delay: 0.01},\n"
        "     circuit_breaker: {failure_threshold: 1}, depends_on: [seed]}\n",
        encoding="utf-8",
    )
    rc, doc, _ = run_json(recipe, cwd=tmp_path)
    assert rc == 1
    assert doc["status"] == "FAILED"
    assert doc["steps"]["call"]["attempts"] == 3
    assert "circuit breaker 'step:call' is open after 1 failures" in doc["steps"]["call"]["error"]
    assert doc["context"]["seeded"] == 1


def test_bad_key_is_reported_before_the_run(tmp_path):
    from tests.plugins.steplib_e2e import run_f0

    (tmp_path / "steps.py").write_text(
        "def put(context, params):\n    return 0\n", encoding="utf-8"
    )
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(
        "metadata: {name: bad}\nsteps:\n  - name: a\n    idx: 1\n    module: steps\n    function: put\n"
        "    rate_limit: {requests_per_second: 0}\n",
        encoding="utf-8",
    )
    proc = run_f0("run", str(recipe), "--store", "none", cwd=tmp_path)
    assert proc.returncode == 2
    assert "recipe.yaml:7:" in proc.stderr
    assert "'rate_limit.requests_per_second' must be a number > 0" in proc.stderr
    assert "Traceback" not in proc.stderr
