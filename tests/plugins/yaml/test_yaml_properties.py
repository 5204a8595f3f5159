"""Property tests: whatever the text, the loader returns a sane Recipe or raises an F0Error."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import attrs
import pytest
from f0 import COMMON_STEP_KEYS, F0Error, Problem, Recipe, RetryPolicy, Severity, SourcePos
from f0.testing import invoke_cli
from f0_yaml import f0_load_recipe
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# -- strategies: valid seeds, their mutants, recipe-shaped data -------------------
SEEDS = [
    """\
metadata:
  name: pipeline
  version: "2.0"
  tags: [etl]
defaults:
  timeout: 30
  retries: 1
  retry: {delay: 0.5, factor: 2, max_delay: 10, jitter: 0}
steps:
  - name: setup
    idx: 1
    module: builtins
    function: print
    args: [hello]
  - name: process
    idx: 2
    module: json
    function: dumps
    args: {obj: [1, 2]}
    depends_on: [setup]
    timeout: 5
    retry_count: 2
    success_criteria: {exit_code: 0, context_keys: [a]}
  - name: shell
    idx: 3
    type: shell
    command: echo hi
    enabled: false
""",
    """\
# flow style, anchors and a merge key
metadata: {name: flow, author: me, requirements: [x>=1]}
steps:
  - &base {name: a, idx: 1, module: m, function: f, retry: {delay: 1}}
  - <<: *base
    name: b
    idx: 2
    depends_on: a
    retries: 3
""",
    """\
steps:
  - name: only
    module: m
    function: f
    description: |
      a block scalar
    extra: {nested: [1, 2, {deep: true}]}
