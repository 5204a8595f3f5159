"""cli.py and the built-in commands, in-process, with test plugins only."""

from __future__ import annotations

import json
from types import SimpleNamespace

import f0
import pytest
import typer
from f0 import cli, hookimpl
from f0.builtin.commands import hooks_of
from f0.errors import F0Error, PluginError, StepFailedError, UsageError
from f0.manager import PluginInfo, PluginLoadFailure
from f0.testing import invoke_cli

NO_DEBUG = {"F0_DEBUG": "0"}


class HelloPlugin:
    """Adds a top-level ``hello`` command and a ``greet`` sub-app."""

    @hookimpl
    def f0_register_commands(self, app):
        @app.command()
        def hello(ctx: typer.Context, name: str = "world") -> None:
            """Say hello."""
            types = hooks_of(ctx).step_types()
            typer.echo(f"hello {name} ({len(types)} step types)")

        greet = typer.Typer(help="Greetings.")

        @greet.command()
        def loudly(name: str) -> None:
            """Shout."""
            msg = f"too loud for {name}"
            raise UsageError(msg, where="--name")

        app.add_typer(greet, name="greet")


class FailingPlugin:
    @hookimpl
    def f0_register_commands(self, app):
        @app.command()
        def usage() -> None:
            """Raise a UsageError."""
            raise UsageError("bad input", where="--thing")

        @app.command()
        def stepfail() -> None:
            """Raise a StepFailedError (exit 1)."""
            raise StepFailedError("step 'x' failed")

        class CustomError(F0Error):
            exit_code = 7

        @app.command()
        def custom() -> None:
            """Raise an F0Error with its own exit code."""
            raise CustomError("custom trouble")

        @app.command()
        def bug() -> None:
            """Raise something that is not an F0Error."""
            raise KeyError("oops")


def named_plugin(command_name):
    class Plugin:
        @hookimpl
        def f0_register_commands(self, app):
            app.command(name=command_name)(lambda: None)

    return Plugin()


@pytest.fixture
def cli_plugins(pm):
    pm.register(HelloPlugin(), name="hello-plugin")
    pm.register(FailingPlugin(), name="failing-plugin")
    return pm


def test_version(pm):
    out = invoke_cli(pm, "--version")
    assert out.exit_code == 0
    assert out.stdout == f"f0 {f0.__version__}\n"


def test_no_arguments_shows_help(pm):
    out = invoke_cli(pm)
    assert "Commands" in out.output
    assert out.exit_code in (0, 2)  # click's no_args_is_help exit code changed across versions


def test_help_lists_builtin_commands(pm):
    out = invoke_cli(pm, "--help")
    assert out.exit_code == 0
    for command in ("run", "validate", "plan", "plugins"):
        assert f"  {command} " in out.stdout
    assert invoke_cli(pm, "-h").stdout == out.stdout


def test_help_lists_plugin_commands(cli_plugins):
    out = invoke_cli(cli_plugins, "--help")
    assert "  hello " in out.stdout
    assert "  greet " in out.stdout
    assert "Say hello." in out.stdout


def test_plugin_command_runs_and_reaches_the_hooks(cli_plugins, tiny):
    out = invoke_cli(cli_plugins, "hello", "--name", "f0")
    assert out.exit_code == 0
    assert out.stdout == "hello f0 (1 step types)\n"


def test_two_plugins_adding_the_same_command(pm):
    pm.register(named_plugin("dup"), name="first-plugin")
    pm.register(named_plugin("dup"), name="second-plugin")
    with pytest.raises(PluginError, match="'dup'") as info:
        cli.make_app(pm)
    assert "first-plugin" in str(info.value)
    assert "second-plugin" in str(info.value)


def test_plugin_command_clashing_with_a_builtin(pm):
    pm.register(named_plugin("run"), name="greedy")
    with pytest.raises(PluginError, match=r"f0\.builtin\.commands") as info:
        cli.make_app(pm)
    assert info.value.plugin in {"greedy", "f0.builtin.commands"}
    assert "greedy" in str(info.value)


