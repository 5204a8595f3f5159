"""What ``validate`` accepts, ``run`` survives; oversized recipes are refused (issue 19).

Each test is one failure a probe found: a number that passed validation and
overflowed the run, a key the store could not encode, a recursive alias read
as null, a file or alias bomb that took minutes and gigabytes to refuse.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from f0 import Limits, RecipeError, RetryPolicy, UsageError
from f0.testing import invoke_cli
from f0_yaml._limits import count_values, precount
from f0_yaml._positions import read_document

HUGE = "1" + "0" * 400  # a whole number no float can hold
STEP = "steps:\n  - name: s\n    idx: 1\n    module: m\n    function: f\n"


def _errors(recipe):
    return [p.message for p in recipe.problems if p.is_error]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("    timeout: 3.0e10\n", "step 's': timeout must be at most 1,000,000,000 seconds"),
        (f"    timeout: {HUGE}\n", "step 's': timeout must be at most 1,000,000,000 seconds"),
        (
            "    retry: {delay: 1.0e300}\n",
            "step 's': retry.delay must be at most 1,000,000,000 seconds",
        ),
        (
            "    retry: {max_delay: 1.0e300}\n",
            "step 's': retry.max_delay must be at most 1,000,000,000",
        ),
        (
            "    retry: {factor: 1.0e300}\n",
            "step 's': retry.factor must be at most 1000, got 1e+300",
        ),
        ("    retry: {jitter: 5}\n", "step 's': retry.jitter must be at most 1"),
        (
            f"    retries: {HUGE}\n",
            "step 's': retries must be within ±1,000,000,000, got a whole number of about 401 digits",
        ),
        ("    cache: 1.0e12\n", "step 's': cache must be at most 1,000,000,000 seconds"),
        (
            "    success_criteria: {exit_code: 99999999999}\n",
            "step 's': success_criteria.exit_code must be within ±1,000,000,000",
        ),
    ],
)
def test_every_step_number_is_bounded(load_text, extra, message):
    recipe = load_text(STEP + extra)
    errors = _errors(recipe)
    assert len(errors) == 1, errors
    assert errors[0].startswith(message), errors


@pytest.mark.parametrize(
    ("defaults", "message"),
    [
        (
            "defaults: {timeout: 1.0e300}\n",
            "defaults.timeout must be at most 1,000,000,000 seconds",
        ),
        (f"defaults: {{retries: {HUGE}}}\n", "defaults.retries must be within ±1,000,000,000"),
        ("defaults: {retry: {delay: 1.0e20}}\n", "defaults.retry.delay must be at most"),
    ],
)
def test_defaults_are_bounded_too(load_text, defaults, message):
    assert _errors(load_text(defaults + STEP))[0].startswith(message)


def test_the_largest_accepted_values_load(load_text):
    recipe = load_text(
        STEP
        + "    timeout: 1000000000\n    retries: 1000000000\n"
        + "    retry: {delay: 1.0e9, max_delay: 1.0e9, factor: 1000, jitter: 1}\n"
    )
    assert _errors(recipe) == []
    step = recipe.steps[0]
    assert step.timeout == Limits.MAX_SECONDS
    assert step.retry == RetryPolicy(
        retries=1_000_000_000, delay=1e9, max_delay=1e9, factor=1000.0, jitter=1.0
    )


def test_the_longest_accepted_wait_fits_every_thread_wait():
    # Event.wait / Thread.join raise OverflowError past TIMEOUT_MAX: the
    # longest back-off a valid recipe can ask for (max_delay plus full
    # jitter) and the longest timeout stay below it.
    longest = Limits.MAX_SECONDS * (1 + Limits.MAX_JITTER)
    assert longest < threading.TIMEOUT_MAX
    assert threading.Event().wait(0) is False  # the call itself, for the record


@pytest.mark.parametrize(
    "args",
    [
        "{? {a: 1} : 2}",
        "{x: {? [1, 2] : 3}}",
        "{1: a, b: c}",
        "[{null: 1, a: 2}]",
    ],
)
def test_args_the_store_cannot_encode_are_invalid(load_text, args):
    errors = _errors(load_text(STEP + f"    args: {args}\n"))
    assert len(errors) == 1
    assert "runs are recorded as JSON" in errors[0]


def test_args_with_plain_keys_are_fine(load_text):
    recipe = load_text(STEP + "    args: {a: 1, nested: {1: x, 2: y}, list: [{k: v}]}\n")
    assert _errors(recipe) == []


@pytest.mark.parametrize("args", ["&a {k: *a}", "&a [1, *a]", "&a {k: [1, {j: *a}]}"])
def test_a_recursive_alias_is_an_error(args):
    text = STEP + f"    args: {args}\n"
    with pytest.raises(RecipeError) as info:
        read_document(Path("r.yaml"), text)
    assert info.value.message == "a YAML alias refers to a value that contains it"
    assert info.value.pos is not None
    assert info.value.pos.line == 6


def test_aliases_that_are_not_recursive_still_load(load_text):
    recipe = load_text(
        "defaults: {retry: &r {delay: 0.5}}\n"
        + STEP
        + "    retry: *r\n    args: {a: &x [1], b: *x}\n"
    )
    assert _errors(recipe) == []
    assert recipe.steps[0].args == {"a": [1], "b": [1]}


def _bomb(levels: int = 9) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{k}: &a{k} [" + ", ".join([f"*a{k - 1}"] * 10) + "]" for k in range(1, levels + 1)]
    return "\n".join(lines) + f"\nsteps: [*a{levels}]\n"


def test_a_billion_laughs_is_refused_by_expanded_size():
    with pytest.raises(RecipeError) as info:
        read_document(Path("r.yaml"), _bomb(), Limits())
    assert "more than 1,000,000 nodes once aliases are expanded" in info.value.message
    assert "F0_MAX_RECIPE_NODES" in info.value.message


def _many_nodes(n: int) -> str:
    return "metadata: {name: n}\nsteps:\n" + "".join(
        f"  - {{name: s{i}, idx: {i}, module: m, function: f}}\n" for i in range(n)
    )


def test_too_many_nodes_is_refused_before_parsing():
    text = _many_nodes(50)
    assert precount(text, Limits(max_nodes=10_000), "r.yaml") is not None
    with pytest.raises(RecipeError) as info:
        precount(text, Limits(max_nodes=100), "r.yaml")
    assert "more than 100 nodes" in info.value.message


def test_the_positioned_reader_counts_nodes_itself():
    # The limit holds without libyaml's count (no C parser, or a file it rejects).
    with pytest.raises(RecipeError, match="more than 100 nodes"):
        read_document(Path("r.yaml"), _many_nodes(50), Limits(max_nodes=100))
    assert read_document(Path("r.yaml"), _many_nodes(5), Limits(max_nodes=100)).data


def test_parsed_values_are_counted_for_the_fast_readers():
    count_values({"a": [1, 2, {"b": 3}]}, Limits(max_nodes=12), "r.json")
    with pytest.raises(RecipeError, match="more than 5 nodes"):
        count_values({"a": [1, 2, {"b": 3}]}, Limits(max_nodes=5), "r.json")


@pytest.mark.parametrize(
    ("suffix", "positions"), [(".yaml", False), (".yaml", True), (".json", False)]
)
def test_the_node_limit_holds_on_every_reader(cli_pm, tmp_path, monkeypatch, suffix, positions):
    import json

    from f0_yaml import f0_load_recipe

    if suffix == ".json":
        text = json.dumps({"steps": [{"name": f"s{i}", "idx": i} for i in range(50)]})
    else:
        text = _many_nodes(50)
    monkeypatch.setenv("F0_MAX_RECIPE_NODES", "100")
    with pytest.raises(RecipeError, match="F0_MAX_RECIPE_NODES"):
        f0_load_recipe(path=tmp_path / f"r{suffix}", text=text, positions=positions)


def test_a_file_over_the_byte_limit_is_refused_unread(cli_pm, tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text(_many_nodes(40), encoding="utf-8")
    result = invoke_cli(cli_pm, "validate", str(path), env={"F0_MAX_RECIPE_BYTES": "1000"})
    assert result.exit_code == 2
    assert result.stdout.splitlines()[0] == (
        f"{path}: recipe file is too large: {path.stat().st_size / 1024:.1f} KiB, over the "
        "1000 bytes limit (F0_MAX_RECIPE_BYTES=1000; set it higher to read larger recipes)"
    )


def test_a_bad_limit_setting_is_a_usage_error():
    with pytest.raises(UsageError) as info:
        Limits.from_env({"F0_MAX_RECIPE_NODES": "lots"})
    assert str(info.value) == "F0_MAX_RECIPE_NODES: must be a whole number > 0, got 'lots'"
    with pytest.raises(UsageError) as info:
        Limits.from_env({"F0_IMPORT_TIMEOUT": "inf"})
    assert str(info.value) == "F0_IMPORT_TIMEOUT: must be a number of seconds > 0, got 'inf'"
    assert Limits.from_env({"F0_MAX_RECIPE_BYTES": "1_000"}).max_bytes == 1000
    assert Limits.from_env({}) == Limits()


def test_a_path_component_too_long_for_the_system_is_a_usage_error(cli_pm, tmp_path):
    path = tmp_path / ("x" * 300 + ".yaml")
    result = invoke_cli(cli_pm, "validate", str(path))
    assert result.exit_code == 2
    assert "cannot read recipe: File name too long" in result.stdout


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_a_number_too_long_for_python_is_an_error_not_a_crash(cli_pm, tmp_path, suffix):
    digits = "1" + "0" * 5000  # past Python's 4300-digit int conversion limit
    path = tmp_path / f"r{suffix}"
    path.write_text(
        '{"steps": [{"name": "s", "idx": 1, "module": "m", "function": "f", "timeout": '
        + digits
        + "}]}\n",
        encoding="utf-8",
    )
    result = invoke_cli(cli_pm, "validate", str(path))
    assert result.exit_code == 2
    assert "cannot read a value (ValueError: Exceeds the limit (4300 digits)" in result.stdout


def test_step_type_options_the_store_cannot_encode_are_invalid(load_text):
    errors = _errors(load_text(STEP + "    headers: {? [1, 2] : x}\n"))
    assert errors == [
        "step 's': headers has a mapping or a list (a YAML complex key) as a key; keys must be "
        "text, numbers, true/false or null: runs are recorded as JSON"
    ]
