"""Whole-recipe validation: every problem at once, before anything runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from f0.errors import MissingProviderError
from f0.model import Problem, Severity

if TYPE_CHECKING:
    from f0.hooks import Hooks
    from f0.model import Recipe

__all__ = ["COMMON_STEP_KEYS", "validate_recipe"]

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


def _hint(exc: MissingProviderError) -> str:
    text = str(exc)
    return "; " + text.split("; ", 1)[1] if "install it with" in text else ""


def _sort_key(p: Problem) -> tuple[str, int, int]:
    if p.pos is None:
        return ("", 0, 0)
    return (p.pos.path, p.pos.line, p.pos.col)