""",
    json.dumps(
        {
            "metadata": {"name": "json"},
            "steps": [
                {
                    "name": "a",
                    "idx": 1,
                    "module": "m",
                    "function": "f",
                    "args": {"x": [1, None, True]},
                },
                {
                    "name": "b",
                    "idx": 2,
                    "module": "m",
                    "function": "f",
                    "depends_on": ["a"],
                    "timeout": 1.5,
                },
            ],
        },
        indent=2,
    ),
]

#: Characters that mean something to YAML, plus a little ordinary text.
YAML_CHARS = ":-[]{}#&*!|>'\"%@`,?~\\\n\r\t\x85\u2028\ufeff abc019"
#: Replacement values that YAML reads as every kind of thing.
SCALARS = [
    "",
    "~",
    "null",
    "true",
    "false",
    "yes",
    "no",
    "on",
    "-1",
    "0",
    "1",
    "1.5",
    "2.10",
    ".inf",
    "-.inf",
    ".nan",
    "0x1F",
    "0o17",
    "1e309",
    "1_000",
    "'x'",
    '"\\u00e9"',
    "[]",
    "{}",
    "[a, 1]",
    "{a: 1}",
    "!!str 1",
    "!!int 3",
    "!!binary aGk=",
    "!custom tag",
    "&anchor 1",
    "*anchor",
    "2024-01-01",
    "2024-01-01T10:00:00Z",
    "|\n  block",
    ">-\n  folded",
    "[[[]]]",
    "{a: {b: {c: d}}}",
    "? a\n  : b",
    "a: b",
    "- x",
    "é",
    "\U0001f600",
    "'",
    '"',
    "[",
    "{",
    "!!float",
    "!!timestamp x",
    "<<: *anchor",
]
_VALUE = re.compile(r"(?<=: )[^\n]*|(?<=- )[^\n]*")


@st.composite
def mutated_recipe(draw: st.DrawFn) -> str:
    """A valid seed recipe after one to five random edits."""
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 5))):
        text = draw(_mutation(text))
    return text


def _mutation(text: str) -> st.SearchStrategy[str]:
    lines = text.split("\n")
    size = max(len(text), 1)
    where = st.integers(0, size)
    line_no = st.integers(0, len(lines) - 1)

    def insert(i: int, chunk: str) -> str:
        return text[:i] + chunk + text[i:]

    def delete(i: int, n: int) -> str:
        return text[:i] + text[i + n :]

    def replace_value(k: int, value: str) -> str:
        spans = [m.span() for m in _VALUE.finditer(text)]
        if not spans:
            return text
        start, end = spans[k % len(spans)]
        return text[:start] + value + text[end:]

    def dup_line(i: int) -> str:
        return "\n".join([*lines[: i + 1], lines[i], *lines[i + 1 :]])

    def drop_line(i: int) -> str:
        return "\n".join(lines[:i] + lines[i + 1 :])

    def swap_lines(i: int, j: int) -> str:
        swapped = list(lines)
        swapped[i], swapped[j] = swapped[j], swapped[i]
        return "\n".join(swapped)

    def indent_line(i: int, by: int) -> str:
        changed = list(lines)
        changed[i] = " " * by + changed[i].lstrip(" ") if by >= 0 else changed[i][-by:]
        return "\n".join(changed)

    return st.one_of(
        st.builds(insert, where, st.text(YAML_CHARS, min_size=1, max_size=4)),
        st.builds(delete, where, st.integers(1, 8)),
        st.builds(replace_value, st.integers(0, 1000), st.sampled_from(SCALARS)),
        st.builds(dup_line, line_no),
        st.builds(drop_line, line_no),
        st.builds(swap_lines, line_no, line_no),
        st.builds(indent_line, line_no, st.integers(-4, 6)),
    )


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)

_STEP_KEYS = [
    "name",
    "idx",
    "type",
    "module",
    "function",
    "args",
    "depends_on",
    "timeout",
    "retry_count",
    "retries",
    "retry",
    "enabled",
    "success_criteria",
    "description",
    "command",
]


def _maybe_valid(key: str) -> st.SearchStrategy[object]:
    good: dict[str, st.SearchStrategy[object]] = {
        "name": st.text("abcdef_", min_size=1, max_size=5),
        "idx": st.integers(-3, 20),
        "type": st.sampled_from(["python", "shell", "http"]),
        "module": st.sampled_from(["m", "pkg.mod"]),
        "function": st.sampled_from(["f", "Cls"]),
        "args": st.dictionaries(st.text("xyz", min_size=1, max_size=2), json_values, max_size=3)
        | st.lists(json_values, max_size=3),
        "depends_on": st.lists(st.text("abcdef_", min_size=1, max_size=5), max_size=3),
        "timeout": st.floats(0.001, 1e6),
        "retry_count": st.integers(0, 5),
        "retries": st.integers(0, 5),
        "retry": st.fixed_dictionaries(
            {},
            optional={
                "delay": st.floats(0, 100),
                "factor": st.floats(1, 10),
                "max_delay": st.floats(0, 100),
                "jitter": st.floats(0, 1),
            },
        ),
        "enabled": st.booleans(),
        "success_criteria": st.fixed_dictionaries(
            {},
            optional={
                "exit_code": st.integers(0, 3),
                "context_keys": st.lists(st.text("ab.", min_size=1)),
            },
        ),
        "description": st.text(max_size=10),
        "command": st.text(max_size=10),
    }
    return good[key] | json_values


step_dicts = st.dictionaries(
    st.sampled_from(_STEP_KEYS), st.just(None), max_size=len(_STEP_KEYS)
).flatmap(lambda keys: st.fixed_dictionaries({k: _maybe_valid(k) for k in keys}))

recipe_dicts = st.fixed_dictionaries(
    {},
    optional={
        "metadata": st.fixed_dictionaries(
            {},
            optional={
                "name": st.text(min_size=1, max_size=6) | json_values,
                "version": json_values,
            },
        )
        | json_values,
        "defaults": st.fixed_dictionaries(
            {},
            optional={
                "timeout": _maybe_valid("timeout"),
                "retries": _maybe_valid("retries"),
                "retry": _maybe_valid("retry"),
            },
        )
        | json_values,
        "steps": st.lists(step_dicts | json_values, max_size=4) | json_values,
        "other": json_values,
    },
)


# -- checks ------------------------------------------------------------------------

PLAIN = (dict, list, str, int, float, bool, type(None))
CODE = re.compile(r"[EW]\d{3}")


def load_text(text: str, name: str) -> Recipe:
    """The positioned load; the fast reader must give the same recipe or the same error."""
    try:
        fast: Recipe | str = f0_load_recipe(path=Path(name), text=text, positions=False)
    except F0Error as exc:
        fast = str(exc)
    try:
        recipe = f0_load_recipe(path=Path(name), text=text, positions=True)
    except F0Error as exc:
        assert fast == str(exc)  # noqa: PT017 - the same error both ways, then the caller sees it
        raise
    assert recipe is not None
    assert isinstance(fast, Recipe), fast
    assert fast.file_hash == recipe.file_hash
    assert fast.problems == recipe.problems
    assert [repr(attrs.evolve(s, pos=None, key_pos={})) for s in fast.steps] == [
        repr(attrs.evolve(s, pos=None, key_pos={})) for s in recipe.steps
    ]
    return recipe


def load_or_error(text: str, name: str) -> Recipe | F0Error:
    """The loader's answer; anything but a Recipe or an F0Error fails the test."""
    try:
        return load_text(text, name)
    except F0Error as exc:
        return exc


