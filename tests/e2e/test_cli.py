"""CLI surface end to end: help, version, plugins, plan, missing plugins."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

QUICKSTART = Path(__file__).resolve().parents[2] / "examples" / "quickstart" / "recipe.yaml"
FIRST_PARTY = {"yaml", "python", "local", "context"}


def test_version_and_help(f0):
    version = f0("--version")
    assert version.returncode == 0
    assert version.stdout.startswith("f0 ")
    helped = f0("--help")
    assert helped.returncode == 0
    for command in ("run", "validate", "plan", "plugins", "hello"):
        assert command in helped.stdout


def test_plugins_lists_first_party(f0):
    result = f0("plugins", "--json")
    assert result.returncode == 0, result
    listed = {p["name"]: p for p in result.json()["plugins"]}
    assert set(listed) >= FIRST_PARTY
    assert listed["yaml"]["distribution"] == "f0-plugin-yaml"
    assert "f0_load_recipe" in listed["yaml"]["hooks"]
    assert "f0_scheduler" in listed["local"]["hooks"]
    text = f0("plugins")
    assert "f0-plugin-local" in text.stdout


def test_without_yaml_plugin_f0_says_what_to_install(f0, tmp_path):
    recipe = tmp_path / "r.yaml"
    recipe.write_text("metadata: {name: x}\nsteps: []\n")
    result = f0("run", str(recipe), env={"F0_LOAD_PLUGINS": "python,local,context"})
    assert result.returncode == 2
    assert "pip install f0-plugin-yaml" in result.stderr
    assert "Traceback" not in result.stderr
    listed = f0("plugins", "--json", env={"F0_DISABLE_PLUGINS": "yaml"}).json()
    assert "yaml" not in {p["name"] for p in listed["plugins"]}


def test_without_scheduler_plugin(f0, tmp_path):
    shutil.copytree(
        QUICKSTART.parent, tmp_path / "q", ignore=shutil.ignore_patterns("out", "__pycache__")
    )
    result = f0(
        "run", str(tmp_path / "q" / "recipe.yaml"), env={"F0_DISABLE_PLUGINS": "f0-plugin-local"}
    )
    assert result.returncode == 2
    assert "pip install f0-plugin-local" in result.stderr


def test_plan_json_levels(f0):
    result = f0("plan", str(QUICKSTART), "--json")
    assert result.returncode == 0, result
    plan = result.json()
    assert plan["order"][0] == "load"
    assert plan["levels"][2] == ["totals_by_region", "monthly_trend"]
    assert all(step["action"] == "RUN" for step in plan["steps"].values())
    text = f0("plan", str(QUICKSTART))
    assert "monthly_trend" in text.stdout


def test_validate_ok(f0):
    result = f0("validate", str(QUICKSTART))
    assert result.returncode == 0, result
    assert result.stdout.strip().endswith("ok (7 steps)")


def test_without_terminal_plugin_the_run_ends_with_one_line_naming_it(f0, tmp_path):
    shutil.copytree(
        QUICKSTART.parent, tmp_path / "q", ignore=shutil.ignore_patterns("out", "__pycache__")
    )
    recipe = str(tmp_path / "q" / "recipe.yaml")
    env = {"F0_DISABLE_PLUGINS": "terminal"}
    result = f0("run", recipe, "--store", "none", env=env)
    assert result.returncode == 0, result
    assert result.stdout.splitlines()[-1] == (
        "COMPLETED: 7 steps, 7 completed "
        "(for progress and a summary: pip install f0-plugin-terminal)"
    )
    # --log-json adds the kernel's event logger, not a view of the run: the line stays.
    logged = f0("run", recipe, "--store", "none", "--log-json", env=env)
    assert logged.stdout.splitlines()[-1] == result.stdout.splitlines()[-1]
    # --json stays one JSON object on stdout.
    assert f0("run", recipe, "--store", "none", "--json", env=env).json()["status"] == "COMPLETED"


@pytest.mark.parametrize(
    ("option", "plugin", "dist"),
    [
        (["--summary", "full"], "terminal", "f0-plugin-terminal"),
        (["--context-server", "http://127.0.0.1:9"], "server", "f0-plugin-server"),
    ],
)
def test_a_run_option_of_a_missing_plugin_names_the_plugin(f0, option, plugin, dist):
    result = f0("run", str(QUICKSTART), *option, env={"F0_DISABLE_PLUGINS": plugin})
    assert result.returncode == 2
    assert (
        f"{option[0]}: this option of f0 run comes from {dist}, which is not installed"
        in result.stderr
    )
    assert f"install it with: pip install {dist}" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_mistyped_run_option_keeps_clicks_message(f0):
    typo = f0("run", str(QUICKSTART), "--summar", "full")
    assert typo.returncode == 2
    assert "No such option: --summar" in typo.stderr
