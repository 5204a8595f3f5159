"""manager.py: PluginSelection, built-ins, entry-point loading, unknown hooks.

Entry-point tests write real ``*.dist-info`` folders into a directory put on
``sys.path``, so ``importlib_metadata`` discovers them exactly as it would an
installed distribution (no mocks). The first-party plugins installed in the
development environment are filtered out by name where it matters.
"""

from __future__ import annotations

import sys
import textwrap
from types import SimpleNamespace

import pluggy
import pytest
from f0 import hookimpl
from f0.errors import PluginError
from f0.manager import (
    DEFAULT_PLUGINS,
    F0PluginManager,
    PluginInfo,
    PluginLoadFailure,
    PluginSelection,
    _drop_unknown_hooks,
    make_plugin_manager,
    normalize_name,
)
from structlog.testing import capture_logs

# -- PluginSelection.from_env ----------------------------------------------------


def test_from_env_defaults():
    selection = PluginSelection.from_env({})
    assert selection == PluginSelection(
        load=None, autoload=True, disabled=(), trace=False, strict=False
    )
    assert selection.wants("anything")


def test_from_env_reads_os_environ(monkeypatch):
    monkeypatch.setenv("F0_LOAD_PLUGINS", "yaml")
    monkeypatch.setenv("F0_STRICT_PLUGINS", "1")
    selection = PluginSelection.from_env()
    assert selection.load == ("yaml",)
    assert selection.strict


def test_load_plugins_restricts():
    selection = PluginSelection.from_env({"F0_LOAD_PLUGINS": "yaml, f0-plugin-python,,"})
    assert selection.load == ("yaml", "python")
    assert selection.wants("yaml")
    assert selection.wants("f0-plugin-yaml")
    assert selection.wants("python")
    assert not selection.wants("local")


def test_load_plugins_empty_means_none():
    selection = PluginSelection.from_env({"F0_LOAD_PLUGINS": ""})
    assert selection.load == ()
    assert not selection.wants("yaml")


def test_disable_autoload_loads_only_named_plugins():
    selection = PluginSelection.from_env({"F0_DISABLE_PLUGIN_AUTOLOAD": "1"})
    assert not selection.autoload
    assert not selection.wants("yaml")
    selection = PluginSelection.from_env(
        {"F0_DISABLE_PLUGIN_AUTOLOAD": "1", "F0_LOAD_PLUGINS": "yaml"}
    )
    assert selection.wants("yaml")
    assert not selection.wants("local")


def test_disable_plugins_wins_over_everything():
    selection = PluginSelection.from_env(
        {
            "F0_LOAD_PLUGINS": "yaml,local",
            "F0_DISABLE_PLUGIN_AUTOLOAD": "1",
            "F0_DISABLE_PLUGINS": "f0-plugin-yaml",
        }
    )
    assert selection.disabled == ("yaml",)
    assert not selection.wants("yaml")
    assert selection.wants("local")
    assert not PluginSelection.from_env({"F0_DISABLE_PLUGINS": "local"}).wants("f0-plugin-local")


@pytest.mark.parametrize(
    ("value", "expected"), [("1", True), ("true", True), ("YES", True), (" on ", True)]
)
@pytest.mark.parametrize(
    "variable", ["F0_STRICT_PLUGINS", "F0_TRACE_PLUGINS", "F0_DISABLE_PLUGIN_AUTOLOAD"]
)
def test_truthy_values(variable, value, expected):
    selection = PluginSelection.from_env({variable: value})
    flags = {
        "F0_STRICT_PLUGINS": selection.strict,
        "F0_TRACE_PLUGINS": selection.trace,
        "F0_DISABLE_PLUGIN_AUTOLOAD": not selection.autoload,
    }
    assert flags[variable] is expected


@pytest.mark.parametrize("value", ["0", "", "false", "no", "off", "2"])
def test_falsy_values(value):
    selection = PluginSelection.from_env(
        {"F0_STRICT_PLUGINS": value, "F0_TRACE_PLUGINS": value, "F0_DISABLE_PLUGIN_AUTOLOAD": value}
    )
    assert (selection.strict, selection.trace, selection.autoload) == (False, False, True)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("yaml", "yaml"),
        ("f0-plugin-yaml", "yaml"),
        ("F0_Plugin_YAML", "yaml"),
        (" my_thing ", "my-thing"),
    ],
)
def test_normalize_name(name, expected):
    assert normalize_name(name) == expected


# -- built-ins, hooks_of, unknown hooks ------------------------------------------


def test_builtins_only(pm):
    assert list(pm.infos) == list(DEFAULT_PLUGINS)
    assert all(info.builtin and info.distribution is None for info in pm.infos.values())
    assert pm.load_failures == []
    assert pm.hooks_of("f0.builtin.checks") == ["f0_validate_recipe"]
    assert pm.hooks_of("f0.builtin.commands") == ["f0_register_commands"]
    assert pm.hooks_of("not-registered") == []


