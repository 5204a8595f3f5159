"""``type: sql`` steps in recipes (in-process), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from f0 import RunStatus, StepStatus
from f0.hooks import Hooks
from f0.testing import invoke_cli, run_recipe_file, write_project
from f0_sql import DatabaseOperationsManager

STEPS = """
def put(context, params):
    for key, value in params.items():
        context.set(key, value)
    return 0
"""

SCHEMA = "CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL, n INTEGER)"


def run(sql_pm, tmp_path, steps_yaml, env=None):
    root = write_project(
        tmp_path, {"steps.py": STEPS, "recipe.yaml": "metadata: {name: t}\nsteps:\n" + steps_yaml}
    )
    return run_recipe_file(Hooks(sql_pm), root / "recipe.yaml")


def rows(url):
    manager = DatabaseOperationsManager(url)
    try:
        return manager.execute_operation("read", {"table": "t"}, {"order_by": ["id"]})["rows"]
    finally:
        manager.close()


def test_pipeline_of_sql_steps(sql_pm, tmp_path, db_url):
    result = run(
        sql_pm,
        tmp_path,
        f"""
  - {{name: seed, idx: 1, module: steps, function: put, args: {{new.rows: [{{id: 1, name: a, n: 1}}, {{id: 2, name: b, n: 5}}]}}}}
  - name: schema
    idx: 2
    type: sql
    url: "{db_url}"
    op: raw
    sql: "{SCHEMA}"
  - {{name: load, idx: 3, type: sql, url: "{db_url}", op: create, table: t, rows_from: new.rows, depends_on: [seed, schema]}}
  - name: change
    idx: 4
    type: sql
    url: "{db_url}"
    operations:
      - {{op: update, table: t, values: {{n: 9}}, where: {{name: b}}}}
      - {{op: read, table: t, columns: [name, n], where: {{n: {{">": 2}}}}}}
    depends_on: [load]
  - {{name: count, idx: 5, type: sql, url: "{db_url}", op: raw, sql: "SELECT count(*) AS c FROM t WHERE n > :m", params: {{m: 0}}, output_key: counted, depends_on: [change]}}
""",
    )
    assert result.status is RunStatus.COMPLETED, {k: v.error for k, v in result.steps.items()}
    assert result.context["load.result"] == {"rowcount": 2}
    assert result.context["change.result"] == {
        "results": [{"rowcount": 1}, {"rows": [{"name": "b", "n": 9}], "rowcount": 1}]
    }
    assert result.context["counted"] == {"rows": [{"c": 2}], "rowcount": 1}


def test_error_in_operations_rolls_back_all_and_keeps_context(sql_pm, tmp_path, db_url):
    manager = DatabaseOperationsManager(db_url)
    manager.execute_operation("raw", {}, {"sql": SCHEMA})
    manager.close()
    result = run(
        sql_pm,
        tmp_path,
        f"""
  - {{name: seed, idx: 1, module: steps, function: put, args: {{kept: yes}}}}
  - name: bad
    idx: 2
    type: sql
    url: "{db_url}"
    operations:
      - {{op: create, table: t, values: {{id: 1, name: first}}}}
      - {{op: raw, sql: "INSERT INTO t (id, name) VALUES (:id, :name)", params: {{id: 1, name: duplicate}}}}
    depends_on: [seed]
""",
    )
    assert result.status is RunStatus.FAILED
    error = result.steps["bad"].error
    assert error.startswith("operations[1] execute_raw: IntegrityError")
    assert error.endswith("(rolled back)")
    assert result.context["kept"] == "yes"
    assert rows(db_url) == [], "the first insert must have been rolled back"


def test_bad_sql_fails_the_step(sql_pm, tmp_path):
    result = run(
        sql_pm,
        tmp_path,
        "  - {name: q, idx: 1, type: sql, url: 'sqlite:///x.db', op: raw, sql: 'SELEC 1'}\n",
    )
    assert result.steps["q"].status is StepStatus.FAILED
    assert (
        result.steps["q"].error
        == 'execute_raw: OperationalError: near "SELEC": syntax error (rolled back)'
    )


def test_relative_sqlite_path_is_the_recipe_folder(sql_pm, tmp_path):
    result = run(
        sql_pm,
        tmp_path,
        "  - {name: q, idx: 1, type: sql, url: 'sqlite:///rel.db', op: raw, sql: 'CREATE TABLE z (a INTEGER)'}\n",
    )
    assert result.status is RunStatus.COMPLETED
    assert (tmp_path / "rel.db").exists()


def test_url_from_environment_hides_the_password(sql_pm, tmp_path, monkeypatch):
    from .pg_server import free_port

    monkeypatch.setenv(
        "F0_TEST_DB", f"postgresql+psycopg://app:pa55word@127.0.0.1:{free_port()}/db"
    )
    result = run(
        sql_pm,
        tmp_path,
        "  - {name: q, idx: 1, type: sql, url_env: F0_TEST_DB, op: raw, sql: 'SELECT 1'}\n",
    )
    error = result.steps["q"].error
    assert "Connection refused" in error
    assert "pa55word" not in error


BAD = {
    "no_url": ("op: read\n    table: t", "exactly one of 'url' and 'url_env'"),
    "bad_url": ("url: 'nosuch://x'\n    op: read\n    table: t", "not a database URL"),
    "op": ("url: 'sqlite:///x.db'\n    op: upsert", "'op' must be one of"),
    "no_table": ("url: 'sqlite:///x.db'\n    op: read", "needs 'table'"),
    "no_sql": ("url: 'sqlite:///x.db'\n    op: raw", "needs 'sql'"),
    "delete_all": ("url: 'sqlite:///x.db'\n    op: delete\n    table: t", "would touch every row"),
    "create_rows": (
        "url: 'sqlite:///x.db'\n    op: create\n    table: t\n    rows: [1, 2]",
        "'rows' must be a list of mappings",
    ),
    "wrong_key": (
        "url: 'sqlite:///x.db'\n    op: read\n    table: t\n    values: {a: 1}",
        "op 'read' takes no 'values'",
    ),
    "where_op": (
        "url: 'sqlite:///x.db'\n    op: read\n    table: t\n    where: {a: {'~': 1}}",
        "unknown comparison '~'",
    ),
    "ops_item": (
        "url: 'sqlite:///x.db'\n    operations: [{op: read}]",
        "operations[0]: op 'read' needs 'table'",
    ),
    "ops_unknown": (
        "url: 'sqlite:///x.db'\n    operations: [{op: raw, sql: x, colour: 1}]",
        "operations[0]: unknown key 'colour'",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_keys_are_reported_before_the_run(sql_pm, tmp_path, case):
    text, message = BAD[case]
    write_project(
        tmp_path,
        {
            "recipe.yaml": f"metadata: {{name: t}}\nsteps:\n  - name: s\n    idx: 1\n    type: sql\n    {text}\n"
        },
    )
    out = invoke_cli(sql_pm, "validate", str(tmp_path / "recipe.yaml"))
    assert out.exit_code == 2, out.output
    assert message in out.output
    assert "recipe.yaml:" in out.output
    assert "Traceback" not in out.output