def check(text: str, name: str = "recipe.yaml") -> Recipe | F0Error:
    result = load_or_error(text, name)
    if isinstance(result, F0Error):
        assert "\n" not in str(result), str(result)
        assert result.pos is not None or result.where == name
        if result.pos is not None:
            check_pos(result.pos, text, name)
        return result
    assert isinstance(result, Recipe)
    check_recipe(result, text, name)
    return result


def check_pos(pos: SourcePos, text: str, name: str) -> None:
    assert pos.path == name
    assert 1 <= pos.line <= text.count("\n") + text.count("\r") + 2
    assert pos.col >= 1


def check_problem(problem: Problem, text: str, name: str) -> None:
    assert isinstance(problem.message, str)
    assert problem.message
    assert "\n" not in problem.message
    assert problem.code is not None
    assert CODE.fullmatch(problem.code)
    assert problem.severity is (Severity.ERROR if problem.code[0] == "E" else Severity.WARNING)
    assert problem.pos is not None, str(problem)
    check_pos(problem.pos, text, name)


def check_plain(value: object) -> None:
    assert type(value) in PLAIN or not isinstance(value, dict | list), type(value)
    if isinstance(value, dict):
        for item in value.values():
            check_plain(item)
    elif isinstance(value, list):
        for item in value:
            check_plain(item)


def check_policy(policy: RetryPolicy) -> None:
    assert isinstance(policy.retries, int)
    assert policy.retries >= 0
    assert policy.factor >= 1
    assert min(policy.delay, policy.max_delay, policy.jitter) >= 0
    assert all(
        math.isfinite(v) for v in (policy.delay, policy.factor, policy.max_delay, policy.jitter)
    )


def check_recipe(recipe: Recipe, text: str, name: str) -> None:
    assert isinstance(recipe.name, str)
    assert recipe.name
    assert recipe.metadata["name"] == recipe.name
    assert recipe.path == Path(name)
    assert re.fullmatch(r"[0-9a-f]{64}", recipe.file_hash)
    check_plain(recipe.raw)
    check_plain(recipe.metadata)
    check_policy(recipe.retry)
    for problem in recipe.problems:
        check_problem(problem, text, name)
    for step in recipe.steps:
        assert isinstance(step.name, str)
        assert step.name
        assert isinstance(step.idx, int)
        assert not isinstance(step.idx, bool)
        assert isinstance(step.type, str)
        assert step.type
        assert step.module is None or isinstance(step.module, str)
        assert isinstance(step.args, dict | list)
        assert all(isinstance(d, str) and d for d in step.depends_on)
        assert step.timeout is None or (isinstance(step.timeout, float) and step.timeout > 0)
        assert isinstance(step.enabled, bool)
        check_policy(step.retry)
        assert set(step.options).isdisjoint(COMMON_STEP_KEYS)
        check_plain(dict(step.options))
        assert step.pos is not None
        check_pos(step.pos, text, name)
        for key, pos in step.key_pos.items():
            assert isinstance(key, str)
            check_pos(pos, text, name)
    if not any(p.is_error for p in recipe.problems):
        assert recipe.steps, "a recipe without errors has steps"


