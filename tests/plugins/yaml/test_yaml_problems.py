"""Every bad input gives exactly one clear problem at the right place; all are collected."""

from __future__ import annotations

import pytest
from f0 import F0Error, RecipeError, Severity, SourcePos

_BASE = {"name": "name: s", "idx": "idx: 1", "module": "module: m", "function": "function: f"}


def step_recipe(extra: str = "", **lines: str | None) -> str:
    """A one-step recipe: name on line 3, idx 4, module 5, function 6, *extra* from 7.

    ``key=None`` drops that key (its line becomes a comment, so lines stay put).
    """
    body = {**_BASE, **lines}
    first, *rest = (body[k] or "# (dropped)" for k in _BASE)
    text = "metadata: {name: x}\nsteps:\n  - " + first + "\n"
    text += "".join(f"    {line}\n" for line in rest)
    text += "".join(f"    {line}\n" for line in extra.splitlines())
    return text


STEP_CASES = [
    # Each case: extra step lines, replaced lines, code, line and column, message.
    (
        "timeout: soon",
        {},
        "E004",
        (7, 14),
        "step 's': timeout must be a number of seconds > 0, got 'soon'",
    ),
    ("timeout: 0", {}, "E004", (7, 14), "step 's': timeout must be a number of seconds > 0, got 0"),
    (
        "timeout: -1.5",
        {},
        "E004",
        (7, 14),
        "step 's': timeout must be a number of seconds > 0, got -1.5",
    ),
    (
        "timeout: true",
        {},
        "E004",
        (7, 14),
        "step 's': timeout must be a number of seconds > 0, got true",
    ),
    (
        "timeout: .inf",
        {},
        "E004",
        (7, 14),
        "step 's': timeout must be a number of seconds > 0, got inf",
    ),
    (
        "timeout: '30'",
        {},
        "E004",
        (7, 14),
        "step 's': timeout must be a number of seconds > 0, got '30'",
    ),
    ("", {"idx": "idx: '1'"}, "E004", (4, 10), "step 's': idx must be a whole number, got '1'"),
    ("", {"idx": "idx: 1.5"}, "E004", (4, 10), "step 's': idx must be a whole number, got 1.5"),
    ("", {"idx": "idx: true"}, "E004", (4, 10), "step 's': idx must be a whole number, got true"),
    (
        "type: 3",
        {},
        "E004",
        (7, 11),
        "step 's': type must be a non-empty string, got 3; quote it: type: '3'",
    ),
    ("type: ''", {}, "E004", (7, 11), "step 's': type must be a non-empty string, got ''"),
    (
        "",
        {"module": "module: ''"},
        "E004",
        (5, 13),
        "step 's': module must be a non-empty string, got ''",
    ),
    (
        "",
        {"module": "module: 3"},
        "E004",
        (5, 13),
        "step 's': module must be a non-empty string, got 3; quote it: module: '3'",
    ),
    (
        "",
        {"function": "function: [a]"},
        "E004",
        (6, 15),
        "step 's': function must be a non-empty string, got a list",
    ),
    (
        "args: 3",
        {},
        "E004",
        (7, 11),
        "step 's': args must be a mapping (keyword arguments) or a list (positional arguments), got 3",
    ),
    (
        "args: text",
        {},
        "E004",
        (7, 11),
        "step 's': args must be a mapping (keyword arguments) or a list (positional arguments), got 'text'",
    ),
    (
        "depends_on: 3",
        {},
        "E004",
        (7, 17),
        "step 's': depends_on must be a list of strings or one string, got 3",
    ),
    (
        "depends_on: {a: b}",
        {},
        "E004",
        (7, 17),
        "step 's': depends_on must be a list of strings or one string, got a mapping",
    ),
    (
        "depends_on: [a, 3]",
        {},
        "E004",
        (7, 21),
        "step 's': depends_on[1] must be a non-empty string, got 3",
    ),
    (
        "depends_on: ['']",
        {},
        "E004",
        (7, 18),
        "step 's': depends_on[0] must be a non-empty string, got ''",
    ),
    (
        "retry_count: -1",
        {},
        "E004",
        (7, 18),
        "step 's': retry_count must be a whole number >= 0, got -1",
    ),
    (
        "retry_count: 1.5",
        {},
        "E004",
        (7, 18),
        "step 's': retry_count must be a whole number >= 0, got 1.5",
    ),
    ("retries: '2'", {}, "E004", (7, 14), "step 's': retries must be a whole number >= 0, got '2'"),
    (
        "retry_count: 1\nretries: 1",
        {},
        "E003",
        (8, 5),
        "step 's': give either retry_count or retries (an alias), not both",
    ),
    (
        "enabled: 'false'",
        {},
        "E004",
        (7, 14),
        "step 's': enabled must be true or false, got 'false' (YAML 1.2 reads yes/no/on/off as text: write true or false, unquoted)",
    ),
    (
        "enabled: yes",
        {},
        "E004",
        (7, 14),
        "step 's': enabled must be true or false, got 'yes' (YAML 1.2 reads yes/no/on/off as text: write true or false, unquoted)",
    ),
    ("enabled: 1", {}, "E004", (7, 14), "step 's': enabled must be true or false, got 1"),
    (
        "success_criteria: 3",
        {},
        "E004",
        (7, 23),
        "step 's': success_criteria must be a mapping with exit_code and/or context_keys, got 3",
    ),
    (
        "success_criteria: {exit_code: '0'}",
        {},
        "E004",
        (7, 35),
        "step 's': success_criteria.exit_code must be a whole number, got '0'",
    ),
    (
        "success_criteria: {context_keys: a}",
        {},
        "E004",
        (7, 38),
        "step 's': success_criteria.context_keys must be a list of strings, got 'a'",
    ),
    (
        "success_criteria: {exit_code: 0, bogus: 1}",
        {},
        "E031",
        (7, 38),
        "step 's': unknown key 'success_criteria.bogus' (known: success_criteria.context_keys, success_criteria.exit_code)",
    ),
    (
        "success_criteria: {exit_cod: 0}",
        {},
        "E031",
        (7, 24),
        "step 's': unknown key 'success_criteria.exit_cod'; did you mean `success_criteria.exit_code`?",
    ),
    ("description: [a]", {}, "E004", (7, 18), "step 's': description must be a string, got a list"),
    (
        "retry: 3",
        {},
        "E004",
        (7, 12),
        "step 's': retry must be a mapping with delay, factor, max_delay, jitter, got 3; for a number of retries use retries: N",
    ),
    (
        "retry: {delay: -1}",
        {},
        "E004",
        (7, 20),
        "step 's': retry.delay must be a number of seconds >= 0, got -1",
    ),
    (
        "retry: {factor: 0.5}",
        {},
        "E004",
        (7, 21),
        "step 's': retry.factor must be a number >= 1, got 0.5",
    ),
    (
        "retry: {max_delay: soon}",
        {},
        "E004",
        (7, 24),
        "step 's': retry.max_delay must be a number of seconds >= 0, got 'soon'",
    ),
    (
        "retry: {jitter: -0.1}",
        {},
        "E004",
        (7, 21),
        "step 's': retry.jitter must be a number >= 0, got -0.1",
    ),
    (
        "retry: {retries: 2}",
        {},
        "E004",
        (7, 13),
        "step 's': retry.retries is not a retry setting: put retries beside retry, not inside it",
    ),
    (
        "retry: {bogus: 1}",
        {},
        "E031",
        (7, 13),
        "step 's': unknown key 'retry.bogus' (known: retry.delay, retry.factor, retry.jitter, retry.max_delay)",
    ),
    (
        "retry: {dealy: 1}",
        {},
        "E031",
        (7, 13),
        "step 's': unknown key 'retry.dealy'; did you mean `retry.delay`?",
    ),
    (
        "",
        {"name": "name: 123"},
        "E004",
        (3, 11),
        "step #1: name must be a non-empty string, got 123; quote it: name: '123'",
    ),
    (
        "",
        {"name": "name: true"},
        "E004",
        (3, 11),
        "step #1: name must be a non-empty string, got true",
    ),
    ("", {"name": "name: ''"}, "E004", (3, 11), "step #1: name must be a non-empty string, got ''"),
    ("", {"name": None}, "E003", (4, 5), "step #1: name is required"),
    ("", {"module": None}, "E003", (3, 5), "step 's': module is required for python steps"),
    ("", {"function": None}, "E003", (3, 5), "step 's': function is required for python steps"),
    (
        "type: python",
        {"module": None},
        "E003",
        (3, 5),
        "step 's': module is required for python steps",
    ),
    ("1: x", {}, "E003", (7, 5), "step 's': step keys must be strings, got 1"),
    (
        "timeout: 5\ntimeout: 6",
        {},
        "E005",
        (8, 5),
        "duplicate key 'timeout' (first given at line 7)",
    ),
]


