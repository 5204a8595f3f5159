"""Whole-recipe validation: every problem at once, before anything runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from f0.errors import MissingProviderError
from f0.model import Problem, Severity

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from pathlib import Path
    from typing import Any

    from f0.hooks import Hooks
    from f0.model import Recipe, Step

__all__ = [
    "COMMON_STEP_KEYS",
    "load_and_validate",
    "soften_unknown_keys",
    "unknown_step_keys",
    "validate_recipe",
]

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


def validate_recipe(
    hooks: Hooks, recipe: Recipe, *, strict: bool = False, lenient: bool = False
) -> list[Problem]:
    """Every problem in *recipe*: the loader's, every plugin's, each step runner's.

    Step runners ``prepare`` each enabled step (import its module, resolve
    its function). An unknown key is an error unless *lenient* (or the
    recipe's ``lenient: true``) makes it a warning; with *strict*, every
    warning becomes an error. Problems come back sorted by position.
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
        problems.extend(unknown_step_keys(step, runner.option_keys))
        if step.enabled:
            problems.extend(runner.prepare(step, recipe))
    if strict:
        problems = [attrs.evolve(p, severity=Severity.ERROR) for p in problems]
    elif lenient or recipe.lenient:
        problems = soften_unknown_keys(problems)
    return sorted(problems, key=_sort_key)


def unknown_step_keys(step: Step, option_keys: Iterable[str]) -> list[Problem]:
    """An ERROR for each key of *step* that neither f0 nor its step type knows.

    The message suggests the closest known key (``depend_on`` -> ``depends_on``).
    Keys plugins add to every step (``circuit_breaker:`` of f0-plugin-resilience)
    are in the runner's ``option_keys``, so they count as known.
    """
    if not step.options:  # most steps: no set of known keys to build
        return []
    from f0.wording import did_you_mean

    known = set(option_keys)
    unknown = [key for key in step.options if key not in known]
    if not unknown:
        return []
    choices = known | COMMON_STEP_KEYS
    return [
        Problem(
            message=f"step {step.name!r}: unknown key {key!r} for step type {step.type!r}"
            + did_you_mean(key, choices),
            pos=step.where(key),
            code="E021",
            unknown_key=True,
        )
        for key in unknown
    ]


def soften_unknown_keys(problems: Iterable[Problem]) -> list[Problem]:
    """*problems* with every unknown-key error turned into a warning (``E021`` -> ``W021``)."""
    return [
        attrs.evolve(
            p,
            severity=Severity.WARNING,
            code=("W" + p.code[1:]) if p.code and p.code.startswith("E") else p.code,
        )
        if p.unknown_key and p.is_error
        else p
        for p in problems
    ]


def load_and_validate(
    hooks: Hooks,
    path: Path,
    *,
    sets: Sequence[str] = (),
    strict: bool = False,
    lenient: bool = False,
) -> tuple[Recipe, dict[str, Any], list[Problem]]:
    """Load *path*, apply ``--set`` values, validate: (recipe, context seed, problems).

    The first load may skip source positions (the loader's fast path); only
    when there is a problem to report is the file loaded again with them, so
    every problem still says ``file:line:col``.
    """
    from f0.overrides import apply_overrides

    recipe, seed = apply_overrides(hooks.load_recipe(path), sets, lenient=lenient)
    problems = validate_recipe(hooks, recipe, strict=strict, lenient=lenient)
    if problems and not recipe.positions:
        recipe, seed = apply_overrides(
            hooks.load_recipe(path, positions=True), sets, lenient=lenient
        )
        problems = validate_recipe(hooks, recipe, strict=strict, lenient=lenient)
    return recipe, seed, problems


def _hint(exc: MissingProviderError) -> str:
    text = str(exc)
    return "; " + text.split("; ", 1)[1] if "install it with" in text else ""


def _sort_key(p: Problem) -> tuple[str, int, int]:
    if p.pos is None:
        return ("", 0, 0)
    return (p.pos.path, p.pos.line, p.pos.col)
