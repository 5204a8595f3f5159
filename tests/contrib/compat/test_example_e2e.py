"""examples/framework0: old-style scriptlets and recipe, unchanged, through the installed f0."""

from __future__ import annotations

import json
import shutil
import statistics

import pytest

from .compat_support import EXAMPLE, f0, module

pytestmark = pytest.mark.slow


@pytest.fixture
def example(tmp_path):
    """A copy of the example (runs must not write into the repository)."""
    target = tmp_path / "framework0"
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns("__pycache__", ".f0"))
    return target


def test_f0_run_runs_the_framework0_example_unchanged(example):
    done = f0(["run", "recipe.yaml", "--json"], example)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["status"] == "COMPLETED"
    assert list(report["steps"]) == ["generate", "stats", "announce"]
    numbers = list(range(1, 10))
    assert report["context"]["numbers.raw"] == numbers
    assert report["context"]["numbers.stats_v1"] == {
        "count": 9,
        "mean": statistics.mean(numbers),
        "median": statistics.median(numbers),
        "stdev": round(statistics.stdev(numbers), 6),
    }
    assert report["context"]["steps.stats.result"]["status"] == "success"
    assert "statistics stored under numbers.stats_v1" in done.stderr  # print() of the last step


def test_the_old_runner_and_parser_commands(example):
    run = module(["orchestrator.runner", "--recipe", "recipe.yaml"], example)
    assert run.returncode == 0, run.stderr
    assert "COMPLETED: 3/3 steps completed" in run.stdout
    valid = module(["orchestrator.enhanced_recipe_parser", "validate", "recipe.yaml"], example)
    assert valid.returncode == 0, valid.stdout + valid.stderr
    assert "valid - 0 error(s), 0 warning(s), 3 step(s)" in valid.stdout


def test_debug_shows_the_scriptlets_log(example):
    done = f0(["run", "recipe.yaml", "--quiet"], example)
    assert "generated 9 numbers" not in done.stderr
    debug = module(["orchestrator.runner", "--recipe", "recipe.yaml", "--debug"], example)
    assert debug.returncode == 0, debug.stderr
    assert "generated 9 numbers" in debug.stderr