def test_each_manager_is_independent():
    one = make_plugin_manager(PluginSelection(autoload=False))
    two = make_plugin_manager(PluginSelection(autoload=False))
    one.register(object(), name="only-in-one")
    assert two.get_plugin("only-in-one") is None


class UnknownHook:
    @hookimpl
    def f0_no_such_hook(self):
        return 1


class KnownAndForeign:
    @hookimpl
    def f0_step_types(self):
        return ["x"]

    @hookimpl
    def pytest_configure(self):  # not an f0_ name: ignored, not an error
        return None

    def f0_run_started(self, run):  # no marker: not a hook implementation
        raise AssertionError


def test_only_marked_f0_names_are_hooks(pm):
    pm.register_plugin(KnownAndForeign(), PluginInfo(name="mixed", module="tests"))
    _drop_unknown_hooks(pm, strict=True)
    assert pm.hooks_of("mixed") == ["f0_step_types"]


def test_unknown_hook_plugin_is_dropped_with_a_failure(pm):
    pm.register_plugin(
        UnknownHook(),
        PluginInfo(
            name="odd", module="odd_mod", dist=SimpleNamespace(name="f0-plugin-odd", version="1")
        ),
    )
    _drop_unknown_hooks(pm, strict=False)
    assert pm.get_plugin("odd") is None
    assert "odd" not in pm.infos
    (failure,) = pm.load_failures
    assert failure.name == "odd"
    assert failure.distribution == "f0-plugin-odd"
    assert "f0_no_such_hook" in failure.error
    pm.check_pending()  # nothing unknown is left


def test_unknown_hook_is_fatal_when_strict(pm):
    pm.register_plugin(UnknownHook(), PluginInfo(name="odd", module="odd_mod"))
    with pytest.raises(PluginError, match="f0_no_such_hook") as info:
        _drop_unknown_hooks(pm, strict=True)
    assert info.value.plugin == "odd"


def test_wrong_hook_arguments_are_refused(pm):
    class WrongArgs:
        @hookimpl
        def f0_step_types(self, surprise):
            return []

    with pytest.raises(pluggy.PluginValidationError):
        pm.register(WrongArgs())


def test_unregister_plugin(pm):
    pm.register_plugin(KnownAndForeign(), PluginInfo(name="mixed", module="tests"))
    pm.unregister_plugin("mixed")
    assert pm.get_plugin("mixed") is None
    assert "mixed" not in pm.infos
    pm.unregister_plugin("mixed")  # twice is fine


def test_trace_logs_hook_calls():
    with capture_logs() as logs:
        pm = make_plugin_manager(PluginSelection(autoload=False, trace=True))
        pm.hook.f0_step_types()
    traced = [e for e in logs if e["event"] == "plugin.trace"]
    assert any("f0_step_types" in e["message"] for e in traced)
    assert all(e["log_level"] == "debug" for e in traced)


def test_no_trace_by_default():
    with capture_logs() as logs:
        pm = make_plugin_manager(PluginSelection(autoload=False))
        pm.hook.f0_step_types()
    assert [e for e in logs if e["event"] == "plugin.trace"] == []


# -- real entry points -----------------------------------------------------------

PLUGIN_MODULES = {
    "f0_test_hello": """
        from f0 import hookimpl

        @hookimpl
        def f0_step_types():
            return ["hello"]
    """,
    "f0_test_broken": """
        raise ImportError("needs libmissing")
    """,
    "f0_test_odd": """
        from f0 import hookimpl

        @hookimpl
        def f0_from_the_future():
            return None
    """,
}
DISTRIBUTIONS = {
    # distribution -> (entry-point name, module)
    "f0-plugin-testhello": ("testhello", "f0_test_hello"),
    "f0-plugin-testbroken": ("testbroken", "f0_test_broken"),
    "f0-plugin-testodd": ("testodd", "f0_test_odd"),
}
OURS = ("testhello", "testbroken", "testodd")


@pytest.fixture
def installed(tmp_path, monkeypatch):
    """Install the three test distributions on sys.path (dist-info + module)."""
    site = tmp_path / "site"
    site.mkdir()
    for module, source in PLUGIN_MODULES.items():
        (site / f"{module}.py").write_text(textwrap.dedent(source))
    for dist, (ep_name, module) in DISTRIBUTIONS.items():
        info = site / f"{dist.replace('-', '_')}-1.2.3.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.2.3\n")
        (info / "entry_points.txt").write_text(f"[f0]\n{ep_name} = {module}\n")
    monkeypatch.syspath_prepend(str(site))
    yield site
    for module in PLUGIN_MODULES:
        sys.modules.pop(module, None)


def make(**selection):
    return make_plugin_manager(PluginSelection(**selection))


