"""overrides.py: ``--set KEY=VALUE`` parsing, step-argument overrides, context seed."""

from __future__ import annotations

import json

import pytest
from f0.errors import UsageError
from f0.overrides import apply_overrides, parse_assignment, parse_value
from hypothesis import given
from hypothesis import strategies as st

from .support import make_recipe, make_step

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=10,
)
KEYS = st.text(min_size=1).filter(lambda k: "=" not in k and k.strip())


@given(key=KEYS, value=JSON_VALUES)
def test_any_json_value_round_trips(key, value):
    assert parse_assignment(f"{key}={json.dumps(value)}") == (key.strip(), value)


@given(key=KEYS, value=JSON_VALUES)
def test_any_json_value_round_trips_unescaped_unicode(key, value):
    assert parse_assignment(f"{key}={json.dumps(value, ensure_ascii=False)}") == (
        key.strip(),
        value,
    )


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ("n=4", ("n", 4)),
        ("ratio=0.5", ("ratio", 0.5)),
        ("flag=true", ("flag", True)),
        ("nothing=null", ("nothing", None)),
        ("xs=[1, 2]", ("xs", [1, 2])),
        ('obj={"a": 1}', ("obj", {"a": 1})),
        ('quoted="4"', ("quoted", "4")),
        ("name=alice", ("name", "alice")),
        ("path=/tmp/x.csv", ("path", "/tmp/x.csv")),
        ("version=1.2.3", ("version", "1.2.3")),
        ("empty=", ("empty", "")),
        ("expr=a=b", ("expr", "a=b")),
        ("  spaced  =4", ("spaced", 4)),
        ("a.b.c=x", ("a.b.c", "x")),
        ("True=True", ("True", "True")),  # Python spelling is not JSON
    ],
)
def test_examples(item, expected):
    assert parse_assignment(item) == expected


@given(st.text().filter(lambda t: not _is_json(t)))
def test_text_that_is_not_json_stays_a_string(text):
    assert parse_value(text) == text
    assert parse_assignment(f"k={text}") == ("k", text)


def _is_json(text):
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("item", ["novalue", "", "  "])
def test_missing_equals_is_a_usage_error(item):
    with pytest.raises(UsageError, match="expected KEY=VALUE") as info:
        parse_assignment(item)
    assert info.value.where == "--set"
    assert info.value.exit_code == 2


@pytest.mark.parametrize("item", ["=4", "  =4"])
def test_empty_key_is_a_usage_error(item):
    with pytest.raises(UsageError, match="empty key"):
        parse_assignment(item)


# -- apply_overrides -----------------------------------------------------------


def _recipe():
    return make_recipe(
        make_step("load", 1, args={"path": "in.csv", "limit": 10}),
        make_step("listy", 2, args=[1, 2]),
        make_step("report", 3),
    )


def test_step_arg_overrides_mapping_args():
    recipe, seed = apply_overrides(_recipe(), ["load.limit=5", "load.path=x.csv"])
    assert recipe.step("load").args == {"path": "x.csv", "limit": 5}
    assert seed == {}


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (
            "load.limt=5",
            "step 'load' has no argument 'limt'; did you mean `limit`? (its arguments: limit, path)",
        ),
        ("lod.limit=5", "no step 'lod'; did you mean `load.limit`?"),
        ("report.title=Q3", "step 'report' has no argument 'title' (its arguments: none)"),
        ("listy.x=1", "step 'listy' takes a list of arguments"),
    ],
)
def test_a_missing_step_or_argument_is_a_usage_error_with_a_suggestion(item, message):
    with pytest.raises(UsageError) as info:
        apply_overrides(_recipe(), [item])
    assert info.value.where == "--set"
    assert info.value.exit_code == 2
    assert message in str(info.value)


def test_lenient_applies_a_missing_argument_with_a_warning():
    recipe, seed = apply_overrides(_recipe(), ["load.new=[1]", "report.title=Q3"], lenient=True)
    assert recipe.step("load").args == {"path": "in.csv", "limit": 10, "new": [1]}
    assert recipe.step("report").args == {"title": "Q3"}
    assert seed == {}
    assert [(p.code, p.is_error, p.where) for p in recipe.problems] == [
        ("W022", False, "--set"),
        ("W022", False, "--set"),
    ]
    assert "has no argument 'new'" in recipe.problems[0].message


def test_a_lenient_recipe_is_lenient_with_set_too():
    import attrs

    recipe, _ = apply_overrides(attrs.evolve(_recipe(), lenient=True), ["load.new=1"])
    assert recipe.step("load").args["new"] == 1


def test_later_override_wins():
    recipe, _ = apply_overrides(_recipe(), ["load.limit=5", "load.limit=6"])
    assert recipe.step("load").args["limit"] == 6


def test_original_recipe_is_untouched():
    original = _recipe()
    apply_overrides(original, ["load.limit=5"])
    assert original.step("load").args == {"path": "in.csv", "limit": 10}


def test_other_keys_seed_the_context():
    recipe, seed = apply_overrides(
        _recipe(), ["threshold=3", "global.timeout=30", "nostep.arg=y", "load=whole"]
    )
    assert seed == {
        "threshold": 3,
        "global.timeout": 30,
        "nostep.arg": "y",  # not close to any step's name: a context key
        "load": "whole",
    }
    assert recipe == _recipe()


def test_no_items_returns_the_same_recipe():
    recipe = _recipe()
    assert apply_overrides(recipe, []) == (recipe, {})
    assert apply_overrides(recipe, [])[0] is recipe


def test_bad_item_is_a_usage_error():
    with pytest.raises(UsageError):
        apply_overrides(_recipe(), ["ok=1", "broken"])


NAMES = st.text("abcdefghij_", min_size=1, max_size=8)


@given(args=st.dictionaries(NAMES, st.integers(), min_size=1, max_size=4), other=NAMES)
def test_set_accepts_exactly_the_arguments_a_step_has(args, other):
    recipe = make_recipe(make_step("load", 1, args=args))
    for arg in args:
        changed, _ = apply_overrides(recipe, [f"load.{arg}=7"])
        assert changed.step("load").args[arg] == 7
    if other not in args:
        with pytest.raises(UsageError, match=f"has no argument '{other}'"):
            apply_overrides(recipe, [f"load.{other}=7"])
        lenient, _ = apply_overrides(recipe, [f"load.{other}=7"], lenient=True)
        assert lenient.step("load").args[other] == 7
