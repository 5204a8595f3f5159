"""``from f0 import BaseScriptlet``: the scriptlet names f0-plugin-python provides to ``f0``.

The scriptlet framework lives in ``f0_python.scriptlets``; users keep
importing it from ``f0`` (the ``f0.exports`` entry points). Fresh
interpreters of the installed f0, so nothing cached in this process helps.
"""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import f0
import f0_python.scriptlets
import pytest
from f0.exports import PROVIDED

ROOT = Path(__file__).resolve().parents[3]
PYPROJECT = ROOT / "plugins/f0-plugin-python/pyproject.toml"


def python(
    code: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_from_f0_import_gives_the_plugins_very_classes():
    code = """
        import sys
        import f0
        assert "f0_python.scriptlets" not in sys.modules
        from f0 import BaseScriptlet, ComputeScriptlet, ScriptletResult, register_scriptlet
        import f0_python, f0_python.scriptlets as s
        assert BaseScriptlet is s.BaseScriptlet is f0_python.BaseScriptlet
        assert ComputeScriptlet is s.ComputeScriptlet and ScriptletResult is s.ScriptletResult
        assert register_scriptlet is s.register_scriptlet
        from f0.exports import PROVIDED
        for name in PROVIDED:
            assert getattr(f0, name) is getattr(s, name) is getattr(f0_python, name), name
        namespace = {}
        exec("from f0 import *", namespace)
        assert namespace["BaseScriptlet"] is s.BaseScriptlet
        print("ok")
    """
    out = python(code)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_in_process_too():
    for name in PROVIDED:
        assert getattr(f0, name) is getattr(f0_python.scriptlets, name)


def test_scriptlet_registry_is_public_through_f0():  # was tests/kernel/test_api.py
    @f0.register_scriptlet(name="api_test_scriptlet")
    class Probe(f0.BaseScriptlet):
        """A scriptlet for this test."""

        def run(self, context, params):
            return 0

    try:
        assert f0.get_scriptlet("api_test_scriptlet") is Probe
        assert f0.list_scriptlets()["api_test_scriptlet"] is Probe
    finally:
        assert f0.unregister_scriptlet("api_test_scriptlet") is True
    assert f0.unregister_scriptlet("api_test_scriptlet") is False
    with pytest.raises(KeyError, match="api_test_scriptlet"):
        f0.get_scriptlet("api_test_scriptlet")


def test_the_pyproject_declares_every_provided_name():
    """The kernel's table of names and f0-plugin-python's entry points agree (installed too)."""
    declared = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["entry-points"]
    expected = {name: f"f0_python.scriptlets:{name}" for name in PROVIDED}
    assert declared["f0.exports"] == expected
    installed = importlib.metadata.distribution("f0-plugin-python").entry_points
    assert {ep.name: ep.value for ep in installed if ep.group == "f0.exports"} == expected
    assert set(PROVIDED) == set(f0_python.scriptlets.__all__) - {"FAILURE_STATUSES"}


def site_without_f0_plugin_python(tmp_path: Path) -> Path:
    """A copy of site-packages (symlinks) without f0-plugin-python: as if uninstalled."""
    dist = importlib.metadata.distribution("f0-plugin-python")
    site = Path(dist.locate_file("")).resolve()
    ours = {Path(str(f)).parts[0] for f in dist.files or ()}
    assert any(name.endswith(".dist-info") for name in ours), ours
    view = tmp_path / "site-packages"
    view.mkdir()
    for entry in site.iterdir():
        if entry.name not in ours:
            (view / entry.name).symlink_to(entry)
    return view


def test_without_f0_plugin_python_the_import_names_it(tmp_path):
    view = site_without_f0_plugin_python(tmp_path)
    code = f"""
        import site
        site.addsitedir({str(view)!r})
        import importlib.metadata, importlib.util
        assert importlib.util.find_spec("f0_python") is None
        try:
            importlib.metadata.distribution("f0-plugin-python")
        except importlib.metadata.PackageNotFoundError:
            pass
        else:
            raise AssertionError("f0-plugin-python is still installed")
        import f0
        assert f0.Recipe.__name__ == "Recipe"  # the kernel's own names do not need it
        from f0 import MissingProviderError
        for statement in ("from f0 import BaseScriptlet", "from f0 import *"):
            try:
                exec(statement, {{}})
            except MissingProviderError as exc:
                assert isinstance(exc, ImportError)
                print(exc)
            else:
                raise AssertionError(statement + " worked without f0-plugin-python")
        try:
            f0.no_such_name
        except AttributeError:
            pass
    """
    env = {"PYTHONPATH": "", "F0_COMPAT_DISABLE": "1"}
    out = python(code, "-S", env=env)  # -S: only the view is a site directory
    assert out.returncode == 0, out.stderr
    message = "is provided by f0-plugin-python: install it with: pip install f0-plugin-python"
    first, star = out.stdout.splitlines()
    assert first == f"f0.BaseScriptlet {message}"
    assert star.startswith("f0.")
    assert star.endswith(message)


def test_the_old_module_path_still_works_with_a_deprecation_warning():
    code = """
        import warnings
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            from f0.scriptlet import ScriptletResult, register_scriptlet
        import f0_python.scriptlets as s
        assert ScriptletResult is s.ScriptletResult and register_scriptlet is s.register_scriptlet
        assert [w.category.__name__ for w in caught] == ["DeprecationWarning"], caught
        assert "from f0 import BaseScriptlet" in str(caught[0].message)
        print("ok")
    """
    out = python(code)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