def test_entry_point_plugin_is_registered_with_its_distribution(installed):
    pm = make(load=("testhello",))
    info = pm.infos["testhello"]
    assert (info.name, info.module, info.builtin) == ("testhello", "f0_test_hello", False)
    assert (info.distribution, info.version) == ("f0-plugin-testhello", "1.2.3")
    assert pm.hooks_of("testhello") == ["f0_step_types"]
    assert list(pm.infos) == [*DEFAULT_PLUGINS, "testhello"]
    assert pm.load_failures == []


def test_plugins_not_selected_are_never_imported(installed):
    make(load=("testhello",))
    assert "f0_test_hello" in sys.modules
    assert "f0_test_broken" not in sys.modules
    assert "f0_test_odd" not in sys.modules


def test_broken_plugin_is_recorded_and_skipped(installed):
    pm = make(load=OURS)
    assert "testhello" in pm.infos
    assert "testbroken" not in pm.infos
    failures = {f.name: f for f in pm.load_failures}
    assert failures["testbroken"] == PluginLoadFailure(
        name="testbroken",
        distribution="f0-plugin-testbroken",
        error="ImportError: needs libmissing",
    )


def test_unknown_hook_entry_point_plugin_is_dropped(installed):
    pm = make(load=OURS)
    assert "testodd" not in pm.infos
    assert pm.get_plugin("testodd") is None
    failures = {f.name: f for f in pm.load_failures}
    assert failures["testodd"].distribution == "f0-plugin-testodd"
    assert "f0_from_the_future" in failures["testodd"].error
    assert sorted(failures) == ["testbroken", "testodd"]


def test_strict_makes_a_broken_plugin_fatal(installed):
    with pytest.raises(
        PluginError, match=r"'testbroken' \(f0-plugin-testbroken\) failed to load"
    ) as info:
        make(load=OURS, strict=True)
    assert info.value.plugin == "testbroken"
    assert "\n" not in str(info.value)


def test_strict_makes_an_unknown_hook_fatal(installed):
    with pytest.raises(PluginError, match="f0_from_the_future"):
        make(load=("testodd",), strict=True)


def test_disabled_plugin_is_not_imported_and_blocked(installed):
    pm = make_plugin_manager(
        PluginSelection.from_env(
            {"F0_LOAD_PLUGINS": "testhello,testbroken", "F0_DISABLE_PLUGINS": "f0-plugin-testhello"}
        )
    )
    assert "testhello" not in pm.infos
    assert "f0_test_hello" not in sys.modules
    assert pm.is_blocked("testhello")
    assert [f.name for f in pm.load_failures] == ["testbroken"]


def test_load_plugins_empty_loads_no_entry_point(installed):
    pm = make_plugin_manager(PluginSelection.from_env({"F0_LOAD_PLUGINS": ""}))
    assert list(pm.infos) == list(DEFAULT_PLUGINS)
    assert pm.load_failures == []
    assert not any(m in sys.modules for m in PLUGIN_MODULES)


def test_autoload_off_loads_only_named(installed):
    pm = make_plugin_manager(PluginSelection.from_env({"F0_DISABLE_PLUGIN_AUTOLOAD": "1"}))
    assert list(pm.infos) == list(DEFAULT_PLUGINS)
    pm = make_plugin_manager(
        PluginSelection.from_env(
            {"F0_DISABLE_PLUGIN_AUTOLOAD": "1", "F0_LOAD_PLUGINS": "f0-plugin-testhello"}
        )
    )
    assert list(pm.infos) == [*DEFAULT_PLUGINS, "testhello"]


def test_autoload_discovers_every_installed_plugin(installed):
    pm = make_plugin_manager(PluginSelection.from_env({}))
    assert "testhello" in pm.infos
    assert {"testbroken", "testodd"} <= {f.name for f in pm.load_failures}


def test_manager_type(pm):
    assert isinstance(pm, F0PluginManager)
    assert isinstance(pm, pluggy.PluginManager)


def test_disabling_a_builtin_unlists_it():
    pm = make(autoload=False, disabled=("f0.builtin.checks",))
    assert list(pm.infos) == ["f0.builtin.commands"]
    assert pm.get_plugin("f0.builtin.checks") is None
    assert pm.hook.f0_validate_recipe.get_hookimpls() == []


def test_strict_selection_naming_an_uninstalled_plugin_fails():
    with pytest.raises(PluginError, match="no-such-plugin"):
        make(autoload=False, load=("no-such-plugin",), strict=True)


def test_selection_naming_an_uninstalled_plugin_is_reported():
    pm = make(autoload=False, load=("no-such-plugin",))
    [failure] = pm.load_failures
    assert failure.name == "no-such-plugin"
    assert "not installed" in failure.error
    assert "pip install f0-plugin-no-such-plugin" in failure.error
