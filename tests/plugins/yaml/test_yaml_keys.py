"""Every key of a recipe, its default, its aliases, ``defaults:`` and ``retry:``."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import pytest
from f0 import COMMON_STEP_KEYS, RetryPolicy, Severity, Step

MINIMAL = """
metadata:
  name: demo
steps:
  - name: only
    idx: 1
    module: m
    function: f
"""


def test_minimal_recipe_gets_every_default(load):
    recipe = load(MINIMAL)
    assert recipe.problems == ()
    assert recipe.name == "demo"
    assert recipe.metadata == {
        "name": "demo",
        "version": "1.0",
        "description": "",
        "author": "",
        "tags": [],
        "requirements": [],
    }
    assert recipe.retry == RetryPolicy()
    (step,) = recipe.steps
    assert step == Step(
        name="only", idx=1, module="m", function="f", pos=step.pos, key_pos=step.key_pos
    )
    assert step.type == "python"
    assert step.args == {}
    assert step.depends_on == ()
    assert step.timeout is None
    assert step.retry == RetryPolicy(retries=0)
    assert step.enabled is True
    assert step.success_criteria == {}
    assert step.options == {}


def test_path_raw_and_hash(load, tmp_path):
    recipe = load(MINIMAL)
    assert recipe.path == tmp_path / "recipe.yaml"
    raw = {
        "metadata": {"name": "demo"},
        "steps": [{"name": "only", "idx": 1, "module": "m", "function": "f"}],
    }
    assert recipe.raw == raw
    canonical = json.dumps(raw, sort_keys=True, separators=(",", ":"), default=str)
    assert recipe.file_hash == hashlib.sha256(canonical.encode()).hexdigest()


def test_hash_ignores_formatting_but_not_content(load_text):
    a = load_text("metadata: {name: x}\nsteps: [{name: s, idx: 1, module: m, function: f}]\n")
    b = load_text(
        "# a comment\nsteps:\n  - {function: f, module: m, idx: 1, name: s}\nmetadata:\n  name: x\n"
    )
    c = load_text(
        json.dumps(
            {
                "metadata": {"name": "x"},
                "steps": [{"name": "s", "idx": 1, "module": "m", "function": "f"}],
            }
        ),
        "recipe.json",
    )
    d = load_text("metadata: {name: x}\nsteps: [{name: s, idx: 2, module: m, function: f}]\n")
    assert a.file_hash == b.file_hash == c.file_hash
    assert a.file_hash != d.file_hash


def test_every_step_key(load):
    recipe = load(
        """
        metadata: {name: all}
        steps:
          - name: first
            idx: 1
            module: m
            function: f
          - name: clean
            idx: 7
            type: python
            module: pkg.mod
            function: Cleaner
            args: {path: /tmp, force: true}
            depends_on: [first]
            timeout: 2.5
            retry_count: 3
            enabled: false
            success_criteria: {exit_code: 3, context_keys: [a.b, c]}
            description: Cleans up.
        """
    )
    assert recipe.problems == ()
    step = recipe.step("clean")
    assert step.idx == 7
    assert step.type == "python"
    assert (step.module, step.function) == ("pkg.mod", "Cleaner")
    assert step.args == {"path": "/tmp", "force": True}
    assert step.depends_on == ("first",)
    assert step.timeout == 2.5
    assert step.retry == RetryPolicy(retries=3)
    assert step.enabled is False
    assert step.success_criteria == {"exit_code": 3, "context_keys": ["a.b", "c"]}
    # description is a common key: read and checked, never an option.
    assert step.options == {}


def test_integer_timeout_becomes_float(load):
    recipe = load(MINIMAL + "    timeout: 60\n")
    assert recipe.steps[0].timeout == 60.0
    assert isinstance(recipe.steps[0].timeout, float)


def test_args_may_be_a_list(load):
    recipe = load(MINIMAL + "    args: [hello, 1, {a: b}]\n")
    step = recipe.steps[0]
    assert step.args == ["hello", 1, {"a": "b"}]
    assert step.params == {"args": ["hello", 1, {"a": "b"}]}
    assert recipe.problems == ()


def test_depends_on_accepts_one_string(load):
    recipe = load(
        """
        metadata: {name: x}
        steps:
          - {name: a, idx: 1, module: m, function: f}
          - {name: b, idx: 2, module: m, function: f, depends_on: a}
        """
    )
    assert recipe.problems == ()
    assert recipe.step("b").depends_on == ("a",)


def test_retries_is_an_alias_of_retry_count(load):
    recipe = load(MINIMAL + "    retries: 4\n")
    assert recipe.problems == ()
    assert recipe.steps[0].retry.retries == 4


def test_retry_mapping_is_merged_into_the_policy(load):
    recipe = load(
        MINIMAL + "    retries: 2\n    retry: {delay: 0.5, factor: 3, max_delay: 10, jitter: 0}\n"
    )
    assert recipe.problems == ()
    assert recipe.steps[0].retry == RetryPolicy(
        retries=2, delay=0.5, factor=3.0, max_delay=10.0, jitter=0.0
    )


def test_partial_retry_mapping_keeps_the_other_defaults(load):
    recipe = load(MINIMAL + "    retry: {delay: 5}\n")
    assert recipe.steps[0].retry == RetryPolicy(delay=5.0)


def test_defaults_fill_steps_that_set_nothing(load):
    recipe = load(
        """
        metadata: {name: x}
        defaults:
          timeout: 30
          retries: 2
          retry: {delay: 0.25, jitter: 0}
        steps:
          - {name: plain, idx: 1, module: m, function: f}
          - name: own
            idx: 2
            module: m
            function: f
            timeout: 5
            retry_count: 0
            retry: {delay: 1, factor: 4}
        """
    )
    assert recipe.problems == ()
    assert recipe.retry == RetryPolicy(retries=2, delay=0.25, jitter=0.0)
    plain, own = recipe.steps
    assert plain.timeout == 30.0
    assert plain.retry == RetryPolicy(retries=2, delay=0.25, jitter=0.0)
    assert own.timeout == 5.0
    # The step's own values win key by key; the rest still come from defaults.
    assert own.retry == RetryPolicy(retries=0, delay=1.0, factor=4.0, jitter=0.0)


def test_defaults_accept_retry_count(load):
    recipe = load(
        """
        metadata: {name: x}
        defaults: {retry_count: 3}
        steps: [{name: a, idx: 1, module: m, function: f}]
        """
    )
    assert recipe.problems == ()
    assert recipe.retry.retries == 3
    assert recipe.steps[0].retry.retries == 3


def test_unknown_step_keys_become_options_without_warnings(load):
    recipe = load(
        """
        metadata: {name: x}
        steps:
          - name: sh
            idx: 1
            type: shell
            command: echo hi
            env: {A: "1", B: [x, {y: z}]}
            cwd: null
        """
    )
    assert recipe.problems == ()
    step = recipe.steps[0]
    assert step.options == {
        "command": "echo hi",
        "env": {"A": "1", "B": ["x", {"y": "z"}]},
        "cwd": None,
    }
    assert type(step.options["env"]) is dict
    assert type(step.options["env"]["B"]) is list
    assert set(step.options).isdisjoint(COMMON_STEP_KEYS)


def test_other_step_types_do_not_need_module_or_function(load):
    recipe = load("metadata: {name: x}\nsteps: [{name: a, idx: 1, type: shell, command: ls}]\n")
    assert recipe.problems == ()
    assert recipe.steps[0].module is None
    assert recipe.steps[0].function is None


def test_missing_idx_is_the_position_in_the_list(load):
    recipe = load(
        """
        metadata: {name: x}
        steps:
          - {name: a, module: m, function: f}
          - {name: b, module: m, function: f}
        """
    )
    assert [s.idx for s in recipe.steps] == [1, 2]
    assert [p.code for p in recipe.problems] == ["W003", "W003"]
    assert all(p.severity is Severity.WARNING for p in recipe.problems)
    assert (
        recipe.problems[1].message == "step 'b': idx is missing; using its position in the list, 2"
    )


def test_null_values_mean_the_default(load):
    recipe = load(
        MINIMAL
        + "    timeout:\n    args:\n    depends_on:\n"
        + "    enabled:\n    retries: ~\n    success_criteria:\n"
    )
    assert recipe.problems == ()
    step = recipe.steps[0]
    assert (step.timeout, step.args, step.depends_on, step.enabled) == (None, {}, (), True)
    assert step.retry == RetryPolicy()


def test_metadata_keys_and_extra_keys_are_kept(load):
    recipe = load(
        """
        metadata:
          name: full
          version: "2.0"
          description: A recipe.
          author: Ada
          tags: [etl, nightly]
          requirements: ["requests>=2"]
          created: 2024-05-01
          owner: {team: data}
        steps: [{name: a, idx: 1, module: m, function: f}]
        """
    )
    assert recipe.problems == ()
    assert recipe.metadata == {
        "name": "full",
        "version": "2.0",
        "description": "A recipe.",
        "author": "Ada",
        "tags": ["etl", "nightly"],
        "requirements": ["requests>=2"],
        "created": date(2024, 5, 1),
        "owner": {"team": "data"},
    }


def test_missing_name_falls_back_to_the_file_stem(load, only):
    recipe = load("steps: [{name: a, idx: 1, module: m, function: f}]\n", name="nightly-etl.yaml")
    assert recipe.name == "nightly-etl"
    assert recipe.metadata["name"] == "nightly-etl"
    problem = only(recipe)
    assert problem.code == "W002"
    assert problem.severity is Severity.WARNING
    assert problem.message == "metadata.name is missing; using the file name 'nightly-etl'"


def test_numeric_version_is_kept_as_text_with_a_warning(load, only):
    recipe = load(
        "metadata: {name: x, version: 2.0}\nsteps: [{name: a, idx: 1, module: m, function: f}]\n"
    )
    assert recipe.metadata["version"] == "2.0"
    assert only(recipe).code == "W004"


def test_raw_holds_plain_python_types_only(load):
    recipe = load(
        """
        metadata: {name: x}
        base: &base {module: m, function: f, flag: &t true}
        steps:
          - <<: *base
            name: a
            idx: 0x1
            text: |
              block
            enabled: *t
        """
    )

    def walk(value):
        assert type(value) in (dict, list, str, int, float, bool, type(None)), type(value)
        if isinstance(value, dict):
            for k, v in value.items():
                walk(k)
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(recipe.raw)
    walk(recipe.metadata)
    step = recipe.steps[0]
    walk(dict(step.options))
    # The anchored ``true`` (an int subclass in ruamel) is a real bool again.
    assert step.enabled is True
    assert step.idx == 1
    assert step.options["text"] == "block\n"


def test_merge_keys_fill_a_step(load):
    recipe = load(
        """
        metadata: {name: x}
        steps:
          - &common {name: a, idx: 1, module: m, function: f, timeout: 9}
          - <<: *common
            name: b
            idx: 2
        """
    )
    assert recipe.problems == ()
    b = recipe.step("b")
    assert (b.module, b.function, b.timeout) == ("m", "f", 9.0)


@pytest.mark.parametrize(
    "name", ["recipe.yaml", "recipe.yml", "recipe.YML", "recipe.Yaml", "R.JSON"]
)
def test_suffixes_are_case_insensitive(load, name):
    recipe = load(
        '{"metadata": {"name": "x"},'
        ' "steps": [{"name": "a", "idx": 1, "module": "m", "function": "f"}]}',
        name,
    )
    assert recipe.problems == ()
    assert recipe.steps[0].name == "a"


def test_json_recipe(load):
    recipe = load(
        """
        {
        \t"metadata": {"name": "from-json", "tags": ["a"]},
        \t"steps": [
        \t\t{"name": "a", "idx": 1, "module": "m", "function": "f", "args": [1, 2.5, null, true]},
        \t\t{"name": "b", "idx": 2, "module": "m", "function": "f",
        \t\t "depends_on": ["a"], "retries": 1}
        \t]
        }
        """,
        "recipe.json",
    )
    assert recipe.problems == ()
    assert recipe.name == "from-json"
    assert recipe.steps[0].args == [1, 2.5, None, True]
    assert recipe.step("b").depends_on == ("a",)
    assert recipe.step("b").retry.retries == 1
