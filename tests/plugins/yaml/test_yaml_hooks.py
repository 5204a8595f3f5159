"""The plugin through pluggy: entry point ``yaml``, ``Hooks.load_recipe``, lazy imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import attrs
import f0_yaml
import pytest
from f0 import MissingProviderError, Recipe, RecipeError
from f0.hooks import Hooks
from f0.manager import PluginSelection, make_plugin_manager

RECIPE = "metadata: {name: hooked}\nsteps:\n  - {name: a, idx: 1, module: m, function: f}\n"


@pytest.fixture
def hooks() -> Hooks:
    # Only the entry point "yaml" (plus the kernel's built-ins).
    return Hooks(make_plugin_manager(PluginSelection(autoload=False, load=("yaml",), strict=True)))


def test_entry_point_registers_the_loader(hooks):
    assert "yaml" in hooks.pm.infos
    assert hooks.pm.infos["yaml"].distribution == "f0-plugin-yaml"
    assert hooks.pm.hooks_of("yaml") == ["f0_load_recipe", "f0_register_commands"]


@pytest.mark.parametrize("name", ["r.yaml", "r.yml", "r.YAML", "r.json"])
def test_hooks_load_recipe(hooks, tmp_path, name):
    path = tmp_path / name
    path.write_text(RECIPE, encoding="utf-8")  # JSON files are read by the same parser
    recipe = hooks.load_recipe(path)
    assert isinstance(recipe, Recipe)
    assert recipe.name == "hooked"
    assert recipe.path == path
    assert recipe.steps[0].pos is not None
    assert recipe.steps[0].pos.path == str(path)


def test_fatal_errors_come_through_the_hook(hooks, tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("# nothing\n", encoding="utf-8")
    with pytest.raises(RecipeError, match="recipe is empty"):
        hooks.load_recipe(path)


@pytest.mark.parametrize("name", ["r.toml", "r.txt", "recipe", "r.yaml.bak"])
def test_other_suffixes_are_not_ours(hooks, tmp_path, name):
    path = tmp_path / name
    path.write_text(RECIPE, encoding="utf-8")
    assert f0_yaml.f0_load_recipe(path=path, text=RECIPE, positions=False) is None
    with pytest.raises(MissingProviderError):
        hooks.load_recipe(path)


def test_without_the_plugin_yaml_is_a_missing_provider(tmp_path):
    hooks = Hooks(make_plugin_manager(PluginSelection(autoload=False, load=())))
    path = tmp_path / "r.yaml"
    path.write_text(RECIPE, encoding="utf-8")
    with pytest.raises(MissingProviderError, match="f0-plugin-yaml"):
        hooks.load_recipe(path)


def test_ruamel_is_imported_only_when_positions_are_needed():
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "import f0_yaml\n"
        "assert 'ruamel.yaml' not in sys.modules, 'imported at plugin import'\n"
        "assert f0_yaml.f0_load_recipe(path=Path('r.toml'), text='', positions=False) is None\n"
        "assert 'ruamel.yaml' not in sys.modules, 'imported for a suffix that is not ours'\n"
        "good = 'metadata: {name: r}\\nsteps:\\n  - {name: a, idx: 1, module: m, function: f}\\n'\n"
        "recipe = f0_yaml.f0_load_recipe(path=Path('r.yaml'), text=good, positions=False)\n"
        "assert recipe.positions is False and not recipe.problems\n"
        "assert 'f0_yaml._positions' not in sys.modules, 'the positioned reader for a valid recipe'\n"
        "f0_yaml.f0_load_recipe(path=Path('r.yaml'), text='steps: []', positions=False)\n"
        "assert 'f0_yaml._positions' in sys.modules, 'a problem needs positions'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_suffixes_constant():
    assert {".yaml", ".yml", ".json"} == f0_yaml.SUFFIXES
    assert Path("x.JSON").suffix.lower() in f0_yaml.SUFFIXES


FAST_YAML = """\
metadata: {name: fast, version: "1.0", tags: [a, b]}
defaults: {timeout: 30, retries: 1}
steps:
  - name: one
    idx: 1
    module: m
    function: f
    args: {path: "data/x.csv", when: 2026-12-04, ratio: 0.5, "quoted \\u00e9": [1, null, true]}
  - {name: two, idx: 2, module: m, function: f, depends_on: [one], cache: 3600}
"""


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_a_valid_recipe_takes_the_fast_path_and_matches_the_positioned_one(suffix):
    # The fast reader falls back silently on anything it is unsure of; this
    # test fails if it stops being used at all.
    text = FAST_YAML
    if suffix == ".json":
        from ruamel.yaml import YAML

        text = json.dumps(YAML(typ="safe").load(FAST_YAML), default=str)
    path = Path("r" + suffix)
    fast = f0_yaml.f0_load_recipe(path=path, text=text, positions=False)
    slow = f0_yaml.f0_load_recipe(path=path, text=text, positions=True)
    assert fast.positions is False
    assert slow.positions is True
    assert not fast.problems
    assert fast.file_hash == slow.file_hash
    assert fast.raw == slow.raw
    assert [attrs.evolve(s, pos=None, key_pos={}) for s in fast.steps] == [
        attrs.evolve(s, pos=None, key_pos={}) for s in slow.steps
    ]
    assert slow.steps[1].where("depends_on").line == (9 if suffix == ".yaml" else 1)


@pytest.mark.parametrize(
    "text",
    [
        "steps:\n  - &a {name: a, idx: 1, module: m, function: f}\n",  # anchor
        "steps:\n  - {name: a, idx: 1, module: m, function: !f f}\n",  # tag
        "---\nsteps: []\n---\nsteps: []\n",  # two documents
        "x: &b {k: 1}\nsteps:\n  - <<: *b\n    name: a\n",  # merge key
    ],
)
def test_what_the_fast_reader_may_read_differently_goes_to_the_positioned_one(text):
    recipe_or_error: object
    try:
        recipe_or_error = f0_yaml.f0_load_recipe(path=Path("r.yaml"), text=text, positions=False)
    except Exception as exc:
        recipe_or_error = exc
    assert getattr(recipe_or_error, "positions", True) is True
