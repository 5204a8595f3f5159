"""Plugins extending the CLI: options of ``f0 run`` and shared command groups."""

from __future__ import annotations

import json

import pytest
import typer
from f0 import RunOption, cli, command_group, hookimpl
from f0.errors import PluginError
from f0.testing import invoke_cli


class ServerOption:
    """Adds --context-server URL and a --live switch; remembers what runs saw."""

    def __init__(self) -> None:
        self.seen: list[dict[str, object]] = []
        self.extra: list[dict[str, object]] = []

    @hookimpl
    def f0_run_options(self):
        return [
            RunOption(name="context-server", help="Publish to URL.", metavar="URL",
                      envvar="F0_TEST_SERVER"),
            RunOption(name="live", help="Watch live.", flag=True),
        ]  # fmt: skip

    @hookimpl
    def f0_run_started(self, run):
        self.seen.append(dict(run.options))


@pytest.fixture
def good(tmp_path, tiny):
    tiny.funcs["load"] = lambda ctx: ctx.set("n", 1)
    path = tmp_path / "good.tiny"
    path.write_text(json.dumps({"name": "demo", "steps": [{"name": "load", "idx": 1}]}))
    return path


@pytest.fixture
def server_option(pm):
    plugin = ServerOption()
    pm.register(plugin, name="server-option")
    return plugin


def run_args(good):
    return ["run", str(good), "--scheduler", "serial", "--context", "mem://", "--json", "--quiet"]


@pytest.mark.usefixtures("reset_logging")
def test_plugin_run_options_reach_the_run(pm, good, server_option):
    out = invoke_cli(pm, *run_args(good), "--context-server", "http://127.0.0.1:9", "--live")
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["status"] == "COMPLETED"
    assert server_option.seen == [{"context_server": "http://127.0.0.1:9", "live": True}]


@pytest.mark.usefixtures("reset_logging")
def test_unset_plugin_options_are_absent_and_env_is_read(pm, good, server_option):
    assert invoke_cli(pm, *run_args(good)).exit_code == 0
    out = invoke_cli(pm, *run_args(good), env={"F0_TEST_SERVER": "http://h:1"})
    assert out.exit_code == 0, out.output
    assert server_option.seen == [{}, {"context_server": "http://h:1"}]


def test_plugin_run_options_are_in_help(pm, server_option):
    out = invoke_cli(pm, "run", "--help")
    assert "--context-server URL" in out.stdout
    assert "[plugin server-option]" in out.stdout


def test_two_plugins_adding_the_same_run_option(pm, server_option):
    pm.register(ServerOption(), name="other-server")
    with pytest.raises(PluginError, match="--context-server") as info:
        cli.make_app(pm)
    assert "server-option" in str(info.value)
    assert "other-server" in str(info.value)


def test_a_run_option_clashing_with_a_builtin_option(pm):
    class Greedy:
        @hookimpl
        def f0_run_options(self):
            return [RunOption(name="json", help="mine")]

    pm.register(Greedy(), name="greedy")
    with pytest.raises(PluginError, match="'--json'"):
        cli.make_app(pm)


def ctx_plugin(*names):
    class Plugin:
        @hookimpl
        def f0_register_commands(self, app):
            group = command_group(app, "ctx", help="Context commands.")
            for name in names:
                group.command(name=name)(lambda name=name: typer.echo(f"ran {name}"))

    return Plugin()


def test_two_plugins_share_a_command_group(pm):
    pm.register(ctx_plugin("snapshot"), name="store-like")
    pm.register(ctx_plugin("get", "set"), name="server-like")
    help_text = invoke_cli(pm, "ctx", "--help").stdout
    for name in ("snapshot", "get", "set"):
        assert f"  {name}\n" in help_text
    out = invoke_cli(pm, "ctx", "get")
    assert (out.exit_code, out.stdout) == (0, "ran get\n")
    assert invoke_cli(pm, "--help").stdout.count("  ctx ") == 1


def test_the_same_command_in_a_shared_group_is_an_error(pm):
    pm.register(ctx_plugin("get"), name="first")
    pm.register(ctx_plugin("get"), name="second")
    with pytest.raises(PluginError, match="'ctx get'") as info:
        cli.make_app(pm)
    assert "first" in str(info.value)
    assert "second" in str(info.value)


def test_a_plain_group_with_a_taken_name_is_still_an_error(pm):
    pm.register(ctx_plugin("get"), name="first")

    class Plain:
        @hookimpl
        def f0_register_commands(self, app):
            app.add_typer(typer.Typer(), name="ctx")

    pm.register(Plain(), name="plain")
    with pytest.raises(PluginError, match="'ctx'"):
        cli.make_app(pm)
