"""Bad input end to end: one clear line naming the place, exit 2, nothing run."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

STEPS = Path(__file__).with_name("steps_lib.py")
GOOD_STEP = "{name: a, idx: 1, module: steps, function: put, args: {log: LOG}}"


def write(tmp_path: Path, text: str) -> Path:
    shutil.copy(STEPS, tmp_path / "steps.py")
    path = tmp_path / "recipe.yaml"
    path.write_text(text.replace("LOG", str(tmp_path / "ran.txt")), encoding="utf-8")
    return path


CASES = {
    "malformed_yaml": (
        "metadata: {name: x}\nsteps:\n  - {name: a, idx: 1\n",
        r"recipe\.yaml:\d+:\d+: ",
    ),
    "empty_file": ("", r"recipe\.yaml(:\d+:\d+)?: .*empty"),
    "steps_missing": ("metadata: {name: x}\n", r"recipe\.yaml(:\d+:\d+)?: .*steps"),
    "steps_not_a_list": ("metadata: {name: x}\nsteps: {a: 1}\n", r"recipe\.yaml:2:\d+: .*steps"),
    "duplicate_names": (
        f"metadata: {{name: x}}\nsteps:\n  - {GOOD_STEP}\n  - {{name: a, idx: 2, module: steps, function: put}}\n",
        r"recipe\.yaml:4:\d+: .*duplicate step name 'a'",
    ),
    "unknown_dependency": (
        f"metadata: {{name: x}}\nsteps:\n  - {GOOD_STEP}\n"
        "  - {name: b, idx: 2, module: steps, function: put, depends_on: [nope]}\n",
        r"recipe\.yaml:4:\d+: .*unknown step 'nope'",
    ),
    "cycle": (
        "metadata: {name: x}\nsteps:\n"
        "  - {name: a, idx: 1, module: steps, function: put, depends_on: [b]}\n"
        "  - {name: b, idx: 2, module: steps, function: put, depends_on: [a]}\n",
        r"recipe\.yaml:\d+:\d+: .*cycle: (a -> b -> a|b -> a -> b)",
    ),
    "module_missing": (
        "metadata: {name: x}\nsteps:\n  - {name: a, idx: 1, module: no_such_mod, function: put}\n",
        r"recipe\.yaml:3:\d+: .*no_such_mod",
    ),
    "function_missing": (
        "metadata: {name: x}\nsteps:\n  - {name: a, idx: 1, module: steps, function: putt}\n",
        r"recipe\.yaml:3:\d+: .*putt",
    ),
    "wrong_type": (
        f"metadata: {{name: x}}\nsteps:\n  - {GOOD_STEP}\n"
        "  - name: b\n    idx: 2\n    module: steps\n    function: put\n    timeout: soon\n",
        r"recipe\.yaml:8:14: .*timeout",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_recipe(f0, tmp_path, case):
    text, pattern = CASES[case]
    path = write(tmp_path, text)
    for command in ("run", "validate"):
        result = f0(command, str(path))
        assert result.returncode == 2, (command, result)
        assert "Traceback" not in result.stderr + result.stdout
        output = result.stderr if command == "run" else result.stdout + result.stderr
        assert re.search(pattern, output), (command, output)
    assert not (tmp_path / "ran.txt").exists(), "a step ran although the recipe is invalid"


def test_run_stderr_is_one_line_per_problem(f0, tmp_path):
    path = write(tmp_path, CASES["module_missing"][0])
    result = f0("run", str(path))
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert result.stdout == ""


def test_validate_reports_every_problem_at_once(f0, tmp_path):
    path = write(
        tmp_path,
        "metadata: {name: x}\nsteps:\n"
        "  - {name: a, idx: 1, module: steps, function: put, depends_on: [ghost]}\n"
        "  - {name: a, idx: 2, module: steps, function: nope}\n"
        "  - {name: c, idx: 3, module: steps, function: put, timeout: -1}\n",
    )
    result = f0("validate", str(path))
    assert result.returncode == 2
    out = result.stdout
    assert re.search(r"recipe\.yaml:3:\d+: .*ghost", out)
    assert re.search(r"recipe\.yaml:4:\d+: .*duplicate step name", out)
    assert re.search(r"recipe\.yaml:4:\d+: .*nope", out)
    assert re.search(r"recipe\.yaml:5:\d+: .*timeout", out)


def test_missing_recipe_path(f0, tmp_path):
    result = f0("run", str(tmp_path / "absent.yaml"))
    assert result.returncode == 2
    assert result.stderr.strip() == f"{tmp_path / 'absent.yaml'}: recipe file does not exist"


def test_set_without_equals(f0, tmp_path):
    path = write(tmp_path, f"metadata: {{name: x}}\nsteps:\n  - {GOOD_STEP}\n")
    result = f0("run", str(path), "--set", "novalue")
    assert result.returncode == 2
    assert result.stderr.strip() == "--set: expected KEY=VALUE, got 'novalue'"
    assert not (tmp_path / "ran.txt").exists()


def test_unknown_option_is_usage_error(f0):
    result = f0("run", "--no-such-flag")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_unknown_scheduler(f0, tmp_path):
    path = write(tmp_path, f"metadata: {{name: x}}\nsteps:\n  - {GOOD_STEP}\n")
    result = f0("run", str(path), "--scheduler", "nope")
    assert result.returncode == 2
    assert "scheduler 'nope'" in result.stderr


def test_unknown_keys_are_errors_unless_lenient(f0, tmp_path):
    path = write(
        tmp_path,
        "metadata: {name: x}\nsteps:\n  - {name: a, idx: 1, module: steps, function: put, colour: red}\n",
    )
    relaxed = f0("validate", "--lenient", str(path))
    assert relaxed.returncode == 0, relaxed
    assert re.search(r"recipe\.yaml:3:\d+: warning: .*colour", relaxed.stdout)
    strict = f0("validate", str(path))
    assert strict.returncode == 2