@pytest.mark.parametrize(("extra", "lines", "code", "pos", "message"), STEP_CASES)
def test_bad_step_gives_one_problem(extra, lines, code, pos, message, load_text, only, at):  # noqa: PLR0917
    recipe = load_text(step_recipe(extra, **lines), "r.yaml")
    problem = only(recipe)
    assert (problem.code, at(problem), problem.message) == (code, pos, message)
    assert problem.severity is (Severity.WARNING if code.startswith("W") else Severity.ERROR)
    assert problem.pos is not None
    assert problem.pos.path == "r.yaml"
    assert "\n" not in problem.message


def test_a_bad_type_does_not_also_ask_for_module(load_text, only):
    recipe = load_text(step_recipe("type: [python]", module=None, function=None))
    assert only(recipe).message == "step 's': type must be a non-empty string, got a list"


RECIPE_CASES = [
    # Each case: recipe text, code, line and column, message.
    ("metadata: {name: x}\n", "E001", (1, 1), "recipe has no steps: add a 'steps:' list"),
    (
        "metadata: {name: x}\nsteps: {a: 1}\n",
        "E001",
        (2, 8),
        "steps must be a non-empty list of step mappings, got a mapping",
    ),
    (
        "metadata: {name: x}\nsteps: []\n",
        "E001",
        (2, 8),
        "steps must be a non-empty list of step mappings, got an empty list",
    ),
    (
        "metadata: {name: x}\nsteps:\n",
        "E001",
        (2, 1),
        "steps must be a non-empty list of step mappings, got null",
    ),
    (
        "metadata: {name: x}\nsteps: run all\n",
        "E001",
        (2, 8),
        "steps must be a non-empty list of step mappings, got 'run all'",
    ),
    (
        "metadata: {name: x}\nsteps:\n  - 42\n",
        "E003",
        (3, 5),
        "step #1 must be a mapping of step keys (name, module...), got 42",
    ),
    (
        "metadata: {name: x}\nsteps:\n  - print hello\n",
        "E003",
        (3, 5),
        "step #1 must be a mapping of step keys (name, module...), got 'print hello'",
    ),
    (
        "metadata: {name: x}\nsteps:\n  - [a, b]\n",
        "E003",
        (3, 5),
        "step #1 must be a mapping of step keys (name, module...), got a list",
    ),
    (
        "metadata: [x]\nsteps: [{name: a, idx: 1, module: m, function: f}]\n",
        "E004",
        (1, 11),
        "metadata must be a mapping, got a list",
    ),
    (
        "metadata: {name: 123}\nsteps: [{name: a, idx: 1, module: m, function: f}]\n",
        "E002",
        (1, 18),
        "metadata.name must be a non-empty string, got 123; quote it: name: '123'",
    ),
    (
        "metadata: {name: ''}\nsteps: [{name: a, idx: 1, module: m, function: f}]\n",
        "E002",
        (1, 18),
        "metadata.name must be a non-empty string, got ''",
    ),
    (
        "metadata: {author: me}\nsteps: [{name: a, idx: 1, module: m, function: f}]\n",
        "W002",
        (1, 11),
        "metadata.name is missing; using the file name 'r'",
    ),
    (
        "metadata:\nsteps: [{name: a, idx: 1, module: m, function: f}]\n",
        "W002",
        (1, 1),
        "metadata.name is missing; using the file name 'r'",
    ),
    (
        "metadata: {name: x, version: [1]}\nsteps: [{name: a, idx: 1, module: m, function: f}]\n",
        "E004",
        (1, 30),
        "metadata.version must be a string, got a list",
    ),
    (
        "metadata: {name: x, version: 2.10}\nsteps: [{name: a, idx: 1, module: m, function: f}]\n",
        "W004",
        (1, 30),
        "metadata.version 2.1 is a number; quote it (version: '2.1') to keep it exact",
    ),
    (
        "metadata: {name: x, tags: etl}\nsteps: [{name: a, idx: 1, module: m, function: f}]\n",
        "E004",
        (1, 27),
        "metadata.tags must be a list of strings, got 'etl'",
    ),
    (
        "metadata: {name: x, requirements: [a, 1]}\nsteps: [{name: a, idx: 1, module: m, function: f}]\n",
        "E004",
        (1, 39),
        "metadata.requirements[1] must be a non-empty string, got 1",
    ),
    (
        "metadata: {name: x, author: 1}\nsteps: [{name: a, idx: 1, module: m, function: f}]\n",
        "E004",
        (1, 29),
        "metadata.author must be a string, got 1; quote it: author: '1'",
    ),
    (
        "metadata: {name: x}\nextra: 1\nsteps: [{name: a, idx: 1, module: m, function: f}]\n",
        "E030",
        (2, 1),
        "unknown top-level key 'extra' (known: defaults, lenient, metadata, steps, workdir)",
    ),
    (
        "metadata: {name: x}\nstep: []\nsteps: [{name: a, idx: 1, module: m, function: f}]\n",
        "E030",
        (2, 1),
        "unknown top-level key 'step'; did you mean `steps`?",
    ),
    (
        "metadata: {name: x}\nlenient: 1\nsteps: [{name: a, idx: 1, module: m, function: f}]\n",
        "E004",
        (2, 10),
        "lenient must be true or false, got 1",
    ),
    (
        "metadata: {name: x}\ndefaults: 3\nsteps: [{name: a, idx: 1, module: m, function: f}]\n",
        "E004",
        (2, 11),
        "defaults must be a mapping, got 3",
    ),
    (
        "metadata: {name: x}\ndefaults: {timeout: 0}\nsteps: [{name: a, idx: 1, module: m, function: f}]\n",
        "E004",
        (2, 21),
        "defaults.timeout must be a number of seconds > 0, got 0",
    ),
    (
        "metadata: {name: x}\ndefaults: {bogus: 0}\nsteps: [{name: a, idx: 1, module: m, function: f}]\n",
        "E031",
        (2, 12),
        "unknown key 'defaults.bogus' (known: defaults.retries, defaults.retry, defaults.retry_count, defaults.timeout)",
    ),
    (
        "metadata: {name: x}\ndefaults: {retry: {factor: 0}}\nsteps: [{name: a, idx: 1, module: m, function: f}]\n",
        "E004",
        (2, 28),
        "defaults.retry.factor must be a number >= 1, got 0",
    ),
    (
        "metadata: {name: x}\ndefaults: {retries: 1, retry_count: 1}\nsteps: [{name: a, idx: 1, module: m, function: f}]\n",
        "E003",
        (2, 12),
        "give either retry_count or retries (an alias), not both",
    ),
    (
        "metadata: {name: x}\ndefaults: {retry: {retry_count: 1}}\nsteps: [{name: a, idx: 1, module: m, function: f}]\n",
        "E004",
        (2, 20),
        "defaults.retry.retry_count is not a retry setting: put retry_count beside retry, not inside it",
    ),
    (
        "metadata: {name: x}\nmetadata: {name: y}\nsteps: [{name: a, idx: 1, module: m, function: f}]\n",
        "E005",
        (2, 1),
        "duplicate key 'metadata' (first given at line 1)",
    ),
    (
        "metadata: {name: x, name: y}\nsteps: [{name: a, idx: 1, module: m, function: f}]\n",
        "E005",
        (1, 21),
        "duplicate key 'name' (first given at line 1)",
    ),
    (
        "metadata: {name: &n x}\nsteps: [{name: &n a, idx: 1, module: m, function: f}]\n",
        "W006",
        (2, 16),
        "YAML: found duplicate anchor 'n'",
    ),
]


