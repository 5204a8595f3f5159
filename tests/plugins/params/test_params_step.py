"""``type: params`` steps in recipes: run, validate, and many processes at once."""

from __future__ import annotations

import json

import pytest
from f0 import RunStatus, StepStatus
from f0.hooks import Hooks
from f0.testing import invoke_cli, run_recipe_file, write_project

from .params_support import FILE_NAME, load

RECIPE = """
metadata: {name: params-demo}
steps:
  - name: start
    idx: 1
    type: params
    op: update
    file: run
    group: counters
    key: label
    value: {batch: 7}
  - name: bump
    idx: 2
    type: params
    op: increment
    file: run
    group: counters
    key: processed
    by: 5
    depends_on: [start]
  - name: down
    idx: 3
    type: params
    op: decrement
    file: run/.octo_step_engine_parameters.json
    group: counters
    key: processed
    depends_on: [bump]
  - name: compute
    idx: 4
    module: steps
    function: compute
    depends_on: [down]
  - name: store
    idx: 5
    type: params
    op: update
    file: run
    group: results
    key: doubled
    value_from: compute.doubled
    depends_on: [compute]
  - name: whole
    idx: 6
    type: params
    file: run
    output_key: snapshot
    depends_on: [store]
  - name: forget
    idx: 7
    type: params
    op: delete
    file: run
    group: counters
    key: label
    depends_on: [whole]
"""

STEPS = """
def compute(context, params):
    context.set("compute.doubled", context.get("bump.value") * 2)
"""


@pytest.fixture
def hooks(params_pm):
    return Hooks(params_pm)


def test_a_recipe_reads_and_changes_parameters(hooks, tmp_path):
    write_project(tmp_path, {"recipe.yaml": RECIPE, "steps.py": STEPS})
    (tmp_path / "run").mkdir()
    result = run_recipe_file(hooks, tmp_path / "recipe.yaml")
    assert result.status is RunStatus.COMPLETED, result.steps
    ctx = result.context
    assert ctx["start.value"] == {"batch": 7}
    assert ctx["bump.value"] == 5
    assert ctx["down.value"] == 4
    assert ctx["store.value"] == 10
    assert ctx["snapshot.value"]["results"] == {"doubled": 10}
    assert ctx["forget.value"] == {"processed": 4}
    data = load(tmp_path / "run")
    assert data["counters"] == {"processed": 4}
    assert data["results"] == {"doubled": 10}
    assert data["global_parameters"]["run_step_count"] == 1


def test_default_file_is_in_the_recipe_folder(hooks, tmp_path):
    write_project(
        tmp_path,
        {
            "r.yaml": """
            metadata: {name: r}
            steps:
              - {name: a, idx: 1, type: params, op: increment, group: g, key: n}
              - {name: b, idx: 2, type: params, group: g, key: n, depends_on: [a]}
            """
        },
    )
    result = run_recipe_file(hooks, tmp_path / "r.yaml")
    assert result.status is RunStatus.COMPLETED
    assert result.context["b.value"] == 1
    assert load(tmp_path)["g"] == {"n": 1}


def test_failures_are_failed_steps_with_the_error(hooks, tmp_path):
    write_project(
        tmp_path,
        {
            "r.yaml": """
            metadata: {name: r}
            steps:
              - {name: a, idx: 1, type: params, op: increment, group: global_parameters, key: step_engine_state}
              - {name: b, idx: 2, type: params, op: read, group: nope}
            """,
        },
    )
    result = run_recipe_file(hooks, tmp_path / "r.yaml", continue_on_error=True)
    a, b = result.steps["a"], result.steps["b"]
    assert a.status is StepStatus.FAILED
    assert "not an integer" in (a.error or "")
    assert b.status is StepStatus.FAILED
    assert "no group 'nope'" in (b.error or "")
    (tmp_path / FILE_NAME).write_text("{bad", encoding="utf-8")
    result = run_recipe_file(hooks, tmp_path / "r.yaml", continue_on_error=True)
    assert result.steps["a"].exit_code == 2
    assert f"{tmp_path / FILE_NAME}:1:2: not valid JSON" in (result.steps["a"].error or "")


def test_validation_names_the_place(params_pm, tmp_path):
    write_project(
        tmp_path,
        {
            "bad.yaml": """
            metadata: {name: bad}
            steps:
              - {name: a, idx: 1, type: params, op: bump}
              - {name: b, idx: 2, type: params, op: update, group: g, key: k}
              - {name: c, idx: 3, type: params, op: increment, group: g, by: two}
              - {name: d, idx: 4, type: params, op: read, key: k, file: 3}
              - {name: e, idx: 5, type: params, op: delete, group: g, value: 1, args: [1]}
            """,
        },
    )
    path = tmp_path / "bad.yaml"
    result = invoke_cli(params_pm, "validate", str(path), "--json")
    assert result.exit_code == 2
    problems = {(p["line"], p["message"]) for p in json.loads(result.stdout)["problems"]}
    assert (
        3,
        "step 'a': 'op' must be one of read, update, increment, decrement, delete, not 'bump'",
    ) in problems
    assert (4, "step 'b': op 'update' needs exactly one of 'value' and 'value_from'") in problems
    assert (5, "step 'c': op 'increment' needs 'key'") in problems
    assert (5, "step 'c': 'by' must be an integer") in problems
    assert (6, "step 'd': 'file' must be a non-empty string") in problems
    assert (6, "step 'd': 'key' needs 'group'") in problems
    assert (7, "step 'e': op 'delete' takes no 'value'") in problems
    assert (7, "step 'e': params steps ignore 'args'") in problems


@pytest.mark.slow
def test_parallel_process_steps_count_exactly(hooks, tmp_path):
    steps = "\n".join(
        f"  - {{name: s{i}, idx: {i}, type: params, op: increment, file: run, group: c, key: n}}"
        for i in range(1, 13)
    )
    write_project(tmp_path, {"r.yaml": "metadata: {name: many}\nsteps:\n" + steps + "\n"})
    (tmp_path / "run").mkdir()
    result = run_recipe_file(hooks, tmp_path / "r.yaml", workers=4, pool="process")
    assert result.status is RunStatus.COMPLETED, result.steps
    assert load(tmp_path / "run")["c"] == {"n": 12}
    assert sorted(result.context[f"s{i}.value"] for i in range(1, 13)) == list(range(1, 13))
