"""The python step type: calling conventions, return values, exceptions, prepare problems."""

from __future__ import annotations

import sys

import f0
import pytest

from .python_plugin_support import KEY_POS, py_step, run_step

STEPS = """
    import sys
    from f0 import BaseScriptlet, ScriptletResult

    calls = []

    class Loader(BaseScriptlet):
        def run(self, context, params):
            context.set("loaded", params["n"] * 2)
            return 0

    class Legacy:
        def run(self, context, params):
            context.set("legacy", sorted(params))
            return {"status": "ok", "seen": params}

    def with_context(context, params):
        context.set("params", params)

    def positional(a, b):
        calls.append(("positional", a, b))
        return f"{a}{b}"

    def keywords(*, x, y=0):
        calls.append(("keywords", x, y))

    def nothing():
        calls.append(("nothing",))

    def returns(context, params):
        return params["value"]

    def result(context, params):
        return ScriptletResult(success=params["ok"], exit_code=params["code"], message="m",
                               data=params.get("data", {}))

    def boom(context, params):
        helper()

    def helper():
        raise ValueError("bad input")

    def bad_set(context, params):
        context.set("fine", 1)
        context.set("bad", object())

    def bad_result(context, params):
        return {"when": object()}

    def tuple_result(context, params):
        return {"pair": (1, 2)}

    def exits(context, params):
        sys.exit(params["code"])
"""


@pytest.fixture
def recipe(make_recipe):
    return make_recipe({"steps.py": STEPS})


def run(runner, recipe, function, **kwargs):
    return run_step(runner, recipe, py_step(function, **kwargs))


# -- calling conventions -------------------------------------------------------


def test_base_scriptlet_subclass_is_executed(python_runner, recipe):
    outcome, delta = run(python_runner, recipe, "Loader", args={"n": 21})
    assert outcome == f0.StepOutcome(success=True, exit_code=0)
    assert delta.changes == {"loaded": 42}


def test_base_scriptlet_failed_validation_fails_the_step(python_runner, recipe):
    outcome, _delta = run(python_runner, recipe, "Loader", args=["not", "a", "dict"])
    # list args become {"args": [...]}: a dict, so validation passes; n is missing
    assert not outcome.success
    assert outcome.exit_code == 1
    assert "KeyError" in (outcome.error or "")
    assert outcome.traceback is not None
    assert 'params["n"]' in outcome.traceback


def test_legacy_class_run_is_called_with_context_and_params(python_runner, recipe):
    outcome, delta = run(python_runner, recipe, "Legacy", args={"b": 1, "a": 2})
    assert outcome.success
    assert outcome.result == {"status": "ok", "seen": {"b": 1, "a": 2}}
    assert delta.changes == {"legacy": ["a", "b"]}


def test_context_params_function(python_runner, recipe):
    outcome, delta = run(python_runner, recipe, "with_context", args={"k": "v"})
    assert outcome.success
    assert delta.changes == {"params": {"k": "v"}}


def test_context_params_function_gets_list_args_as_args_key(python_runner, recipe):
    _, delta = run(python_runner, recipe, "with_context", args=[1, 2])
    assert delta.changes == {"params": {"args": [1, 2]}}


def test_plain_callable_list_args_are_positional(python_runner, recipe):
    outcome, _ = run(python_runner, recipe, "positional", args=[2, 3])
    assert outcome.success  # a str is "anything else": success
    assert sys.modules["steps"].calls[-1] == ("positional", 2, 3)


def test_plain_callable_mapping_args_are_keywords(python_runner, recipe):
    outcome, _ = run(python_runner, recipe, "keywords", args={"x": 1, "y": 2})
    assert outcome.success
    assert sys.modules["steps"].calls[-1] == ("keywords", 1, 2)


def test_plain_callable_without_args(python_runner, recipe):
    outcome, _ = run(python_runner, recipe, "nothing")
    assert outcome.success
    assert sys.modules["steps"].calls[-1] == ("nothing",)


def test_plain_callable_with_wrong_args_fails_cleanly(python_runner, recipe):
    outcome, _ = run(python_runner, recipe, "positional", args=[1])
    assert not outcome.success
    assert outcome.error is not None
    assert outcome.error.startswith("TypeError: ")


def test_builtins_print_with_list_args(python_runner, make_recipe, capsys):
    recipe = make_recipe({})
    outcome, _ = run(python_runner, recipe, "print", module="builtins", args=["hello"])
    assert outcome.success
    assert capsys.readouterr().out == "hello\n"


