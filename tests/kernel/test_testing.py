"""f0.testing helpers (the pytest plugin plugin authors use)."""

from __future__ import annotations

import pytest
from f0 import hookimpl
from f0.manager import DEFAULT_PLUGINS
from f0.testing import invoke_cli, make_test_plugin_manager, write_project


def test_test_manager_with_no_plugins_has_builtins_only():
    pm = make_test_plugin_manager(())
    assert list(pm.infos) == list(DEFAULT_PLUGINS)


def test_test_manager_reads_f0_test_plugins(monkeypatch):
    monkeypatch.setenv("F0_TEST_PLUGINS", "")
    assert list(make_test_plugin_manager().infos) == list(DEFAULT_PLUGINS)


def test_write_project_dedents_and_creates_folders(tmp_path):
    root = write_project(
        tmp_path,
        {
            "recipe.tiny": """
                {"name": "x",
                 "steps": []}
            """,
            "pkg/steps.py": "X = 1\n",
        },
    )
    assert root == tmp_path
    assert (tmp_path / "recipe.tiny").read_text() == '{"name": "x",\n "steps": []}\n'
    assert (tmp_path / "pkg" / "steps.py").read_text() == "X = 1\n"


def test_invoke_cli_reports_exit_codes_and_raises_bugs(pm):
    class Bug:
        @hookimpl
        def f0_register_commands(self, app):
            @app.command()
            def bug() -> None:
                """Not an F0Error."""
                raise ZeroDivisionError

    pm.register(Bug())
    out = invoke_cli(pm, "no-such-command")
    assert out.exit_code == 2
    assert "no-such-command" in out.stderr
    with pytest.raises(ZeroDivisionError):
        invoke_cli(pm, "bug")


def test_f0_fixtures_are_available(f0_project, tmp_path):
    assert f0_project({"a.txt": "hi\n"}) == tmp_path
    assert (tmp_path / "a.txt").read_text() == "hi\n"
