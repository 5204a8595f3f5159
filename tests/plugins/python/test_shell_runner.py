"""The shell step type: real subprocesses, outputs in the context, timeouts that kill."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import f0
import pytest

from .python_plugin_support import KEY_POS, recipe_in, run_step, shell_step

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the commands are POSIX shell")


@pytest.fixture
def recipe(tmp_path):
    return recipe_in(tmp_path)


def run(runner, recipe, command, *, timeout=None, **options):
    return run_step(runner, recipe, shell_step(command, **options), timeout=timeout)


def test_string_command_runs_through_the_shell(shell_runner, recipe):
    outcome, delta = run(shell_runner, recipe, "echo $((1 + 2)); echo warn >&2")
    assert outcome == f0.StepOutcome(success=True, exit_code=0)
    assert delta.changes == {"sh.stdout": "3\n", "sh.stderr": "warn\n", "sh.exit_code": 0}


def test_list_command_runs_without_a_shell(shell_runner, recipe):
    outcome, delta = run(shell_runner, recipe, ["echo", "$HOME", "a b", 7])
    assert outcome.success
    assert delta.changes["sh.stdout"] == "$HOME a b 7\n"


def test_output_key(shell_runner, recipe):
    _, delta = run(shell_runner, recipe, "echo hi", output_key="greeting")
    assert delta.changes == {
        "greeting.stdout": "hi\n",
        "greeting.stderr": "",
        "greeting.exit_code": 0,
    }


def test_non_zero_exit_fails_with_last_stderr_line(shell_runner, recipe):
    outcome, delta = run(
        shell_runner, recipe, "echo first >&2; echo 'last words' >&2; echo; exit 5"
    )
    assert (outcome.success, outcome.exit_code) == (False, 5)
    assert outcome.error == "exit code 5: last words"
    assert delta.changes["sh.exit_code"] == 5  # recorded, though the kernel discards a failed delta


def test_non_zero_exit_without_stderr(shell_runner, recipe):
    outcome, _ = run(shell_runner, recipe, ["false"])
    assert (outcome.exit_code, outcome.error) == (1, "exit code 1")


def test_expected_exit_code_from_success_criteria(shell_runner, recipe):
    outcome, _ = run(shell_runner, recipe, "exit 1", success_criteria={"exit_code": 1})
    assert (outcome.success, outcome.exit_code) == (True, 1)


def test_killed_by_a_signal(shell_runner, recipe):
    outcome, _ = run(shell_runner, recipe, "kill -TERM $$")
    assert (outcome.success, outcome.exit_code, outcome.error) == (False, 143, "killed by SIGTERM")


def test_output_is_decoded_with_replacement(shell_runner, recipe):
    _, delta = run(
        shell_runner,
        recipe,
        [sys.executable, "-c", "import sys; sys.stdout.buffer.write(b'ok \\xff')"],
    )
    assert delta.changes["sh.stdout"] == "ok \ufffd"


def test_env_is_merged_over_the_environment(shell_runner, recipe, monkeypatch):
    monkeypatch.setenv("F0_TEST_INHERITED", "from-parent")
    outcome, delta = run(
        shell_runner,
        recipe,
        'echo "$GREETING $N $F0_TEST_INHERITED"',
        env={"GREETING": "hi", "N": 3},
    )
    assert outcome.success
    assert delta.changes["sh.stdout"] == "hi 3 from-parent\n"


def test_cwd_defaults_to_the_recipe_folder_and_is_relative_to_it(shell_runner, recipe, tmp_path):
    (tmp_path / "sub").mkdir()
    _, delta = run(shell_runner, recipe, ["pwd"])
    assert Path(delta.changes["sh.stdout"].strip()).resolve() == tmp_path.resolve()
    _, delta = run(shell_runner, recipe, ["pwd"], cwd="sub")
    assert Path(delta.changes["sh.stdout"].strip()).resolve() == (tmp_path / "sub").resolve()


def test_missing_cwd_fails(shell_runner, recipe):
    outcome, _ = run(shell_runner, recipe, ["pwd"], cwd="nowhere")
    assert not outcome.success
    assert outcome.error is not None
    assert outcome.error.startswith("cwd is not a directory: ")


def test_command_not_found(shell_runner, recipe):
    outcome, _ = run(shell_runner, recipe, ["no-such-command-f0-test"])
    assert (outcome.success, outcome.exit_code) == (False, 127)
    assert outcome.error == "command not found: no-such-command-f0-test"


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie is dead, just not reaped


def test_timeout_kills_the_process_group(shell_runner, recipe, tmp_path):
    started = time.monotonic()
    outcome, delta = run(
        shell_runner, recipe, "sleep 30 & echo $! > child.pid; sleep 30", timeout=0.5
    )
    elapsed = time.monotonic() - started
    assert elapsed < 10
    assert (outcome.success, outcome.exit_code, outcome.error) == (False, 124, "timeout after 0.5s")
    assert delta.empty
    child = int((tmp_path / "child.pid").read_text())
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child), "the background child of the shell survived the timeout"


def test_list_command_timeout(shell_runner, recipe):
    started = time.monotonic()
    outcome, _ = run(shell_runner, recipe, ["sleep", "30"], timeout=0.5)
    assert time.monotonic() - started < 10
    assert outcome.error == "timeout after 0.5s"


# -- prepare -------------------------------------------------------------------


def prepare(runner, recipe, command, **options):
    return runner.prepare(shell_step(command, key_pos=KEY_POS, **options), recipe)


def test_prepare_accepts_good_steps(shell_runner, recipe):
    assert (
        prepare(shell_runner, recipe, "echo hi", env={"A": "1", "B": 2}, cwd="x", output_key="o")
        == []
    )
    assert prepare(shell_runner, recipe, ["echo", "hi", 3]) == []


@pytest.mark.parametrize(
    ("command", "options", "key", "message"),
    [
        (None, {}, None, "shell steps need 'command' (a string or a list of strings)"),
        ("  ", {}, "command", "'command' is empty"),
        ([], {}, "command", "'command' is an empty list"),
        (42, {}, "command", "'command' must be a string or a list of strings, not int"),
        (["echo", {"a": 1}], {}, "command", "'command[1]' must be a string, not dict"),
        ("true", {"env": ["A=1"]}, "env", "'env' must be a mapping of strings, not list"),
        ("true", {"env": {"A": [1]}}, "env", "'env.A' must be a string, not list"),
        ("true", {"env": {"A": True}}, "env", "'env.A' must be a string, not bool"),
        ("true", {"env": {"A=B": "1"}}, "env", "'env' has an invalid variable name 'A=B'"),
        ("true", {"cwd": 3}, "cwd", "'cwd' must be a string, not int"),
        ("true", {"output_key": ""}, "output_key", "'output_key' must be a non-empty string"),
    ],
)
def test_prepare_problems(shell_runner, recipe, command, options, key, message):  # noqa: PLR0917
    step_pos = f0.SourcePos("recipe.yaml", 9, 3)
    step = shell_step(command, key_pos=KEY_POS, **options)
    if command is None:
        step = f0.Step(name="sh", idx=1, type="shell", options=options, pos=step_pos)
    (problem,) = shell_runner.prepare(step, recipe)
    assert problem.is_error
    assert problem.message == f"step 'sh': {message}"
    assert problem.pos == (KEY_POS[key] if key else step_pos)


def test_prepare_warns_that_args_are_ignored(shell_runner, recipe):
    (problem,) = prepare(shell_runner, recipe, "true", args=["x"])
    assert not problem.is_error
    assert problem.pos == KEY_POS["args"]