@pytest.mark.parametrize(("text", "code", "pos", "message"), RECIPE_CASES)
def test_bad_recipe_gives_one_problem(text, code, pos, message, load_text, only, at):  # noqa: PLR0917
    recipe = load_text(text, "r.yaml")
    problem = only(recipe)
    assert (problem.code, at(problem), problem.message) == (code, pos, message)


def test_the_first_duplicate_value_is_kept_and_all_duplicates_are_reported(load_text, at):
    recipe = load_text(
        "metadata: {name: x}\n"
        "steps:\n"
        "  - {name: a, idx: 1, module: m, function: f, timeout: 1, timeout: 2}\n"
        "  - {name: b, idx: 2, module: m, function: f, args: {k: 1, k: 2}}\n"
    )
    assert [(p.code, at(p)) for p in recipe.problems] == [("E005", (3, 59)), ("E005", (4, 60))]
    assert recipe.step("a").timeout in (1.0, 2.0)


def test_all_problems_are_collected_in_file_order(load_text):
    recipe = load_text(
        "extra: true\n"
        "metadata: {name: 5}\n"
        "defaults: {timeout: -1}\n"
        "steps:\n"
        "  - {name: a, idx: 1, module: m, function: f, timeout: soon, enabled: maybe}\n"
        "  - 42\n"
        "  - {name: c, idx: 3, function: f, depends_on: [a, 7], retry: {factor: 0}}\n"
        "  - {name: d, idx: 4, module: m, function: f, timeout: 1, timeout: 2}\n",
        "r.yaml",
    )
    assert [(p.code, p.pos.line if p.pos else None) for p in recipe.problems] == [
        ("E030", 1),
        ("E002", 2),
        ("E004", 3),
        ("E004", 5),
        ("E004", 5),
        ("E003", 6),
        ("E003", 7),
        ("E004", 7),
        ("E004", 7),
        ("E005", 8),
    ]
    # Steps with problems are still there (with defaults) so later checks run on them.
    assert [s.name for s in recipe.steps] == ["a", "c", "d"]


