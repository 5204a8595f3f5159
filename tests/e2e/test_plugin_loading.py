"""Real entry-point discovery: throwaway plugin distributions installed with pip.

Three distributions are built from ``tmp`` sources with the development
environment's hatchling (``--no-build-isolation --no-index``: nothing is
downloaded) and installed with ``pip install --target`` into one directory per
module. Each test runs ``f0`` in a subprocess with that directory on
``PYTHONPATH``, so ``importlib_metadata`` discovers their ``f0`` entry points
exactly as for any installed plugin:

* ``f0-plugin-e2ehello`` works: a command and a step type;
* ``f0-plugin-e2ebroken`` raises ImportError when imported;
* ``f0-plugin-e2eodd`` implements a hook f0 does not define.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.slow

OURS = {"e2ehello", "e2ebroken", "e2eodd"}
BUILTINS = ["f0.builtin.checks", "f0.builtin.commands"]

SOURCES = {
    "e2ehello": """
        from f0 import hookimpl


        @hookimpl
        def f0_step_types():
            return ["e2e"]


        @hookimpl
        def f0_register_commands(app):
            @app.command(name="e2ehello")
            def e2ehello(name: str = "world") -> None:
                \"\"\"Say hello from an installed plugin.\"\"\"
                import typer

                typer.echo(f"hello {name} from e2ehello")
    """,
    "e2ebroken": """
        raise ImportError("f0_e2ebroken needs libmissing")
    """,
    "e2eodd": """
        from f0 import hookimpl


        @hookimpl
        def f0_not_a_real_hook():
            return None
    """,
}

PYPROJECT = """
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "f0-plugin-{name}"
version = "0.3.0"
requires-python = ">=3.11"

[project.entry-points.f0]
{name} = "f0_{name}"

