"""``f0 init [DIR]``: a recipe, its steps module and a test, all passing from the start."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from f0 import UsageError

__all__ = ["FILES", "scaffold"]

_RECIPE = """\
# An f0 recipe. Run it:      f0 run recipe.yaml
# Check it without running:  f0 validate recipe.yaml
# Editor completion and checking: f0 schema > recipe.schema.json, then point
# VS Code's yaml.schemas at it (see the f0 README, "Editor support").
metadata:
  name: {name}
  description: A starting point made by f0 init
steps:
  - name: greet
    idx: 1
    module: steps          # steps.py, next to this file
    function: greet
    args: {{who: world}}     # try: f0 run recipe.yaml --set greet.who=you
  - name: shout
    idx: 2
    module: steps
    function: shout
    depends_on: [greet]
"""

_STEPS = '''\
"""Step functions of recipe.yaml: each gets the run's context and the step's args."""


def greet(context, params):
    """Write a greeting for ``params["who"]`` to the context."""
    context.set("greeting", f"Hello, {params['who']}!")


def shout(context, params):
    """Read what ``greet`` wrote and write it in capitals."""
    context.set("shouted", context.get("greeting").upper())
'''

_TEST = '''\
"""Runs recipe.yaml in-process, as f0 run does: python -m pytest test_recipe.py"""

from pathlib import Path

from f0.hooks import Hooks
from f0.testing import make_test_plugin_manager, run_recipe_file

HERE = Path(__file__).resolve().parent


def test_recipe_runs():
    hooks = Hooks(make_test_plugin_manager(("yaml", "python", "local", "context")))
    result = run_recipe_file(hooks, HERE / "recipe.yaml")
    assert result.status.value == "COMPLETED", result.steps
    assert result.context["shouted"] == "HELLO, WORLD!"


def test_a_changed_argument_reaches_the_step():
    hooks = Hooks(make_test_plugin_manager(("yaml", "python", "local", "context")))
    result = run_recipe_file(hooks, HERE / "recipe.yaml", sets=["greet.who=f0"])
    assert result.context["greeting"] == "Hello, f0!"
'''

#: What ``f0 init`` writes, by file name.
FILES = ("recipe.yaml", "steps.py", "test_recipe.py")


def scaffold(folder: Path) -> list[Path]:
    """Write :data:`FILES` into *folder* (created if needed); refuse if any exists."""
    if folder.exists() and not folder.is_dir():
        msg = "exists and is not a folder"
        raise UsageError(msg, where=str(folder))
    taken = [folder / name for name in FILES if (folder / name).exists()]
    if taken:
        names = ", ".join(str(p) for p in taken)
        msg = f"will not overwrite {names}: choose another folder (f0 init DIR)"
        raise UsageError(msg, where="init")
    folder.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", folder.resolve().name).strip("-") or "recipe"
    texts = {"recipe.yaml": _RECIPE.format(name=name), "steps.py": _STEPS, "test_recipe.py": _TEST}
    return [_write_new(folder / file_name, texts[file_name]) for file_name in FILES]


def _write_new(path: Path, text: str) -> Path:
    """Write *text* to *path* atomically, failing if *path* appeared meanwhile."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        # link() fails if the target exists: never overwrite, even in a race.
        os.link(tmp, path)
    except FileExistsError:
        msg = "will not overwrite it"
        raise UsageError(msg, where=str(path)) from None
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path
