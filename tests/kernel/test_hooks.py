"""hooks.py: the typed facade; missing providers name what to install."""

from __future__ import annotations

import pytest
from f0 import hookimpl
from f0.errors import MissingProviderError, RecipeError, UsageError
from f0.model import SchedulerOptions

from .support import make_recipe, make_step


def test_missing_yaml_loader_names_the_plugin(hooks, tmp_path):
    path = tmp_path / "recipe.yaml"
    path.write_text("steps: []\n")
    with pytest.raises(MissingProviderError) as info:
        hooks.load_recipe(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert "pip install f0-plugin-yaml" in message
    assert "\n" not in message
    assert info.value.exit_code == 2


@pytest.mark.parametrize("name", ["recipe.YML", "recipe.json"])
def test_other_recipe_suffixes_hint_yaml(hooks, tmp_path, name):
    path = tmp_path / name
    path.write_text("{}")
    with pytest.raises(MissingProviderError, match="pip install f0-plugin-yaml"):
        hooks.load_recipe(path)


def test_unknown_suffix_points_at_f0_plugins(hooks, tmp_path):
    path = tmp_path / "recipe.toml"
    path.write_text("")
    with pytest.raises(MissingProviderError, match=r"recipe '\.toml'.*f0 plugins"):
        hooks.load_recipe(path)


def test_load_recipe_missing_file(hooks, tmp_path):
    with pytest.raises(UsageError, match="does not exist") as info:
        hooks.load_recipe(tmp_path / "nope.yaml")
    assert info.value.where == str(tmp_path / "nope.yaml")


def test_load_recipe_directory(hooks, tmp_path):
    with pytest.raises(UsageError, match="not a file"):
        hooks.load_recipe(tmp_path)


def test_load_recipe_not_utf8(hooks, tmp_path):
    path = tmp_path / "r.yaml"
    path.write_bytes(b"name: \xff\xfe\n")
    with pytest.raises(RecipeError, match="not UTF-8"):
        hooks.load_recipe(path)


def test_load_recipe_uses_the_provider(hooks, tiny, tmp_path):
    path = tmp_path / "r.tiny"
    path.write_text('{"name": "mine", "steps": [{"name": "a", "idx": 1}]}')
    recipe = hooks.load_recipe(str(path))
    assert recipe.name == "mine"
    assert recipe.path == path
    assert [s.name for s in recipe.steps] == ["a"]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda h: h.step_runner("python"),
            "step type 'python'; install it with: pip install f0-plugin-python",
        ),
        (lambda h: h.step_runner("shell"), "pip install f0-plugin-python"),
        (
            lambda h: h.scheduler("local", SchedulerOptions()),
            "--scheduler: no installed plugin provides scheduler 'local'",
        ),
        (lambda h: h.scheduler("dask", SchedulerOptions()), "pip install f0-plugin-dask"),
        (
            lambda h: h.context_store("memory://"),
            "--context: no installed plugin provides context store 'memory'",
        ),
        (
            lambda h: h.context_store("sqlite:///x.db"),
            "context store 'sqlite'; install it with: pip install f0-plugin-store",
        ),
        (
            lambda h: h.run_store("sqlite:///runs.db"),
            "--store: no installed plugin provides run store 'sqlite'",
        ),
        (lambda h: h.bundle_target("wheel"), "no installed plugin provides bundle target 'wheel'"),
        (
            lambda h: h.step_runner("exotic"),
            "step type 'exotic'; is the plugin that provides it installed? (see: f0 plugins)",
        ),
    ],
)
def test_missing_providers(hooks, call, message):
    with pytest.raises(MissingProviderError) as info:
        call(hooks)
    assert message in str(info.value)


def test_step_runner_is_cached(pm, hooks, tiny):
    calls = []

    class Counting:
        @hookimpl(tryfirst=True)
        def f0_step_runner(self, step_type):
            calls.append(step_type)

    pm.register(Counting())
    assert hooks.step_runner("fn") is tiny.runner
    assert hooks.step_runner("fn") is tiny.runner
    assert calls == ["fn"]


def test_first_provider_wins_and_none_means_not_mine(pm, hooks, tiny):
    class Other:
        @hookimpl
        def f0_scheduler(self, name, options):
            return "other" if name == "other" else None

    pm.register(Other())
    assert hooks.scheduler("other", SchedulerOptions()) == "other"
    assert hooks.scheduler("serial", SchedulerOptions()) is tiny.schedulers[-1]


def test_context_store_receives_the_url(hooks, tiny):
    store = hooks.context_store("mem://somewhere")
    assert store.url == "mem://somewhere"


def test_step_types_are_collected_sorted_and_unique(pm, hooks, tiny):
    class More:
        @hookimpl
        def f0_step_types(self):
            return ["zeta", "fn", "alpha"]

    class Nothing:
        @hookimpl
        def f0_step_types(self):
            return None

    pm.register(More())
    pm.register(Nothing())
    assert hooks.step_types() == ["alpha", "fn", "zeta"]


def test_validate_recipe_collects_every_plugin(hooks):
    recipe = make_recipe(make_step("a", 1, depends_on=["a"]))
    assert [p.code for p in hooks.validate_recipe(recipe)] == ["E012"]
