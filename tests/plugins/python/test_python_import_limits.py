"""A step module that misbehaves at import time is reported by name (issue 19).

Raising ``KeyboardInterrupt``/``SystemExit``/``BaseException`` at import used
to end ``f0 validate`` with exit 130 and no message; a module that blocks on
import hung it. Both are now one problem naming the module.
"""

from __future__ import annotations

import pytest

from .python_plugin_support import py_step, recipe_in, write_files


def _step(module: str):
    return py_step("f", module=module)


@pytest.mark.parametrize(
    ("body", "raised"),
    [
        ("raise KeyboardInterrupt", "KeyboardInterrupt"),
        ("import sys\nsys.exit(3)", "SystemExit: 3"),
        ("raise BaseException('odd')", "BaseException: odd"),
    ],
)
def test_a_module_raising_a_base_exception_at_import_is_named(
    python_runner, tmp_path, body, raised
):
    module = f"bad_import_{raised.split(':')[0].lower()}"
    recipe = recipe_in(write_files(tmp_path, {f"{module}.py": body + "\n"}), _step(module))
    (problem,) = python_runner.prepare(recipe.steps[0], recipe)
    assert problem.code == "E031"
    assert f"importing module {module!r} failed: {raised}" in problem.message


def test_a_module_that_blocks_on_import_is_named_after_the_timeout(
    python_runner, tmp_path, monkeypatch
):
    monkeypatch.setenv("F0_IMPORT_TIMEOUT", "0.2")
    # It waits on an event nobody sets (a stand-in for a socket or a lock);
    # the abandoned import thread is a daemon and ends with the test process.
    body = "import threading\nthreading.Event().wait()\n"
    recipe = recipe_in(write_files(tmp_path, {"blocks_forever.py": body}), _step("blocks_forever"))
    (problem,) = python_runner.prepare(recipe.steps[0], recipe)
    assert problem.code == "E034"
    assert "importing module 'blocks_forever' did not finish within 0.2 s (F0_IMPORT_TIMEOUT)" in (
        problem.message
    )
    # A second try does not wait again behind the stuck import.
    (again,) = python_runner.prepare(recipe.steps[0], recipe)
    assert again.code == "E034"


def test_a_slow_module_within_the_limit_imports(python_runner, tmp_path, monkeypatch):
    monkeypatch.setenv("F0_IMPORT_TIMEOUT", "30")
    body = "import time\ntime.sleep(0.05)\ndef f(context, params):\n    pass\n"
    recipe = recipe_in(write_files(tmp_path, {"slow_but_fine.py": body}), _step("slow_but_fine"))
    assert python_runner.prepare(recipe.steps[0], recipe) == []
