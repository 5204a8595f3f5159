"""Module resolution: recipe folder first, many recipes per process, threads, reloads."""

from __future__ import annotations

import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from f0_python import _resolve

from .python_plugin_support import py_step, recipe_in, run_step, write_files


def steps_returning(label: str) -> dict[str, str]:
    """A steps.py (and its sibling helpers.py) that report which folder they came from."""
    return {
        "steps.py": f"""
            import helpers

            def which(context, params):
                context.set("which", "{label}")
                context.set("helper", helpers.LABEL)

            def late(context, params):
                # imported when the step runs, not when the module is
                import helpers as again
                context.set("late", again.LABEL)
        """,
        "helpers.py": f'LABEL = "{label}-helper"\n',
    }


def test_same_module_name_in_two_recipe_folders(python_runner, tmp_path):
    a = recipe_in(write_files(tmp_path / "a", steps_returning("a")), py_step("which"))
    b = recipe_in(write_files(tmp_path / "b", steps_returning("b")), py_step("which"))
    for recipe, label in [(a, "a"), (b, "b"), (a, "a"), (b, "b")]:
        assert python_runner.prepare(recipe.steps[0], recipe) == []
        outcome, delta = run_step(python_runner, recipe)
        assert outcome.success, outcome.error
        assert delta.changes == {"which": label, "helper": f"{label}-helper"}


def test_new_function_after_the_other_recipe_reimports_the_right_file(python_runner, tmp_path):
    a = write_files(tmp_path / "a", steps_returning("a"))
    b = write_files(tmp_path / "b", steps_returning("b"))
    run_step(python_runner, recipe_in(a, py_step("which")))
    run_step(python_runner, recipe_in(b, py_step("which")))
    # (a, steps, late) is not cached yet: "steps" in sys.modules is b's and must be replaced
    outcome, delta = run_step(python_runner, recipe_in(a, py_step("late")))
    assert outcome.success, outcome.error
    assert delta.changes == {"late": "a-helper"}
    assert sys.modules["steps"].__file__ == str(a / "steps.py")


def test_recipe_folder_is_not_left_on_sys_path(python_runner, tmp_path):
    before = list(sys.path)
    recipe = recipe_in(write_files(tmp_path, steps_returning("x")), py_step("which"))
    python_runner.prepare(recipe.steps[0], recipe)
    run_step(python_runner, recipe)
    assert sys.path == before


def test_another_recipes_module_does_not_leak_into_a_folder_without_it(python_runner, tmp_path):
    a = recipe_in(write_files(tmp_path / "a", steps_returning("a")), py_step("which"))
    empty = recipe_in(write_files(tmp_path / "empty", {"other.py": ""}), py_step("which"))
    assert run_step(python_runner, a)[0].success
    (problem,) = python_runner.prepare(empty.steps[0], empty)
    assert "cannot import module 'steps'" in problem.message


def test_recipe_module_wins_over_a_same_named_module_loaded_elsewhere(
    python_runner, tmp_path, monkeypatch
):
    elsewhere = write_files(
        tmp_path / "elsewhere",
        {"steps.py": "def which(context, params):\n    context.set('which', 'elsewhere')\n"},
    )
    monkeypatch.syspath_prepend(str(elsewhere))
    import steps  # noqa: F401 - loaded from sys.path, as an unrelated import would

    recipe = recipe_in(write_files(tmp_path / "r", steps_returning("r")), py_step("which"))
    outcome, delta = run_step(python_runner, recipe)
    assert outcome.success
    assert delta.changes["which"] == "r"


def test_module_found_on_sys_path_when_not_in_the_recipe_folder(
    python_runner, tmp_path, monkeypatch
):
    lib = write_files(
        tmp_path / "lib", {"sharedlib_f0test.py": "def go(context, params):\n    return 0\n"}
    )
    monkeypatch.syspath_prepend(str(lib))
    recipe = recipe_in(write_files(tmp_path / "r", {}), py_step("go", module="sharedlib_f0test"))
    assert python_runner.prepare(recipe.steps[0], recipe) == []
    assert run_step(python_runner, recipe)[0].success


def test_stdlib_module_is_not_evicted_by_a_same_named_recipe_file(python_runner, tmp_path):

    recipe = recipe_in(
        write_files(tmp_path, {"json.py": "def dumps():\n    pass\n"}),
        py_step("dumps", module="json"),
    )
    python_runner.prepare(recipe.steps[0], recipe)
    assert sys.modules["json"] is json


def test_edited_module_is_reimported(python_runner, tmp_path):
    folder = write_files(
        tmp_path, {"steps.py": "def f(context, params):\n    context.set('v', 1)\n"}
    )
    recipe = recipe_in(folder, py_step("f"))
    assert run_step(python_runner, recipe)[1].changes == {"v": 1}
    path = folder / "steps.py"
    path.write_text("def f(context, params):\n    context.set('v', 22)\n", encoding="utf-8")
    later = time.time() + 5  # mtime granularity must not hide the edit
    os.utime(path, (later, later))
    assert run_step(python_runner, recipe)[1].changes == {"v": 22}


def test_cache_hit_returns_the_same_target(tmp_path):
    folder = write_files(tmp_path, {"steps.py": "def f():\n    pass\n"})
    first = _resolve.resolve(folder, "steps", "f")
    assert _resolve.resolve(folder, "steps", "f") is first
    _resolve.clear_cache()
    assert _resolve.resolve(folder, "steps", "f") is not first


def test_concurrent_resolution_from_two_folders(python_runner, tmp_path):
    functions = "".join(
        f"def f{i}(context, params):\n    context.set('out', (LABEL, {i}))\n" for i in range(6)
    )
    recipes = {}
    for label in ("a", "b"):
        folder = write_files(tmp_path / label, {"steps.py": f"LABEL = '{label}'\n" + functions})
        recipes[label] = recipe_in(folder)

    def job(n: int) -> tuple[str, int, object]:
        label = "ab"[n % 2]
        step = py_step(f"f{n % 6}")
        outcome, delta = run_step(python_runner, recipes[label], step)
        assert outcome.success, outcome.error
        return label, n % 6, delta.changes["out"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(job, range(96)))
    assert all(out == [label, i] for label, i, out in results)
