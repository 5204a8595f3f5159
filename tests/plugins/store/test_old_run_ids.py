"""Run ids of older f0 versions (``20261126-130102-3fa2c1``) keep working beside new short ones."""

from __future__ import annotations

import json

from f0.builtin.commands import load_valid_recipe
from f0.engine import run_recipe
from f0.hooks import Hooks
from f0.testing import invoke_cli, make_test_plugin_manager, write_project

PLUGINS = ("yaml", "python", "local", "context", "store", "cache")
OLD_ID = "20261126-130102-3fa2c1"

RECIPE = """
metadata: {name: old}
steps:
  - {name: one, idx: 1, module: steps, function: one}
  - {name: two, idx: 2, module: steps, function: two, depends_on: [one]}
"""

STEPS = """
import os


def one(context, params):
    context.set("one", context.get("one", 0) + 1)


def two(context, params):
    if os.path.exists("fail"):
        raise RuntimeError("asked to fail")
    context.set("two", True)
"""


def test_resume_and_show_an_old_format_run_id(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("F0_STORE", raising=False)
    write_project(tmp_path, {"recipe.yaml": RECIPE, "steps.py": STEPS, "fail": ""})
    pm = make_test_plugin_manager(PLUGINS)
    hooks = Hooks(pm)
    recipe, _, _ = load_valid_recipe(hooks, tmp_path / "recipe.yaml")
    store = hooks.open_run_store(None, near=recipe.base_dir)
    assert store is not None
    try:  # an old f0 recorded this failed run under a six-hex-digit id
        old = run_recipe(hooks, recipe, store=store, run_id=OLD_ID)
    finally:
        store.close()
    assert old.status.value == "FAILED"
    (tmp_path / "fail").unlink()
    resumed = invoke_cli(pm, "run", "recipe.yaml", "--resume", OLD_ID, "--json", "-q")
    assert resumed.exit_code == 0, resumed.output
    result = json.loads(resumed.stdout)
    assert result["context"]["one"] == 1  # replayed, not run again
    assert result["context"]["two"] is True
    assert len(result["run_id"]) == len("20261204-153012-a1b2")
    shown = invoke_cli(pm, "runs", "show", OLD_ID[:-2], "--json")
    assert json.loads(shown.stdout)["run_id"] == OLD_ID
    listed = invoke_cli(pm, "runs", "list")
    assert OLD_ID in listed.stdout
    assert result["run_id"] in listed.stdout
