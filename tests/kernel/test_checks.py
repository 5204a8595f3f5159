"""The kernel's own recipe checks (builtin/checks.py) and validate.validate_recipe."""

from __future__ import annotations

import pytest
from f0 import hookimpl
from f0.model import Problem, Severity, SourcePos
from f0.validate import validate_recipe

from .support import make_recipe, make_step


def by_code(problems):
    return {p.code: p for p in problems}


def test_valid_recipe_has_no_problems(hooks):
    recipe = make_recipe(make_step("a", 1), make_step("b", 2, depends_on=["a"]))
    assert hooks.validate_recipe(recipe) == []


def test_duplicate_names(hooks):
    recipe = make_recipe(make_step("a", 1), make_step("a", 2))
    (problem,) = hooks.validate_recipe(recipe)
    assert problem.code == "E010"
    assert problem.is_error
    assert "duplicate step name 'a'" in problem.message
    assert problem.pos == SourcePos("recipe.tiny", 2, 10)  # the second one's name
    assert str(problem) == "recipe.tiny:2:10: duplicate step name 'a'"


def test_duplicate_idx(hooks):
    recipe = make_recipe(make_step("a", 1), make_step("b", 1))
    (problem,) = hooks.validate_recipe(recipe)
    assert problem.code == "E011"
    assert problem.message == "duplicate idx 1 (also used by step 'a')"


def test_unknown_dependency(hooks):
    recipe = make_recipe(make_step("a", 1), make_step("b", 2, depends_on=["nope"]))
    (problem,) = hooks.validate_recipe(recipe)
    assert problem.code == "E013"
    assert problem.is_error
    assert "'b' depends on unknown step 'nope'" in problem.message
    assert "(steps: a, b)" in problem.message
    assert problem.pos == make_step("b", 2).where("depends_on")


def test_self_dependency(hooks):
    recipe = make_recipe(make_step("a", 1, depends_on=["a"]))
    (problem,) = hooks.validate_recipe(recipe)
    assert problem.code == "E012"
    assert problem.message == "step 'a' depends on itself"


def test_cycle_is_named(hooks):
    recipe = make_recipe(make_step("a", 1, depends_on=["b"]), make_step("b", 2, depends_on=["a"]))
    problems = [p for p in hooks.validate_recipe(recipe) if p.is_error]
    assert [p.code for p in problems] == ["E015"]
    assert problems[0].message == "dependency cycle: a -> b -> a"
    assert problems[0].pos == make_step("a", 1).where("depends_on")


def test_longer_cycle_is_named_in_order(hooks):
    recipe = make_recipe(
        make_step("start", 1),
        make_step("x", 2, depends_on=["start", "z"]),
        make_step("y", 3, depends_on=["x"]),
        make_step("z", 4, depends_on=["y"]),
    )
    cycles = [p for p in hooks.validate_recipe(recipe) if p.code == "E015"]
    assert [p.message for p in cycles] == ["dependency cycle: x -> z -> y -> x"]


def test_dependency_on_higher_idx_is_a_warning(hooks):
    recipe = make_recipe(make_step("report", 1, depends_on=["load"]), make_step("load", 2))
    (problem,) = hooks.validate_recipe(recipe)
    assert problem.code == "W014"
    assert problem.severity is Severity.WARNING
    assert not problem.is_error
    assert str(problem).startswith(
        "recipe.tiny:1:14: warning: step 'report' (idx 1) depends on 'load'"
    )


def test_every_problem_is_reported_at_once(hooks):
    recipe = make_recipe(
        make_step("a", 1),
        make_step("a", 1),
        make_step("c", 3, depends_on=["ghost", "c"]),
    )
    assert sorted(by_code(hooks.validate_recipe(recipe))) == ["E010", "E011", "E012", "E013"]


# -- validate_recipe: loader problems, plugin checks, step runners ---------------


class ExtraCheck:
    @hookimpl
    def f0_validate_recipe(self, recipe):
        return [Problem(message="from a plugin", pos=SourcePos("recipe.tiny", 99, 1), code="X001")]