def test_underscored_function_names_clash_with_dashed_names(pm):
    class Underscore:
        @hookimpl
        def f0_register_commands(self, app):
            @app.command()
            def do_it() -> None:
                """Underscores become dashes."""

    pm.register(named_plugin("do-it"), name="dashed")
    pm.register(Underscore(), name="underscored")
    with pytest.raises(PluginError, match="'do-it'"):
        cli.make_app(pm)


@pytest.mark.parametrize(
    ("args", "code", "line"),
    [
        (("usage",), 2, "--thing: bad input"),
        (("stepfail",), 1, "step 'x' failed"),
        (("custom",), 7, "custom trouble"),
        (("greet", "loudly", "bob"), 2, "--name: too loud for bob"),
    ],
)
def test_f0_error_in_a_plugin_command_is_one_line(cli_plugins, args, code, line):
    out = invoke_cli(cli_plugins, *args, env=NO_DEBUG)
    assert out.exit_code == code
    assert out.stderr == line + "\n"
    assert out.stdout == ""
    assert "Traceback" not in out.output


def test_f0_debug_shows_the_exception(cli_plugins):
    with pytest.raises(UsageError):
        invoke_cli(cli_plugins, "usage", env={"F0_DEBUG": "1"})


def test_non_f0_error_escapes_make_app(cli_plugins):
    # In-process, a bug is not hidden: invoke_cli re-raises it (main() reports it).
    with pytest.raises(KeyError):
        invoke_cli(cli_plugins, "bug", env=NO_DEBUG)


# -- f0 plugins ----------------------------------------------------------------


def test_plugins_json(pm):
    pm.register_plugin(
        HelloPlugin(),
        PluginInfo(
            name="hello",
            module="f0_hello",
            dist=SimpleNamespace(name="f0-plugin-hello", version="2.0"),
        ),
    )
    pm.load_failures.append(
        PluginLoadFailure(name="bad", distribution="f0-plugin-bad", error="ImportError: x")
    )
    out = invoke_cli(pm, "plugins", "--json")
    assert out.exit_code == 0
    data = json.loads(out.stdout)
    assert data == {
        "plugins": [
            {
                "name": "f0.builtin.checks",
                "version": None,
                "distribution": None,
                "builtin": True,
                "module": "f0.builtin.checks",
                "hooks": ["f0_validate_recipe"],
            },
            {
                "name": "f0.builtin.commands",
                "version": None,
                "distribution": None,
                "builtin": True,
                "module": "f0.builtin.commands",
                "hooks": ["f0_register_commands"],
            },
            {
                "name": "hello",
                "version": "2.0",
                "distribution": "f0-plugin-hello",
                "builtin": False,
                "module": "f0_hello",
                "hooks": ["f0_register_commands"],
            },
        ],
        "failed": [{"name": "bad", "distribution": "f0-plugin-bad", "error": "ImportError: x"}],
    }


def test_plugins_table(pm):
    pm.load_failures.append(
        PluginLoadFailure(name="bad", distribution="f0-plugin-bad", error="ImportError: x")
    )
    out = invoke_cli(pm, "plugins")
    assert out.exit_code == 0
    assert "f0.builtin.checks" in out.stdout
    assert "(kernel)" in out.stdout
    assert "validate_recipe" in out.stdout
    assert out.stderr == "warning: plugin 'bad' (f0-plugin-bad) failed to load: ImportError: x\n"


# -- validate / plan / run with the tiny plugin ----------------------------------

GOOD = {
    "name": "demo",
    "steps": [
        {"name": "load", "idx": 1, "args": {"n": 1}},
        {"name": "report", "idx": 2, "depends_on": ["load"]},
    ],
}
BAD = {
    "name": "bad",
    "steps": [
        {"name": "load", "idx": 1, "depends_on": ["ghost"]},
        {"name": "load", "idx": 2},
    ],
}


@pytest.fixture
def recipes(tmp_path, tiny):
    tiny.funcs["load"] = lambda ctx: ctx.set("n", ctx.get("n", 0) + 1)
    tiny.funcs["report"] = lambda ctx: ctx.set("report", f"n={ctx.get('n')}")
    good = tmp_path / "good.tiny"
    good.write_text(json.dumps(GOOD))
    bad = tmp_path / "bad.tiny"
    bad.write_text(json.dumps(BAD))
    return good, bad