# -- return values -------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "success", "exit_code", "error", "result"),
    [
        (0, True, 0, None, None),
        (3, False, 3, "exit code 3", None),
        (True, True, 0, None, None),
        (False, False, 1, "returned False", None),
        (None, True, 0, None, None),
        ("some text", True, 0, None, None),
        ([1, 2], True, 0, None, None),
        ({"status": "ok", "n": 1}, True, 0, None, {"status": "ok", "n": 1}),
        ({}, True, 0, None, {}),
        (
            {"status": "error", "error": "boom"},
            False,
            1,
            "boom",
            {"status": "error", "error": "boom"},
        ),
        ({"status": "FAILED"}, False, 1, "returned status 'FAILED'", {"status": "FAILED"}),
        ({"status": "failure", "exit_code": 7}, False, 7, "returned status 'failure'", None),
        (
            {"success": False, "message": "nope"},
            False,
            1,
            "nope",
            {"success": False, "message": "nope"},
        ),
        ({"success": True, "status": "done"}, True, 0, None, {"success": True, "status": "done"}),
    ],
)
def test_return_value_rules(python_runner, recipe, value, success, exit_code, error, result):  # noqa: PLR0917
    outcome, _ = run(python_runner, recipe, "returns", args={"value": value})
    assert outcome.success is success
    assert outcome.exit_code == exit_code
    assert outcome.error == error
    if result is not None:
        assert outcome.result == result


def test_scriptlet_result_return(python_runner, recipe):
    outcome, _ = run(python_runner, recipe, "result", args={"ok": False, "code": 4})
    assert (outcome.success, outcome.exit_code, outcome.error) == (False, 4, "m")
    outcome, _ = run(python_runner, recipe, "result", args={"ok": False, "code": 0})
    assert (outcome.success, outcome.exit_code) == (False, 1)  # a failure never reads as 0
    outcome, _ = run(
        python_runner, recipe, "result", args={"ok": True, "code": 0, "data": {"a": 1}}
    )
    assert (outcome.success, outcome.result) == (True, {"a": 1})


def test_dict_result_is_json_normalised(python_runner, recipe):
    outcome, _ = run(python_runner, recipe, "tuple_result")
    assert outcome.success
    assert outcome.result == {"pair": [1, 2]}


def test_non_json_dict_result_fails_the_step(python_runner, recipe):
    outcome, _ = run(python_runner, recipe, "bad_result")
    assert not outcome.success
    assert outcome.exit_code == 1
    assert outcome.error is not None
    assert "not JSON-serialisable" in outcome.error
    assert "steps.bad_result.result" in outcome.error


def test_int_return_matching_success_criteria_exit_code_succeeds(python_runner, recipe):
    step = py_step("returns", args={"value": 2}, success_criteria={"exit_code": 2})
    outcome, _ = run_step(python_runner, recipe, step)
    assert (outcome.success, outcome.exit_code) == (True, 2)
    step = py_step("returns", args={"value": 0}, success_criteria={"exit_code": 2})
    outcome, _ = run_step(python_runner, recipe, step)
    assert (outcome.success, outcome.error) == (False, "exit code 0, expected 2")


# -- exceptions ----------------------------------------------------------------


def test_exception_fails_with_type_message_and_user_traceback(python_runner, recipe):
    outcome, _ = run(python_runner, recipe, "boom")
    assert not outcome.success
    assert outcome.exit_code == 1
    assert outcome.error == "ValueError: bad input"
    tb = outcome.traceback or ""
    assert tb.startswith("Traceback (most recent call last):")
    assert 'raise ValueError("bad input")' in tb
    assert "helper()" in tb
    assert "f0_python" not in tb  # our frames are trimmed


def test_non_json_context_set_fails_the_step_and_records_nothing_bad(python_runner, recipe):
    outcome, delta = run(python_runner, recipe, "bad_set")
    assert not outcome.success
    assert outcome.error is not None
    assert outcome.error.startswith(
        "ValueError: value for context key 'bad' is not JSON-serialisable"
    )
    assert "bad" not in delta.changes
    # The kernel discards the delta of a failed step (RunSession.finished): nothing is stored.


@pytest.mark.parametrize(
    ("code", "success", "exit_code"), [(0, True, 0), (None, True, 0), (2, False, 2)]
)
def test_sys_exit_in_a_step_is_its_exit_code(python_runner, recipe, code, success, exit_code):
    outcome, _ = run(python_runner, recipe, "exits", args={"code": code})
    assert (outcome.success, outcome.exit_code) == (success, exit_code)


def test_sys_exit_with_a_message_fails(python_runner, recipe):
    outcome, _ = run(python_runner, recipe, "exits", args={"code": "fatal: no data"})
    assert (outcome.success, outcome.exit_code, outcome.error) == (False, 1, "fatal: no data")


def test_run_reports_import_failure(python_runner, recipe):
    outcome, _ = run(python_runner, recipe, "x", module="no_such_module_here")
    assert not outcome.success
    assert outcome.error is not None
    assert outcome.error.startswith("import failed: cannot import module 'no_such_module_here'")


# -- prepare -------------------------------------------------------------------