class SilentCheck:
    @hookimpl
    def f0_validate_recipe(self, recipe):
        return None


def test_plugins_add_problems_and_none_is_fine(pm, hooks, tiny):
    tiny.funcs["a"] = lambda ctx: None
    pm.register(ExtraCheck(), name="extra")
    pm.register(SilentCheck(), name="silent")
    problems = validate_recipe(hooks, make_recipe(make_step("a", 1)))
    assert [p.code for p in problems] == ["X001"]


def test_unknown_step_type_names_known_types_and_what_to_install(hooks, tiny):
    recipe = make_recipe(make_step("a", 1, type="python"), make_step("b", 2, type="weird"))
    problems = [p for p in validate_recipe(hooks, recipe) if p.code == "E020"]
    assert [p.message for p in problems] == [
        (
            "step 'a': unknown step type 'python' (known: fn); "
            "install it with: pip install f0-plugin-python"
        ),
        "step 'b': unknown step type 'weird' (known: fn)",
    ]
    assert [p.pos for p in problems] == [
        make_step("a", 1).where("type"),
        make_step("b", 2).where("type"),
    ]


def test_unknown_step_type_without_any_plugin(hooks):
    (problem,) = validate_recipe(hooks, make_recipe(make_step("a", 1)))
    assert "(known: none installed)" in problem.message


def test_unknown_option_is_an_error_with_a_suggestion_and_lenient_makes_it_a_warning(hooks, tiny):
    tiny.funcs["a"] = lambda ctx: None
    recipe = make_recipe(make_step("a", 1, options={"color": "red", "depend_on": ["x"]}))
    problems = validate_recipe(hooks, recipe)
    assert [(p.code, p.is_error) for p in problems] == [("E021", True), ("E021", True)]
    messages = sorted(p.message for p in problems)
    assert messages == [
        "step 'a': unknown key 'color' for step type 'fn'; did you mean `colour`?",
        "step 'a': unknown key 'depend_on' for step type 'fn'; did you mean `depends_on`?",
    ]
    lenient = validate_recipe(hooks, recipe, lenient=True)
    assert [(p.code, p.severity) for p in lenient] == [("W021", Severity.WARNING)] * 2
    import attrs

    in_recipe = validate_recipe(hooks, attrs.evolve(recipe, lenient=True))
    assert [p.is_error for p in in_recipe] == [False, False]
    assert all(p.is_error for p in validate_recipe(hooks, recipe, strict=True))


def test_runner_prepares_enabled_steps_only(hooks, tiny):
    recipe = make_recipe(make_step("a", 1), make_step("off", 2, enabled=False))
    problems = validate_recipe(hooks, recipe)
    assert tiny.runner.prepared == ["a"]
    assert [p.message for p in problems] == ["no function 'a'"]


def test_problems_sorted_by_position_and_loader_problems_kept(hooks, tiny):
    tiny.funcs.update(a=lambda ctx: None, b=lambda ctx: None)
    loader_problem = Problem(message="from the loader", pos=SourcePos("recipe.tiny", 5, 1))
    recipe = make_recipe(make_step("b", 3, depends_on=["zz"]), make_step("a", 1))
    recipe = type(recipe)(name=recipe.name, steps=recipe.steps, problems=[loader_problem])
    problems = validate_recipe(hooks, recipe)
    assert [p.pos.line for p in problems] == [3, 5]
    assert problems[1] is loader_problem


@pytest.mark.parametrize(
    ("problem", "text"),
    [
        (Problem(message="m", pos=SourcePos("f.yaml", 3, 7)), "f.yaml:3:7: m"),
        (Problem(message="m", where="steps[2]"), "steps[2]: m"),
        (Problem(message="m"), "m"),
        (Problem(message="m", severity=Severity.WARNING), "warning: m"),
    ],
)
def test_problem_str(problem, text):
    assert str(problem) == text