def test_every_seed_is_valid():
    for seed in SEEDS:
        recipe = check(seed)
        assert isinstance(recipe, Recipe)
        assert not any(p.is_error for p in recipe.problems), [str(p) for p in recipe.problems]


@given(st.text(max_size=200))
@settings(max_examples=200)
def test_random_text(text):
    check(text)


@given(st.text(YAML_CHARS, max_size=120), st.sampled_from(["r.yaml", "r.yml", "r.json"]))
@settings(max_examples=300)
def test_random_yaml_punctuation(text, name):
    check(text, name)


@given(mutated_recipe())
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_mutated_recipes(text):
    check(text)


@given(recipe_dicts, st.sampled_from(["r.json", "r.yaml"]))
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_recipe_shaped_data(data, name):
    # JSON text is YAML too: the same data goes through both suffixes.
    text = json.dumps(data, indent=1)
    result = check(text, name)
    if isinstance(result, Recipe):
        assert result.raw == data


@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "idx": st.integers(-5, 100),
                "timeout": st.none() | st.floats(0.001, 1e6),
                "retries": st.integers(0, 10),
                "delay": st.floats(0, 1e3),
                "factor": st.floats(1, 100),
                "enabled": st.booleans(),
                "args": st.dictionaries(
                    st.text("abc", min_size=1, max_size=3), st.integers(), max_size=3
                )
                | st.lists(st.text(max_size=5), max_size=3),
                "options": st.dictionaries(
                    st.sampled_from(["command", "url", "env"]), st.text(max_size=5), max_size=2
                ),
            }
        ),
        min_size=1,
        max_size=5,
    )
)
def test_valid_values_round_trip(specs):
    steps = []
    for n, spec in enumerate(specs):
        step = {
            "name": f"s{n}",
            "idx": spec["idx"],
            "module": "m",
            "function": "f",
            "args": spec["args"],
            "retries": spec["retries"],
            "retry": {"delay": spec["delay"], "factor": spec["factor"]},
            "enabled": spec["enabled"],
            **spec["options"],
        }
        if spec["timeout"] is not None:
            step["timeout"] = spec["timeout"]
        steps.append(step)
    recipe = load_text(json.dumps({"metadata": {"name": "rt"}, "steps": steps}), "rt.json")
    assert recipe.problems == ()
    for spec, step in zip(specs, recipe.steps, strict=True):
        assert step.idx == spec["idx"]
        assert step.timeout == spec["timeout"]
        assert step.retry == RetryPolicy(
            retries=spec["retries"], delay=spec["delay"], factor=spec["factor"]
        )
        assert step.enabled is spec["enabled"]
        assert step.args == spec["args"]
        assert step.options == spec["options"]


@pytest.fixture(scope="module")
def cli_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("cli")


@given(mutated_recipe() | st.text(YAML_CHARS, max_size=120), st.sampled_from(["r.yaml", "r.json"]))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_f0_validate_never_crashes(cli_pm, cli_dir, text, name):
    path = cli_dir / name
    path.write_text(text, encoding="utf-8")
    # invoke_cli re-raises anything but SystemExit: a crash fails the test.
    result = invoke_cli(cli_pm, "validate", str(path))
    assert result.exit_code in {0, 2}, result.output
    assert "Traceback" not in result.output
    lines = result.stdout.splitlines()
    assert lines
    assert lines[-1].startswith(f"{path}: ")


@pytest.mark.parametrize("brk", ["\x85", "\u2028", "\u2029"])
def test_yaml_11_line_breaks_read_the_same_both_ways(brk: str) -> None:
    # yaml-rs reads NEL/LS/PS as text, ruamel.yaml as line breaks: found by
    # test_mutated_recipes; such a file must take the positioned reader.
    text = (
        '{"metadata": {"name": "j"}, "steps": [{"name":' + brk + ' "a", "idx": 1, '
        '"module": "m", "function": "f"}]}'
    )
    recipe = load_text(text, "recipe.yaml")
    assert recipe.steps[0].name == "a"