def prepare(runner, recipe, function, module="steps", **kwargs):
    step = py_step(function, module=module, key_pos=KEY_POS, **kwargs)
    return runner.prepare(step, recipe)


def test_prepare_accepts_good_steps(python_runner, recipe):
    for function in ("Loader", "Legacy", "with_context", "positional"):
        assert prepare(python_runner, recipe, function) == []
    assert prepare(python_runner, recipe, "print", module="builtins") == []


def test_prepare_missing_module(python_runner, recipe):
    (problem,) = prepare(python_runner, recipe, "load", module="stepz")
    assert problem.is_error
    assert problem.pos == KEY_POS["module"]
    assert problem.message == (
        f"step 'load': cannot import module 'stepz' (searched: {recipe.base_dir}, then sys.path): "
        "No module named 'stepz'; did you mean 'steps'?"
    )


def test_prepare_missing_function_suggests_close_names(python_runner, recipe):
    (problem,) = prepare(python_runner, recipe, "Loadr")
    assert problem.pos == KEY_POS["function"]
    assert (
        problem.message
        == "step 'Loadr': module 'steps' has no function 'Loadr'; did you mean 'Loader'?"
    )
    (problem,) = prepare(python_runner, recipe, "zzz_unrelated")
    assert problem.message == "step 'zzz_unrelated': module 'steps' has no function 'zzz_unrelated'"


def test_prepare_import_time_exception_is_a_clean_problem(python_runner, make_recipe):
    recipe = make_recipe({"broken.py": "X = 1\nY = 1 / 0\n"})
    (problem,) = prepare(python_runner, recipe, "f", module="broken")
    assert problem.pos == KEY_POS["module"]
    assert problem.message.startswith(
        "step 'f': importing module 'broken' failed: ZeroDivisionError: division by zero (at "
    )
    assert problem.message.endswith("broken.py:2)")
    assert "Traceback" not in problem.message


def test_prepare_syntax_error(python_runner, make_recipe):
    recipe = make_recipe({"syntax.py": "def f(:\n    pass\n"})
    (problem,) = prepare(python_runner, recipe, "f", module="syntax")
    assert "importing module 'syntax' failed: SyntaxError:" in problem.message
    assert "line 1" in problem.message


def test_prepare_missing_dependency_of_the_module(python_runner, make_recipe):
    recipe = make_recipe({"needs.py": "import no_such_dependency_xyz\n"})
    (problem,) = prepare(python_runner, recipe, "f", module="needs")
    assert problem.message.startswith(
        "step 'f': importing module 'needs' failed: "
        "ModuleNotFoundError: No module named 'no_such_dependency_xyz'"
    )


def test_prepare_sys_exit_at_import(python_runner, make_recipe):
    recipe = make_recipe({"quits.py": "import sys\nsys.exit(3)\n"})
    (problem,) = prepare(python_runner, recipe, "f", module="quits")
    assert "importing module 'quits' failed: SystemExit: 3" in problem.message


def test_prepare_not_callable_and_bad_classes(python_runner, make_recipe):
    recipe = make_recipe(
        {
            "odd.py": """
                from f0 import BaseScriptlet
                VALUE = 3
                class NoRun:
                    pass
                class Abstract(BaseScriptlet):
                    pass
            """
        }
    )
    (problem,) = prepare(python_runner, recipe, "VALUE", module="odd")
    assert problem.message == "step 'VALUE': 'odd.VALUE' is not callable (it is a int)"
    assert problem.pos == KEY_POS["function"]
    (problem,) = prepare(python_runner, recipe, "NoRun", module="odd")
    assert problem.message == "step 'NoRun': class 'odd.NoRun' has no run(context, params) method"
    (problem,) = prepare(python_runner, recipe, "Abstract", module="odd")
    assert "is abstract" in problem.message


def test_prepare_needs_module_and_function(python_runner, recipe):
    step = f0.Step(name="s", idx=1, pos=f0.SourcePos("r.yaml", 4, 5))
    (problem,) = python_runner.prepare(step, recipe)
    assert problem.message == "step 's': python steps need 'module' and 'function'"
    assert problem.pos == f0.SourcePos("r.yaml", 4, 5)
    outcome, _ = run_step(python_runner, recipe, step)
    assert not outcome.success


def test_dotted_module_in_a_package_of_the_recipe_folder(python_runner, make_recipe):
    recipe = make_recipe(
        {
            "scriptlets/__init__.py": "",
            "scriptlets/data/__init__.py": "",
            "scriptlets/data/loader.py": """
                class DataLoaderScriptlet:
                    def run(self, context, params):
                        context.set("rows", 3)
                        return 0
            """,
        }
    )
    step = py_step("DataLoaderScriptlet", module="scriptlets.data.loader")
    assert python_runner.prepare(step, recipe) == []
    outcome, delta = run_step(python_runner, recipe, step)
    assert outcome.success
    assert delta.changes == {"rows": 3}
