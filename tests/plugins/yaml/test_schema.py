"""``f0 schema`` and ``f0 validate`` agree: same recipes accepted, same mistakes rejected."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from f0 import COMMON_STEP_KEYS
from f0.hooks import Hooks
from f0.manager import PluginSelection, make_plugin_manager
from f0.testing import invoke_cli
from f0.validate import load_and_validate
from f0_yaml._format import STEP_FIELDS, TOP_LEVEL_FIELDS
from f0_yaml._retry import DEFAULTS_KEYS, RETRY_KEYS
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = sorted((ROOT / "examples").rglob("recipe.yaml"))

GOOD = """\
metadata: {name: s}
steps:
  - name: a
    idx: 1
    module: steps
    function: f
    args: {n: 1}
  - name: b
    idx: 2
    type: shell
    command: "true"
    depends_on: a
"""


@pytest.fixture(scope="module")
def hooks():
    return Hooks(make_plugin_manager(PluginSelection()))


@pytest.fixture(scope="module")
def validator(hooks):
    out = invoke_cli(hooks.pm, "schema")
    assert out.exit_code == 0, out.output
    schema = json.loads(out.stdout)
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def _data(path: Path):
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def _errors(hooks, path: Path) -> list[str]:
    _, _, problems = load_and_validate(hooks, path)
    return [str(p) for p in problems if p.is_error]


def test_the_model_covers_every_key_the_kernel_and_loader_know():
    assert set(STEP_FIELDS) == set(COMMON_STEP_KEYS)
    assert set(DEFAULTS_KEYS) == {"timeout", "retry_count", "retries", "retry"}
    assert set(RETRY_KEYS) == set(STEP_FIELDS["retry"]["properties"])
    assert {"metadata", "steps", "defaults", "lenient", "workdir"} == set(TOP_LEVEL_FIELDS)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_example_is_valid_for_both(path, hooks, validator):
    assert _errors(hooks, path) == []
    assert [e.message for e in validator.iter_errors(_data(path))] == []


BAD = {
    # A mistake, and what it looks like to f0 validate.
    "unknown step key": ("    depends_on: a\n", "    depend_on: a\n"),
    "unknown top-level key": ("metadata:", "metdata: 1\nmetadata:"),
    "unknown retry key": ("    args: {n: 1}\n", "    args: {n: 1}\n    retry: {dealy: 1}\n"),
    "unknown key of the step's type": (
        '    command: "true"\n',
        '    command: "true"\n    comand: x\n',
    ),
    "a key of another step type": ("    args: {n: 1}\n", "    args: {n: 1}\n    command: x\n"),
    "an unknown step type": ("type: shell", "type: shel"),
    "a python step without module": ("    module: steps\n", ""),
    "wrong type: timeout": ("    args: {n: 1}\n", "    args: {n: 1}\n    timeout: soon\n"),
    "wrong type: enabled": ("    args: {n: 1}\n", "    args: {n: 1}\n    enabled: 'yes'\n"),
    "wrong type: idx": ("idx: 1", "idx: first"),
    "wrong type: args": ("args: {n: 1}", "args: 3"),
    "wrong type: depends_on": ("depends_on: a", "depends_on: {a: 1}"),
    "wrong type: retries": ("    args: {n: 1}\n", "    args: {n: 1}\n    retries: -1\n"),
    "wrong type: cache": ("    args: {n: 1}\n", "    args: {n: 1}\n    cache: 0\n"),
    "wrong type: lenient": ("metadata:", "lenient: 1\nmetadata:"),
    "wrong type: metadata.name": ("{name: s}", "{name: 5}"),
    "wrong type: success_criteria": (
        "    args: {n: 1}\n",
        "    args: {n: 1}\n    success_criteria: {exit_code: zero}\n",
    ),
    "wrong type: defaults.timeout": ("metadata:", "defaults: {timeout: 0}\nmetadata:"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_mistake_is_rejected_by_both(case, tmp_path, hooks, validator):
    old, new = BAD[case]
    assert old in GOOD
    good = tmp_path / "good.yaml"
    good.write_text(GOOD, encoding="utf-8")
    (tmp_path / "steps.py").write_text("def f(context, params):\n    pass\n", encoding="utf-8")
    assert _errors(hooks, good) == []
    assert list(validator.iter_errors(_data(good))) == []
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace(old, new, 1), encoding="utf-8")
    assert _errors(hooks, bad), f"f0 validate accepts {case}"
    assert list(validator.iter_errors(_data(bad))), f"the schema accepts {case}"


def test_null_means_the_default_for_both(tmp_path, hooks, validator):
    path = tmp_path / "r.yaml"
    path.write_text(
        GOOD.replace("    args: {n: 1}\n", "    args:\n    timeout:\n"), encoding="utf-8"
    )
    (tmp_path / "steps.py").write_text("def f(context, params):\n    pass\n", encoding="utf-8")
    assert _errors(hooks, path) == []
    assert list(validator.iter_errors(_data(path))) == []