def test_validate_ok(pm, recipes):
    good, _ = recipes
    out = invoke_cli(pm, "validate", str(good))
    assert out.exit_code == 0
    assert out.stdout == f"{good}: ok (2 steps)\n"


def test_validate_reports_every_problem(pm, recipes):
    good, bad = recipes
    out = invoke_cli(pm, "validate", str(good), str(bad))
    assert out.exit_code == 2
    lines = out.stdout.splitlines()
    assert lines[0] == f"{good}: ok (2 steps)"
    assert "depends on unknown step 'ghost'" in lines[1]
    assert "duplicate step name 'load'" in lines[2]
    assert lines[-1] == f"{bad}: 2 errors (2 steps)"


def test_validate_missing_file_is_reported_not_raised(pm, tmp_path):
    out = invoke_cli(pm, "validate", str(tmp_path / "nope.yaml"), "--json")
    assert out.exit_code == 2
    report = json.loads(out.stdout)
    assert report["valid"] is False
    assert report["problems"][0]["message"] == "recipe file does not exist"


def test_validate_json(pm, recipes):
    _, bad = recipes
    out = invoke_cli(pm, "validate", "--json", str(bad))
    report = json.loads(out.stdout)
    assert report["path"] == str(bad)
    assert report["valid"] is False
    assert {p["code"] for p in report["problems"]} == {"E010", "E013"}
    assert all(p["severity"] == "error" for p in report["problems"])


def test_plan_json(pm, recipes):
    good, _ = recipes
    out = invoke_cli(pm, "plan", str(good), "--json")
    assert out.exit_code == 0
    data = json.loads(out.stdout)
    assert data["recipe"] == "demo"
    assert data["order"] == ["load", "report"]
    assert data["levels"] == [["load"], ["report"]]


def test_plan_of_an_invalid_recipe(pm, recipes):
    _, bad = recipes
    out = invoke_cli(pm, "plan", str(bad), env=NO_DEBUG)
    assert out.exit_code == 2
    assert "duplicate step name 'load'" in out.stderr
    assert "Traceback" not in out.output


def test_plan_missing_recipe_is_one_line(pm, tmp_path):
    missing = tmp_path / "missing.tiny"
    out = invoke_cli(pm, "plan", str(missing), env=NO_DEBUG)
    assert out.exit_code == 2
    assert out.stderr == f"{missing}: recipe file does not exist\n"


def test_plan_bad_set_is_a_usage_error(pm, recipes):
    good, _ = recipes
    out = invoke_cli(pm, "plan", str(good), "--set", "novalue", env=NO_DEBUG)
    assert out.exit_code == 2
    assert out.stderr == "--set: expected KEY=VALUE, got 'novalue'\n"


