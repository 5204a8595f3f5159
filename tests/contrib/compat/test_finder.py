"""The import rule: Framework0 names are served only when nothing else provides them."""

from __future__ import annotations

import json

import f0_compat
from f0_compat.finder import LEGACY_ROOT, legacy_file

from .compat_support import python

SHOW = """
import importlib, json, sys
out = {}
for name in sys.argv[1:]:
    try:
        out[name] = importlib.import_module(name).__file__
    except ImportError as exc:
        out[name] = "ImportError: " + str(exc)
print(json.dumps(out))
"""


def imported(tmp_path, *names, env=None):
    done = python(SHOW, tmp_path, env, *names)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def ours(path: str) -> bool:
    return path.startswith(str(LEGACY_ROOT))


def test_absent_user_package_means_ours(tmp_path):
    files = imported(
        tmp_path,
        "orchestrator",
        "orchestrator.context",
        "orchestrator.context.context",
        "orchestrator.enhanced_recipe_parser",
        "orchestrator.runner",
        "scriptlets.framework",
        "src.core.logger",
    )
    assert all(ours(f) for f in files.values()), files


def test_a_user_package_wins(tmp_path, write):
    write("orchestrator/__init__.py", "MINE = True\n")
    write("orchestrator/context.py", "from orchestrator import MINE\n")
    files = imported(tmp_path, "orchestrator", "orchestrator.context")
    assert files["orchestrator"] == str(tmp_path / "orchestrator" / "__init__.py")
    assert files["orchestrator.context"] == str(tmp_path / "orchestrator" / "context.py")


def test_every_legacy_name_yields_to_a_user_module(tmp_path, write):
    for name in sorted(f0_compat.LEGACY_PACKAGES):
        write(f"{name}.py", "")  # a plain module of that name, not even a package
    files = imported(tmp_path, *sorted(f0_compat.LEGACY_PACKAGES))
    assert files == {n: str(tmp_path / f"{n}.py") for n in f0_compat.LEGACY_PACKAGES}


def test_a_user_scriptlets_package_keeps_its_modules_and_gets_framework(tmp_path, write):
    # A Framework0 project after the move: its own scriptlets, Framework0's framework.py gone.
    write("scriptlets/__init__.py", "")
    write("scriptlets/mine.py", "from scriptlets.framework import BaseScriptlet\n")
    files = imported(tmp_path, "scriptlets", "scriptlets.mine", "scriptlets.framework")
    assert files["scriptlets"] == str(tmp_path / "scriptlets" / "__init__.py")
    assert files["scriptlets.mine"] == str(tmp_path / "scriptlets" / "mine.py")
    assert ours(files["scriptlets.framework"])


def test_a_user_framework_module_wins_over_ours(tmp_path, write):
    write("scriptlets/__init__.py", "")
    write("scriptlets/framework.py", "OWN = 1\n")
    files = imported(tmp_path, "scriptlets.framework")
    assert files["scriptlets.framework"] == str(tmp_path / "scriptlets" / "framework.py")


def test_a_namespace_folder_wins_and_gaps_are_filled(tmp_path, write):
    write("src/app.py", "")  # a src/ folder without __init__.py: a namespace package
    done = python(
        "import src, src.app, src.core.logger; print(list(src.__path__)[0]); print(src.core.logger.__file__)",
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    first, second = done.stdout.split()
    assert first == str(tmp_path / "src")
    assert ours(second)


def test_a_finder_added_later_gets_its_say_first(tmp_path, write):
    # An editable install's finder sits after ours on sys.meta_path: it still wins.
    write("elsewhere/orchestrator/__init__.py", "THEIRS = True\n")
    code = f"""
    import importlib.machinery, sys
    class Editable:
        def find_spec(self, name, path=None, target=None):
            if name == "orchestrator":
                return importlib.machinery.PathFinder.find_spec(name, [{str(tmp_path / "elsewhere")!r}])
            return None
    sys.meta_path.append(Editable())
    import orchestrator
    print(orchestrator.THEIRS)
    """
    done = python(code, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"


def test_disabled_by_environment(tmp_path):
    files = imported(tmp_path, "orchestrator.context", env={"F0_COMPAT_DISABLE": "1"})
    assert files["orchestrator.context"].startswith("ImportError")


def test_enable_and_disable_by_hand(tmp_path):
    code = """
    import f0_compat, importlib.util
    print(f0_compat.enabled())
    f0_compat.disable(); f0_compat.disable()
    print(f0_compat.enabled(), importlib.util.find_spec("orchestrator") is None)
    f0_compat.enable(); f0_compat.enable()
    import sys
    print(f0_compat.enabled(), sum(type(f).__name__ == "LegacyFinder" for f in sys.meta_path))
    import orchestrator.context
    print(orchestrator.context.Context.__module__)
    """
    done = python(code, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "False", "True", "True", "1", "f0_compat.context"]


def test_one_class_whichever_path(tmp_path):
    code = """
    import orchestrator.context, orchestrator.context.context, f0_compat.context, scriptlets.framework, f0
    print(orchestrator.context.Context is orchestrator.context.context.Context is f0_compat.context.Context)
    print(scriptlets.framework.BaseScriptlet is f0.BaseScriptlet)
    """
    done = python(code, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True"]


def test_legacy_file_lookup():
    assert legacy_file("orchestrator")[1] is True
    assert legacy_file("orchestrator.runner")[1] is False
    assert legacy_file("orchestrator.nope") is None
    assert legacy_file("json") is None
    assert legacy_file("orchestrator.-bad") is None
