"""Whole-recipe validation: every problem at once, before anything runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from f0.errors import MissingProviderError
from f0.model import Problem, Severity

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path
    from typing import Any

    from f0.hooks import Hooks
    from f0.model import Recipe

__all__ = ["COMMON_STEP_KEYS", "load_and_validate", "validate_recipe"]

#: Step keys every step type accepts (the loader maps aliases onto these).
COMMON_STEP_KEYS = frozenset(
    {
        "name",
        "idx",
        "type",
        "module",
        "function",
        "args",
        "depends_on",
        "timeout",
        "retry_count",
        "retries",
        "retry",
        "enabled",
        "success_criteria",
        "description",
        "cache",
    }
)


def validate_recipe(hooks: Hooks, recipe: Recipe, *, strict: bool = False) -> list[Problem]:
    """Every problem in *recipe*: the loader's, every plugin's, each step runner's.

    Step runners ``prepare`` each enabled step (import its module, resolve
    its function). With *strict*, warnings become errors. Problems come back
    sorted by position.
    """
    problems = list(recipe.problems)
    problems.extend(hooks.validate_recipe(recipe))
    for step in recipe.steps:
        try:
            runner = hooks.step_runner(step.type)
        except MissingProviderError as exc:
            types = ", ".join(hooks.step_types()) or "none installed"
            problems.append(
                Problem(
                    message=f"step {step.name!r}: unknown step type {step.type!r} (known: {types}){_hint(exc)}",
                    pos=step.where("type"),
                    code="E020",
                )
            )
            continue
        problems.extend(
            Problem(
                message=f"step {step.name!r}: unknown key {key!r} for step type {step.type!r}",
                pos=step.where(key),
                severity=Severity.WARNING,
                code="W021",
            )
            for key in step.options
            if key not in runner.option_keys
        )
        if step.enabled:
            problems.extend(runner.prepare(step, recipe))
    if strict:
        problems = [attrs.evolve(p, severity=Severity.ERROR) for p in problems]
    return sorted(problems, key=_sort_key)


def load_and_validate(
    hooks: Hooks, path: Path, *, sets: Sequence[str] = (), strict: bool = False
) -> tuple[Recipe, dict[str, Any], list[Problem]]:
    """Load *path*, apply ``--set`` values, validate: (recipe, context seed, problems).

    The first load may skip source positions (the loader's fast path); only
    when there is a problem to report is the file loaded again with them, so
    every problem still says ``file:line:col``.
    """
    from f0.overrides import apply_overrides

    recipe, seed = apply_overrides(hooks.load_recipe(path), sets)
    problems = validate_recipe(hooks, recipe, strict=strict)
    if problems and not recipe.positions:
        recipe, seed = apply_overrides(hooks.load_recipe(path, positions=True), sets)
        problems = validate_recipe(hooks, recipe, strict=strict)
    return recipe, seed, problems


def _hint(exc: MissingProviderError) -> str:
    text = str(exc)
    return "; " + text.split("; ", 1)[1] if "install it with" in text else ""


def _sort_key(p: Problem) -> tuple[str, int, int]:
    if p.pos is None:
        return ("", 0, 0)
    return (p.pos.path, p.pos.line, p.pos.col)