[tool.hatch.build.targets.wheel]
packages = ["f0_{name}"]
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build and install the three distributions once for this module."""
    root = tmp_path_factory.mktemp("plugin-loading")
    projects = []
    for name, source in SOURCES.items():
        project = root / "src" / f"f0-plugin-{name}"
        package = project / f"f0_{name}"
        package.mkdir(parents=True)
        (package / "__init__.py").write_text(textwrap.dedent(source).lstrip())
        (project / "pyproject.toml").write_text(PYPROJECT.format(name=name))
        projects.append(str(project))
    target = root / "site"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-index",
            "--no-deps",
            "--no-build-isolation",
            "--disable-pip-version-check",
            "--target",
            str(target),
            *projects,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in target.glob("*.dist-info")) == [
        "f0_plugin_e2ebroken-0.3.0.dist-info",
        "f0_plugin_e2ehello-0.3.0.dist-info",
        "f0_plugin_e2eodd-0.3.0.dist-info",
    ]
    return target


class Run:
    def __init__(self, proc: subprocess.CompletedProcess[str]) -> None:
        self.code = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr

    def json(self) -> Any:
        return json.loads(self.stdout)

    def __repr__(self) -> str:
        return (
            f"Run(code={self.code}, stdout={self.stdout[-1500:]!r}, stderr={self.stderr[-1500:]!r})"
        )


def f0(site: Path, *args: str, **env: str) -> Run:
    """Run the f0 console entry point with *site* on PYTHONPATH and only the given F0_* vars."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("F0_")}
    full_env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(site), os.environ.get("PYTHONPATH")])
    )
    full_env["NO_COLOR"] = "1"
    full_env.update(env)
    proc = subprocess.run(
        [sys.executable, "-c", "from f0.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    return Run(proc)


def plugins_json(
    site: Path, **env: str
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    run = f0(site, "plugins", "--json", **env)
    assert run.code == 0, run
    data = run.json()
    return {p["name"]: p for p in data["plugins"]}, {f["name"]: f for f in data["failed"]}


def test_autoload_registers_good_plugin_and_reports_bad_ones(site):
    plugins, failed = plugins_json(site)
    assert list(plugins)[:2] == BUILTINS
    assert plugins["e2ehello"] == {
        "name": "e2ehello",
        "version": "0.3.0",
        "distribution": "f0-plugin-e2ehello",
        "builtin": False,
        "module": "f0_e2ehello",
        "hooks": ["f0_register_commands", "f0_step_types"],
    }
    assert "e2ebroken" not in plugins
    assert "e2eodd" not in plugins
    assert failed["e2ebroken"] == {
        "name": "e2ebroken",
        "distribution": "f0-plugin-e2ebroken",
        "error": "ImportError: f0_e2ebroken needs libmissing",
    }
    assert failed["e2eodd"]["distribution"] == "f0-plugin-e2eodd"
    assert "f0_not_a_real_hook" in failed["e2eodd"]["error"]


def test_f0_keeps_working_next_to_a_broken_plugin(site):
    help_run = f0(site, "--help")
    assert help_run.code == 0, help_run
    assert "e2ehello" in help_run.stdout
    hello = f0(site, "e2ehello", "--name", "you")
    assert hello.code == 0, hello
    assert hello.stdout == "hello you from e2ehello\n"
    table = f0(site, "plugins")
    assert table.code == 0, table
    assert "e2ehello" in table.stdout
    assert "warning: plugin 'e2ebroken' (f0-plugin-e2ebroken) failed to load" in table.stderr


@pytest.mark.parametrize(
    ("env", "loaded", "failed"),
    [
        ({"F0_LOAD_PLUGINS": ""}, set(), set()),
        ({"F0_LOAD_PLUGINS": "e2ehello"}, {"e2ehello"}, set()),
        ({"F0_LOAD_PLUGINS": "f0-plugin-e2ehello,e2ebroken"}, {"e2ehello"}, {"e2ebroken"}),
        ({"F0_LOAD_PLUGINS": "e2eodd"}, set(), {"e2eodd"}),
        ({"F0_DISABLE_PLUGINS": "e2ebroken,f0-plugin-e2eodd"}, {"e2ehello"}, set()),
        ({"F0_DISABLE_PLUGIN_AUTOLOAD": "1"}, set(), set()),
        ({"F0_DISABLE_PLUGIN_AUTOLOAD": "1", "F0_LOAD_PLUGINS": "e2ehello"}, {"e2ehello"}, set()),
        (
            {"F0_LOAD_PLUGINS": "e2ehello,e2ebroken", "F0_DISABLE_PLUGINS": "e2ehello"},
            set(),
            {"e2ebroken"},
        ),
        ({"F0_STRICT_PLUGINS": "1", "F0_LOAD_PLUGINS": "e2ehello"}, {"e2ehello"}, set()),
    ],
    ids=[
        "load-empty-means-none",
        "load-one",
        "load-by-distribution-name",
        "load-unknown-hook",
        "disable-wins",
        "autoload-off",
        "autoload-off-load-one",
        "disable-beats-load",
        "strict-all-good",
    ],
)
def test_selection_variables(site, env, loaded, failed):
    plugins, failures = plugins_json(site, **env)
    assert set(plugins) & OURS == loaded
    assert set(failures) & OURS == failed
    if "F0_LOAD_PLUGINS" in env or env.get("F0_DISABLE_PLUGIN_AUTOLOAD"):
        # Nothing but the built-ins and what was asked for (first-party plugins included).
        assert set(plugins) == set(BUILTINS) | loaded
        assert set(failures) == failed


@pytest.mark.parametrize(
    ("load", "expected"),
    [
        ("e2ehello,e2ebroken", ["'e2ebroken' (f0-plugin-e2ebroken) failed to load", "libmissing"]),
        ("e2eodd", ["f0_not_a_real_hook"]),
    ],
    ids=["import-error", "unknown-hook"],
)
def test_strict_makes_a_load_failure_fatal(site, load, expected):
    run = f0(site, "plugins", "--json", F0_STRICT_PLUGINS="1", F0_LOAD_PLUGINS=load)
    assert run.code == 2, run
    assert run.stdout == ""
    lines = run.stderr.splitlines()
    assert len(lines) == 1, run
    assert all(text in lines[0] for text in expected), run
    assert "Traceback" not in run.stderr
