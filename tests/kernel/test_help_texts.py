"""Every command's ``--help`` reads as plain text: no markup artefacts, no raw names."""

from __future__ import annotations

import re

import pytest
import typer
from f0.cli import make_app
from f0.manager import PluginSelection, make_plugin_manager
from typer.testing import CliRunner

#: What must never show in help: typer's {required_arg} usage and <type> labels,
#: reST double backticks and roles, rich markup tags.
ARTEFACTS = re.compile(
    r"\{[A-Za-z_.]+\}"  # {recipe_path}
    r"|<[a-z][A-Za-z_ ]*(?:\[[^\]]*\])?>"  # <str>, <int range>, <list[Path]>
    r"|``"  # ``reST literal``
    r"|:(?:func|class|meth|data|attr|mod):`"  # Sphinx roles
    r"|\[/?(?:bold|dim|red|green|yellow|cyan|italic|b|i)\]"  # rich markup
)


def _paths(command, path=()):
    yield path
    for name, sub in sorted((getattr(command, "commands", None) or {}).items()):
        yield from _paths(sub, (*path, name))


@pytest.fixture(scope="module")
def app():
    # Every installed plugin: their commands' help is checked too.
    return make_app(make_plugin_manager(PluginSelection()))


def test_there_are_commands_to_check(app):
    paths = list(_paths(typer.main.get_command(app)))
    assert len(paths) > 30
    assert ("runs", "list") in paths
    assert ("schema",) in paths


def test_no_help_text_has_markup_artefacts(app):
    runner = CliRunner()
    found = []
    for path in _paths(typer.main.get_command(app)):
        result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "100"})
        assert result.exit_code == 0, (path, result.output)
        found += [
            f"f0 {' '.join(path)} --help: {m.group()!r}" for m in ARTEFACTS.finditer(result.output)
        ]
    assert found == []


def test_the_checker_sees_what_typer_would_show():
    # Without the kernel's plain-help pass, a bare typer app shows these artefacts.
    bare = typer.Typer(rich_markup_mode=None)

    @bare.command()
    def cmd(recipe_path: str, names: list[str] = typer.Option([], "--name")) -> None:
        """Uses ``x``."""

    @bare.command()
    def other() -> None:
        """Another."""

    output = CliRunner().invoke(bare, ["cmd", "--help"]).output
    assert {m.group() for m in ARTEFACTS.finditer(output)} >= {"{recipe_path}", "``", "<str>"}