@pytest.mark.usefixtures("reset_logging")
def test_run_json(pm, recipes):
    good, _ = recipes
    out = invoke_cli(
        pm, "run", str(good), "--scheduler", "serial", "--context", "mem://", "--json", "--quiet",
        "--set", "n=41", "--set", "load.n=5",
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["status"] == "COMPLETED"
    assert data["context"]["n"] == 42
    assert data["context"]["report"] == "n=42"
    assert data["context"]["recipe.name"] == "demo"
    assert list(data["steps"]) == ["load", "report"]


class WatchPlugin:
    """Gives each command-line run an observer (f0_run_observers) and keeps them."""

    def __init__(self):
        self.watchers = []
        self.options = []

    @hookimpl
    def f0_run_observers(self, options):
        self.options.append(dict(options))
        watcher = Watcher()
        self.watchers.append(watcher)
        return [watcher]


class Watcher:
    def __init__(self):
        self.events = []

    @hookimpl
    def f0_step_finished(self, run, step, result, delta):
        self.events.append((step.name, result.status.value, result.error))

    @hookimpl
    def f0_run_finished(self, run, result):
        self.events.append(("run", result.status.value, None))


@pytest.mark.usefixtures("reset_logging")
def test_run_failure_exits_1_and_run_observers_see_it(pm, recipes, tiny):
    good, _ = recipes

    def boom(ctx):
        raise RuntimeError("exploded")

    tiny.funcs["report"] = boom
    watch = WatchPlugin()
    pm.register(watch, name="watch")
    out = invoke_cli(pm, "run", str(good), "--scheduler", "serial", "--context", "mem://", "-v")
    assert out.exit_code == 1
    [watcher] = watch.watchers
    assert watcher.events[0] == ("load", "COMPLETED", None)
    assert watcher.events[1][:2] == ("report", "FAILED")
    assert "RuntimeError: exploded" in watcher.events[1][2]
    assert watcher.events[2] == ("run", "FAILED", None)
    assert watch.options == [{"json": False, "quiet": False, "verbose": True, "debug": False}]
    # The observer was registered for that run only.
    assert not any(pm.is_registered(w) for w in watch.watchers)


@pytest.mark.usefixtures("reset_logging")
def test_run_missing_scheduler_names_the_plugin(pm, recipes):
    good, _ = recipes
    out = invoke_cli(pm, "run", str(good), "--context", "mem://", "--quiet", env=NO_DEBUG)
    assert out.exit_code == 2
    assert out.stderr == (
        "--scheduler: no installed plugin provides scheduler 'local'; "
        "install it with: pip install f0-plugin-local\n"
    )


# -- main(): the console script ------------------------------------------------


@pytest.fixture
def main_env(monkeypatch):
    for var in ("F0_DEBUG", "F0_LOAD_PLUGINS", "F0_DISABLE_PLUGINS", "F0_STRICT_PLUGINS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("F0_DISABLE_PLUGIN_AUTOLOAD", "1")
    return monkeypatch


def run_main(*args):
    with pytest.raises(SystemExit) as info:
        cli.main(list(args))
    return info.value.code


def test_main_version(main_env, capsys):
    assert run_main("--version") in (0, None)
    assert capsys.readouterr().out == f"f0 {f0.__version__}\n"


def test_main_f0_error_is_one_line(main_env, capsys, tmp_path):
    assert run_main("plan", str(tmp_path / "x.yaml")) == 2
    captured = capsys.readouterr()
    assert captured.err == f"{tmp_path / 'x.yaml'}: recipe file does not exist\n"


def test_main_plugin_clash_is_one_line(main_env, capsys, pm):
    pm.register(named_plugin("dup"), name="first-plugin")
    pm.register(named_plugin("dup"), name="second-plugin")
    main_env.setattr(cli, "make_plugin_manager", lambda selection: pm)
    assert run_main("--help") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "first-plugin" in err
    assert "second-plugin" in err


def test_main_internal_error_hides_the_traceback(main_env, capsys, cli_plugins):
    main_env.setattr(cli, "make_plugin_manager", lambda selection: cli_plugins)
    assert run_main("bug") == 1
    err = capsys.readouterr().err
    assert (
        err
        == "f0: internal error: KeyError: 'oops' (run again with F0_DEBUG=1 for the traceback)\n"
    )


def test_main_debug_raises(main_env, cli_plugins):
    main_env.setattr(cli, "make_plugin_manager", lambda selection: cli_plugins)
    main_env.setenv("F0_DEBUG", "1")
    with pytest.raises(KeyError):
        cli.main(["bug"])


def test_main_reads_the_environment(main_env):
    seen = []
    real = cli.make_plugin_manager
    main_env.setenv("F0_DISABLE_PLUGINS", "f0-plugin-yaml")
    main_env.setattr(
        cli, "make_plugin_manager", lambda selection: seen.append(selection) or real(selection)
    )
    run_main("--version")
    assert seen[0].disabled == ("yaml",)
    assert not seen[0].autoload


@pytest.mark.usefixtures("reset_logging")
def test_run_freezes_the_heap_only_while_it_runs(pm, recipes, tiny):
    # f0 run sets the objects that exist before the run aside from the garbage
    # collector (gc.freeze) and gives them back afterwards, even when it fails.
    import gc

    good, _ = recipes
    seen: list[int] = []

    def report(ctx):
        seen.append(gc.get_freeze_count())
        raise RuntimeError("after looking")

    tiny.funcs["report"] = report
    assert gc.get_freeze_count() == 0
    out = invoke_cli(pm, "run", str(good), "--scheduler", "serial", "--context", "mem://")
    assert out.exit_code == 1
    assert seen
    assert seen[0] > 0
    assert gc.get_freeze_count() == 0
