"""The installed ``f0`` runs http steps in a subprocess: the example, and failures."""

from __future__ import annotations

import shutil

import pytest

from tests.plugins.steplib_e2e import EXAMPLES, run_json

pytestmark = pytest.mark.slow


def test_example_recipe_runs(tmp_path):
    shutil.copytree(EXAMPLES / "http", tmp_path / "http")
    rc, doc, _ = run_json(tmp_path / "http" / "recipe.yaml", cwd=tmp_path)
    assert (rc, doc["status"]) == (0, "COMPLETED"), doc
    assert doc["context"]["report.item_names"] == ["widget", "gadget"]
    assert doc["context"]["flaky.result"]["attempts"] == 2
    assert "demo-secret" not in str(doc), "the client secret must not reach the context"


def test_connection_refused_fails_the_run_keeping_earlier_context(tmp_path, closed_port):
    (tmp_path / "steps.py").write_text(
        "def put(context, params):\n    context.set('seeded', params['v'])\n    return 0\n",
        encoding="utf-8",
    )
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(
        "metadata: {name: refused}\nsteps:\n"
        "  - {name: seed, idx: 1, module: steps, function: put, args: {v: 42}}\n"
        f"  - {{name: call, idx: 2, type: http, url: 'http://127.0.0.1:{closed_port}/x', "
        "backoff_delay: 0.01, auth: {type: bearer, token: t0p-s3cret}, depends_on: [seed]}\n",
        encoding="utf-8",
    )
    rc, doc, stderr = run_json(recipe, cwd=tmp_path)
    assert rc == 1
    assert doc["status"] == "FAILED"
    assert doc["steps"]["seed"]["status"] == "COMPLETED"
    assert doc["steps"]["call"]["status"] == "FAILED"
    assert "connection failed" in doc["steps"]["call"]["error"]
    assert doc["context"]["seeded"] == 42
    assert "t0p-s3cret" not in str(doc) + stderr