FATAL_CASES = [
    # Each case: recipe text, message, line and column (None: no position).
    ("", "recipe is empty", (1, 1)),
    ("\n\n   \n", "recipe is empty", (1, 1)),
    ("# only a comment\n# and another\n", "recipe is empty", (1, 1)),
    (
        "- name: a\n- name: b\n",
        "a recipe must be a mapping with 'metadata' and 'steps', got a list",
        (1, 1),
    ),
    (
        "just text\n",
        "a recipe must be a mapping with 'metadata' and 'steps', got 'just text'",
        (1, 1),
    ),
    ("42\n", "a recipe must be a mapping with 'metadata' and 'steps', got 42", (1, 1)),
    (
        "metadata: {name: x}\nsteps:\n  - a: b: c\n",
        "invalid YAML: mapping values are not allowed here",
        (3, 9),
    ),
    (
        "metadata: {name: x}\nsteps: [a: b: c]\n",
        "invalid YAML: expected ',' or ']', but got ':'",
        (2, 13),
    ),
    ("a: 1\n---\nb: 2\n", "invalid YAML: but found another document", (2, 1)),
    ("steps: *nowhere\n", "invalid YAML: found undefined alias 'nowhere'", (1, 8)),
    ("steps:\n\t- a\n", "invalid YAML: found character '\\t' that cannot start any token", (2, 1)),
    ("metadata:\n  name: 'open\n", "invalid YAML: found unexpected end of stream", (3, 1)),
    (
        "metadata:\n  name: a\x07b\n",
        "invalid YAML: unacceptable character #x0007: special characters are not allowed",
        (2, 10),
    ),
    (
        "steps: [{args: !!float x}]\n",
        "invalid YAML: cannot read a value (ValueError: could not convert string to float: 'x')",
        None,
    ),
    (
        "&a {steps: *a}\n",
        "a YAML alias refers to a value that contains it",
        (1, 1),
    ),  # at the anchor
]


