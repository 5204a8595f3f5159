"""The installed ``f0`` runs sql steps in a subprocess: the example, and failures."""

from __future__ import annotations

import shutil

import pytest

from tests.plugins.steplib_e2e import EXAMPLES, run_json

pytestmark = pytest.mark.slow

SEED = "def put(context, params):\n    context.set('seeded', params['v'])\n    return 0\n"


def test_example_recipe_runs_twice(tmp_path):
    shutil.copytree(EXAMPLES / "sql", tmp_path / "sql")
    for _ in range(2):  # re-runnable: the schema step drops and recreates the table
        rc, doc, _ = run_json(tmp_path / "sql" / "recipe.yaml", cwd=tmp_path)
        assert (rc, doc["status"]) == (0, "COMPLETED"), doc
    ctx = doc["context"]
    assert ctx["report.shipped"]["rows"] == [{"region": "EU", "units": 10}]
    assert ctx["big_orders.result"]["rows"] == [
        {"id": 3, "region": "EU", "qty": 4},
        {"id": 1, "region": "EU", "qty": 3},
        {"id": 6, "region": "EU", "qty": 3},
    ]
    assert (tmp_path / "sql" / "shop.db").exists()


@pytest.mark.parametrize(
    ("step", "message"),
    [
        (
            "{name: q, idx: 2, type: sql, url: 'sqlite:///db.sqlite', op: raw, sql: 'SELEC 1', depends_on: [seed]}",
            "syntax error",
        ),
        (
            "{name: q, idx: 2, type: sql, url: 'postgresql+psycopg://u:secretpw@127.0.0.1:PORT/x', op: raw, sql: 'SELECT 1', depends_on: [seed]}",
            "Connection refused",
        ),
        (
            "{name: q, idx: 2, type: sql, url: 'sqlite:///db.sqlite', op: read, table: missing, depends_on: [seed]}",
            "no table 'missing'",
        ),
    ],
)
def test_failures_fail_the_run_keeping_earlier_context(tmp_path, step, message):
    from .pg_server import free_port

    (tmp_path / "steps.py").write_text(SEED, encoding="utf-8")
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(
        "metadata: {name: bad}\nsteps:\n  - {name: seed, idx: 1, module: steps, function: put, args: {v: 7}}\n"
        f"  - {step.replace('PORT', str(free_port()))}\n",
        encoding="utf-8",
    )
    rc, doc, stderr = run_json(recipe, cwd=tmp_path)
    assert rc == 1
    assert doc["status"] == "FAILED"
    assert doc["steps"]["q"]["status"] == "FAILED"
    assert message in doc["steps"]["q"]["error"]
    assert doc["context"]["seeded"] == 7
    assert "secretpw" not in str(doc) + stderr
