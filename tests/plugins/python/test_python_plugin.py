"""The plugin as the kernel sees it: hooks, validation, pickling, process workers."""

from __future__ import annotations

import multiprocessing
import pickle
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor

import f0
import f0_python
import pytest
from f0.errors import MissingProviderError
from f0.validate import validate_recipe

from .python_plugin_support import KEY_POS, py_step, run_step, shell_step

STEPS = """
    def double(context, params):
        context.set("doubled", context.get("n", 0) * 2)
        return {"status": "ok"}
"""


def test_hooks_provide_both_step_types(python_hooks):
    assert type(python_hooks.step_runner("python")).__name__ == "PythonRunner"
    assert type(python_hooks.step_runner("shell")).__name__ == "ShellRunner"
    assert {"python", "shell"} <= set(python_hooks.step_types())
    with pytest.raises(MissingProviderError):
        python_hooks.step_runner("no-such-type")


def test_hookimpls_directly():
    assert f0_python.f0_step_runner("docker") is None
    assert f0_python.f0_step_types() == ["python", "shell"]
    for step_type in ("python", "shell"):
        runner = f0_python.f0_step_runner(step_type)
        assert isinstance(runner, f0.StepRunner)
    assert f0_python.f0_step_runner("python").option_keys == frozenset()
    assert f0_python.f0_step_runner("shell").option_keys == {"command", "env", "cwd", "output_key"}


def test_runners_survive_pickling(python_hooks):
    for step_type in ("python", "shell"):
        runner = python_hooks.step_runner(step_type)
        clone = pickle.loads(pickle.dumps(runner))
        assert clone == runner
        assert clone.option_keys == runner.option_keys


def test_validate_recipe_reports_runner_problems_with_positions(python_hooks, make_recipe):
    recipe = make_recipe(
        {"steps.py": STEPS},
        py_step("double"),
        py_step("dubble", name="typo", idx=2, key_pos=KEY_POS),
        shell_step(None, name="noop", idx=3, key_pos=KEY_POS),
        shell_step("true", name="extra", idx=4, verbose=True),
    )
    problems = validate_recipe(python_hooks, recipe)
    messages = {str(p) for p in problems}
    typo = "step 'typo': module 'steps' has no function 'dubble'; did you mean 'double'?"
    assert f"{KEY_POS['function']}: {typo}" in messages
    noop = "step 'noop': shell steps need 'command' (a string or a list of strings)"
    assert f"{KEY_POS['command']}: {noop}" in messages
    assert "step 'extra': unknown key 'verbose' for step type 'shell'" in messages
    assert len(problems) == 3


def test_run_through_the_hooks_runner(python_hooks, make_recipe):
    recipe = make_recipe({"steps.py": STEPS}, py_step("double"))
    outcome, delta = run_step(python_hooks.step_runner("python"), recipe, seed={"n": 21})
    assert outcome.success
    assert delta.changes == {"doubled": 42}


def _attempt(runner, step, base_dir, snapshot):
    # Runs in a spawned worker: a fresh interpreter that only gets pickles.
    context = f0.StepContext(snapshot, who=step.name)
    outcome = f0.run_attempt(runner, step, context, f0.StepEnv(run_id="p", base_dir=base_dir))
    return outcome, context.delta()


@pytest.mark.slow
def test_runners_work_in_a_spawned_worker_process(python_hooks, make_recipe):
    recipe = make_recipe({"steps.py": STEPS}, py_step("double"))
    sh = shell_step("echo worker")
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        py_job = pool.submit(
            _attempt, python_hooks.step_runner("python"), recipe.steps[0], recipe.base_dir, {"n": 4}
        )
        sh_job = pool.submit(_attempt, python_hooks.step_runner("shell"), sh, recipe.base_dir, {})
        outcome, delta = py_job.result(timeout=60)
        assert (outcome.success, delta.changes) == (True, {"doubled": 8})
        outcome, delta = sh_job.result(timeout=60)
        assert (outcome.success, delta.changes["sh.stdout"]) == (True, "worker\n")


def test_importing_the_plugin_is_cheap():
    code = (
        "import sys, f0_python; "
        "print(sorted(m for m in sys.modules if m.startswith('f0_python') "
        "or m in ('subprocess', 'difflib', 'structlog')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['f0_python']"