@pytest.mark.parametrize(("text", "message", "pos"), FATAL_CASES)
def test_unreadable_recipe_raises_one_recipe_error(text, message, pos, load_text):
    with pytest.raises(RecipeError) as info:
        load_text(text, "r.yaml")
    error = info.value
    assert error.message == message
    if pos is None:
        assert error.pos is None
        assert error.where == "r.yaml"
    else:
        assert error.pos == SourcePos("r.yaml", *pos)
    assert error.exit_code == 2
    assert "\n" not in str(error)


def test_json_syntax_error_says_json(load_text):
    with pytest.raises(RecipeError) as info:
        load_text('{"metadata": {"name": "x"},\n "steps": [}\n', "r.json")
    assert info.value.message.startswith("invalid JSON: ")
    assert info.value.pos is not None
    assert info.value.pos.line == 2


def test_deep_nesting_is_an_error_not_a_crash(load_text):
    with pytest.raises(RecipeError, match="nesting too deep"):
        load_text("steps: " + "[" * 500 + "]" * 500 + "\n")


def test_alias_bomb_is_refused(load_text):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    with pytest.raises(RecipeError, match="recipe is too large"):
        load_text("\n".join(lines) + "\nsteps: *a8\n")


def test_recipe_error_is_an_f0_error():
    assert issubclass(RecipeError, F0Error)


def test_duplicate_keys_and_reused_anchors_together(load_text):
    # The second parse (to find every duplicate) must not warn again or leak warnings.
    recipe = load_text(
        "metadata: {name: &n x, name: y}\nsteps: [{name: &n a, idx: 1, module: m, function: f}]\n"
    )
    assert [p.code for p in recipe.problems] == ["E005", "W006"]


def test_a_step_without_a_usable_name_is_left_out(load_text):
    recipe = load_text(
        "metadata: {name: x}\n"
        "steps:\n"
        "  - {name: a, idx: 1, module: m, function: f}\n"
        "  - {name: 7, idx: 2, module: m, function: f, timeout: 0}\n"
        "  - {idx: 3, module: m, function: f}\n"
    )
    assert [s.name for s in recipe.steps] == ["a"]
    # Its other keys are still checked.
    assert [(p.code, p.message) for p in recipe.problems] == [
        ("E004", "step #2: name must be a non-empty string, got 7; quote it: name: '7'"),
        ("E004", "step #2: timeout must be a number of seconds > 0, got 0"),
        ("E003", "step #3: name is required"),
    ]
