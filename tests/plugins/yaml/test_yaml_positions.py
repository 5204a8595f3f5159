"""Exact 1-based line:col positions of steps, keys, values and problems."""

from __future__ import annotations

import pytest
from f0 import RecipeError, SourcePos

RECIPE = """\
# leading comment
metadata:
  name: pos
steps:
  - name: clean
    idx: 1
    module: m
    function: f
    timeout: soon
    command: rm -rf build
    depends_on:
      - setup
  - {name: setup, idx: 2, module: m, function: f, retries: 2, shell: bash}
"""


@pytest.fixture
def recipe(load_text):
    return load_text(RECIPE, "r.yaml")


def test_recipe_and_step_positions(recipe):
    assert recipe.pos == SourcePos("r.yaml", 2, 1)
    clean, setup = recipe.steps
    assert clean.pos == SourcePos("r.yaml", 5, 5)
    assert setup.pos == SourcePos("r.yaml", 13, 5)


def test_known_keys_point_at_their_values(recipe):
    clean = recipe.step("clean")
    pos = {key: (p.line, p.col) for key, p in clean.key_pos.items()}
    assert pos["name"] == (5, 11)
    assert pos["idx"] == (6, 10)
    assert pos["module"] == (7, 13)
    assert pos["function"] == (8, 15)
    assert pos["timeout"] == (9, 14)
    # A block list under its key: the value starts at the first "-".
    assert pos["depends_on"] == (12, 7)


def test_unknown_keys_point_at_the_key(recipe):
    assert recipe.step("clean").where("command") == SourcePos("r.yaml", 10, 5)
    assert recipe.step("setup").where("shell") == SourcePos("r.yaml", 13, 63)


def test_flow_mapping_values(recipe):
    setup = recipe.step("setup")
    assert setup.where("name") == SourcePos("r.yaml", 13, 12)
    assert setup.where("retries") == SourcePos("r.yaml", 13, 60)
    # The canonical name points at the alias the file used.
    assert setup.where("retry_count") == setup.where("retries")


def test_where_falls_back_to_the_step(recipe):
    assert recipe.step("clean").where("args") == SourcePos("r.yaml", 5, 5)


def test_bad_value_is_reported_at_the_value(recipe, only):
    problem = only(recipe)
    assert (
        str(problem)
        == "r.yaml:9:14: step 'clean': timeout must be a number of seconds > 0, got 'soon'"
    )
    assert problem.where == "steps[0].timeout"


def test_null_value_is_reported_at_its_key(load_text, only, at):
    # ruamel puts a missing value at the next token; the key is where to look.
    recipe = load_text(
        "metadata: {name: x}\nsteps:\n  - name:\n    idx: 1\n    module: m\n    function: f\n"
    )
    problem = only(recipe)
    assert problem.code == "E003"
    assert at(problem) == (3, 5)


def test_list_items_and_nested_values_have_their_own_positions(load_text, at):
    recipe = load_text(
        "metadata: {name: x}\n"
        "steps:\n"
        "  - name: a\n"
        "    idx: 1\n"
        "    module: m\n"
        "    function: f\n"
        "    depends_on: [b, 3]\n"
        "    success_criteria:\n"
        "      exit_code: zero\n"
        "    retry:\n"
        "      factor: 0\n"
    )
    assert [(p.code, at(p)) for p in recipe.problems] == [
        ("E004", (7, 21)),
        ("E004", (9, 18)),
        ("E004", (11, 15)),
    ]
    assert [p.where for p in recipe.problems] == [
        "steps[0].depends_on[1]",
        "steps[0].success_criteria.exit_code",
        "steps[0].retry.factor",
    ]


def test_crlf_line_endings_keep_positions(load_text, only, at):
    recipe = load_text(RECIPE.replace("\n", "\r\n"), "r.yaml")
    assert at(only(recipe)) == (9, 14)


def test_json_positions(load_text, only, at):
    text = (
        '{\n  "metadata": {"name": "j"},\n  "steps": [\n'
        '    {"name": "a", "idx": 1, "module": "m", "function": "f", "timeout": -1}\n'
        "  ]\n}\n"
    )
    recipe = load_text(text, "r.json")
    step = recipe.steps[0]
    assert step.pos == SourcePos("r.json", 4, 5)
    assert step.where("name") == SourcePos("r.json", 4, 14)
    problem = only(recipe)
    assert at(problem) == (4, 72)
    assert problem.message == "step 'a': timeout must be a number of seconds > 0, got -1"


def test_syntax_error_position(load_text):
    with pytest.raises(RecipeError) as info:
        load_text("metadata:\n  name: x\nsteps:\n  - name: a: b\n", "r.yaml")
    assert info.value.pos == SourcePos("r.yaml", 4, 12)
    assert str(info.value) == "r.yaml:4:12: invalid YAML: mapping values are not allowed here"
