"""The plugin through pluggy: entry point ``yaml``, ``Hooks.load_recipe``, lazy imports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
    assert hooks.pm.hooks_of("yaml") == ["f0_load_recipe"]


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
