"""Helpers of the f0-plugin-python tests (imported by the test modules and conftest)."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import f0

if TYPE_CHECKING:
    from pathlib import Path

Files = Mapping[str, str]


def write_files(folder: Path, files: Files) -> Path:
    """Write ``{relative path: text}`` (dedented) under *folder*; return *folder*."""
    for rel, text in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


def recipe_in(folder: Path, *steps: f0.Step) -> f0.Recipe:
    """A recipe whose file would be ``folder/recipe.yaml`` (only its folder matters)."""
    return f0.Recipe(name="test", path=folder / "recipe.yaml", steps=list(steps))


def run_step(
    runner: f0.StepRunner,
    recipe: f0.Recipe,
    step: f0.Step | None = None,
    *,
    seed: Mapping[str, Any] | None = None,
    timeout: float | None = None,
) -> tuple[f0.StepOutcome, f0.Delta]:
    """One attempt of *step* (default: the recipe's first), as a scheduler makes it."""
    step = step or recipe.steps[0]
    context = f0.StepContext(dict(seed or {}), who=step.name)
    env = f0.StepEnv(run_id="test", base_dir=recipe.base_dir, timeout=timeout)
    outcome = f0.run_attempt(runner, step, context, env)
    return outcome, context.delta()


def py_step(function: str, module: str = "steps", **kwargs: Any) -> f0.Step:
    """A python step named after its function (``name=`` overrides)."""
    name = kwargs.pop("name", function)
    idx = kwargs.pop("idx", 1)
    return f0.Step(name=name, idx=idx, module=module, function=function, **kwargs)


def shell_step(command: Any, **options: Any) -> f0.Step:
    """A shell step named ``sh`` (``name=``, ``timeout=``... are Step fields, the rest options)."""
    step_fields = ("name", "idx", "args", "success_criteria", "key_pos")
    fields = {k: options.pop(k) for k in step_fields if k in options}
    fields.setdefault("name", "sh")
    fields.setdefault("idx", 1)
    return f0.Step(type="shell", options={"command": command, **options}, **fields)


def pos(key: str) -> f0.SourcePos:
    """A fake source position for *key*, to check problems point at the right key."""
    return f0.SourcePos("recipe.yaml", 1 + sorted(KEYS).index(key), 3)


KEYS = ("args", "command", "cwd", "env", "function", "module", "output_key")
KEY_POS = {k: pos(k) for k in KEYS}
