"""Issue 19 end to end: what ``f0 validate`` accepts, ``f0 run`` survives; bad input is refused.

The console script, in a subprocess: each case used to end in ``internal
error`` (exit 1), exit 130 with no message, or a hang.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow

OK = "def ok(context, params):\n    context.set('ran', True)\n"


def recipe(step_extra: str = "", module: str = "steps") -> str:
    return (
        "metadata: {name: limits}\nsteps:\n"
        f"  - {{name: a, idx: 1, module: {module}, function: ok{step_extra}}}\n"
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (", timeout: 3.0e10", "timeout must be at most 1,000,000,000 seconds"),
        (", timeout: 1" + "0" * 400, "timeout must be at most 1,000,000,000 seconds"),
        (", retries: 2, retry: {delay: 1.0e300, factor: 1.0e300}", "retry.delay must be at most"),
        (", args: {? {a: 1} : 2}", "runs are recorded as JSON"),
        (", args: &a {k: *a}", "a YAML alias refers to a value that contains it"),
    ],
)
def test_validate_and_run_refuse_what_would_crash_the_run(f0, project, extra, message):
    root = project({"steps.py": OK, "recipe.yaml": recipe(extra)})
    for command in ("validate", "run"):
        result = f0(command, str(root / "recipe.yaml"))
        assert result.returncode == 2, result
        assert message in result.stdout + result.stderr, result
        assert "internal error" not in result.stderr, result


def test_the_largest_accepted_numbers_run(f0, project):
    extra = ", timeout: 1000000000, retries: 3, retry: {delay: 1.0e9, factor: 1000, jitter: 1}"
    root = project({"steps.py": OK, "recipe.yaml": recipe(extra)})
    result = f0("run", str(root / "recipe.yaml"), "-q")
    assert result.returncode == 0, result


@pytest.mark.parametrize(
    ("body", "env", "message"),
    [
        ("raise KeyboardInterrupt\n", {}, "importing module 'mod' failed: KeyboardInterrupt"),
        (
            "import time\ntime.sleep(3600)\n",
            {"F0_IMPORT_TIMEOUT": "0.5"},
            "importing module 'mod' did not finish within 0.5 s (F0_IMPORT_TIMEOUT)",
        ),
    ],
)
def test_a_module_misbehaving_at_import_is_named(f0, project, body, env, message):
    root = project({"mod.py": body, "recipe.yaml": recipe(module="mod")})
    result = f0("validate", str(root / "recipe.yaml"), env=env, timeout=60)
    assert result.returncode == 2, result
    assert message in result.stdout, result


def test_oversized_input_is_refused_with_the_limit_named(f0, tmp_path):
    long_name = tmp_path / ("r" * 300 + ".yaml")
    result = f0("validate", str(long_name))
    assert result.returncode == 2, result
    assert "cannot read recipe: File name too long" in result.stdout, result

    bomb = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    bomb += [f"a{k}: &a{k} [" + ", ".join([f"*a{k - 1}"] * 10) + "]" for k in range(1, 10)]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(bomb) + "\nsteps: [*a9]\n", encoding="utf-8")
    result = f0("validate", str(path))
    assert result.returncode == 2, result
    assert "once aliases are expanded (the F0_MAX_RECIPE_NODES limit" in result.stdout, result

    result = f0("run", str(path), env={"F0_MAX_RECIPE_BYTES": "100"})
    assert result.returncode == 2, result
    assert "over the 100 bytes limit (F0_MAX_RECIPE_BYTES=100" in result.stderr, result
