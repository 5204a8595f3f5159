"""Tests of the example plugin, written the way a plugin author would."""

from __future__ import annotations

import json

import f0_hello
import pytest


@pytest.fixture
def hello(f0_register):
    # Register the plugin module itself: the test does not depend on it being installed.
    return f0_register(f0_hello, name="hello-under-test")


def test_command_greets(hello, f0_cli):
    result = f0_cli("hello", "Ada")
    assert result.exit_code == 0
    assert result.stdout.strip() == "Hello, Ada!"


def test_command_shouts(hello, f0_cli):
    assert f0_cli("hello", "Ada", "--shout").stdout.strip() == "HELLO, ADA!"


def test_step_type_runs_in_a_recipe(hello, f0_project, f0_run):
    root = f0_project(
        {
            "recipe.yaml": """
            metadata: {name: greet}
            steps:
              - {name: hi, idx: 1, type: hello, greet: Grace}
              - {name: loud, idx: 2, type: hello, greet: Linus, shout: true, depends_on: [hi]}
            """
        }
    )
    result = f0_run(root / "recipe.yaml")
    assert result.status.value == "COMPLETED"
    assert result.context["hello.hi"] == "Hello, Grace!"
    assert result.context["hello.loud"] == "HELLO, LINUS!"
    assert result.context["steps.hi.result"] == {"greeting": "Hello, Grace!"}


def test_bad_greet_is_a_validation_error(hello, f0_project, f0_cli):
    root = f0_project(
        {
            "recipe.yaml": "metadata: {name: bad}\nsteps:\n  - {name: hi, idx: 1, type: hello, greet: 42}\n"
        }
    )
    result = f0_cli("validate", str(root / "recipe.yaml"), "--json")
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert report["valid"] is False
    assert report["problems"][0]["line"] == 3
    assert "greet must be a string" in report["problems"][0]["message"]


def test_unknown_key_is_an_error_with_a_suggestion(hello, f0_project, f0_cli):
    root = f0_project(
        {
            "recipe.yaml": "metadata: {name: w}\nsteps:\n  - {name: hi, idx: 1, type: hello, gret: x}\n"
        }
    )
    result = f0_cli("validate", str(root / "recipe.yaml"))
    assert result.exit_code == 2
    assert "unknown key 'gret' for step type 'hello'; did you mean `greet`?" in result.stdout
    assert f0_cli("validate", "--lenient", str(root / "recipe.yaml")).exit_code == 0
