"""``--set KEY=VALUE``: seed the context or override a step's argument.

``--set STEP.ARG=VALUE`` where STEP is a step of the recipe whose ``args``
is a mapping overrides that argument; any other KEY is put into the run's
context before the first step. An ARG the step does not have, or a STEP
that is a near miss of a step's name (``clen.n`` for step ``clean``), is a
:class:`~f0.errors.UsageError` with a suggestion; ``--lenient`` (or the
recipe's ``lenient: true``) makes it a warning and applies the value anyway. VALUE is parsed as JSON when it can be
(``4`` -> 4, ``true`` -> True, ``[1,2]`` -> list) and kept as a string
otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from f0.context import normalize_value
from f0.errors import UsageError
from f0.model import Problem, Recipe, Severity, Step
from f0.wording import closest, did_you_mean

__all__ = ["apply_overrides", "parse_assignment", "parse_value"]


def parse_value(text: str) -> Any:
    """JSON if *text* parses as JSON, else *text* itself."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse_assignment(item: str) -> tuple[str, Any]:
    """``"n=4"`` -> ``("n", 4)``; a :class:`UsageError` without ``=`` or a key."""
    key, sep, raw = item.partition("=")
    key = key.strip()
    if not sep:
        msg = f"expected KEY=VALUE, got {item!r}"
        raise UsageError(msg, where="--set")
    if not key:
        msg = f"empty key in {item!r}"
        raise UsageError(msg, where="--set")
    value = parse_value(raw)
    try:
        value = normalize_value(key, value)
    except ValueError as exc:  # pragma: no cover - parse_value only yields JSON values
        raise UsageError(str(exc), where="--set") from None
    return key, value


def _override_args(step: Step, overrides: dict[str, Any] | None) -> Step:
    if not overrides or not isinstance(step.args, Mapping):
        return step
    return attrs.evolve(step, args={**step.args, **overrides})


#: How close (difflib ratio) a dotted key's first part must be to a step name
#: to be taken for a misspelt ``STEP.ARG`` rather than a context key.
_STEP_CUTOFF = 0.8


def _check_target(recipe: Recipe, key: str) -> str | None:
    """What is wrong with ``--set KEY`` as a step argument, or None when nothing is."""
    step_name, _, arg = key.partition(".")
    steps = {s.name: s for s in recipe.steps}
    step = steps.get(step_name)
    if not arg:
        return None
    if step is None:
        near = closest(step_name, steps)
        if near is None or _ratio(step_name, near) < _STEP_CUTOFF:
            return None  # a context key such as sales.raw
        return f"no step {step_name!r}; did you mean `{near}.{arg}`?"
    if not isinstance(step.args, Mapping):
        return f"step {step_name!r} takes a list of arguments; --set can only name a mapping's argument"
    if arg in step.args:
        return None
    known = ", ".join(sorted(str(k) for k in step.args)) or "none"
    return f"step {step_name!r} has no argument {arg!r}{did_you_mean(arg, map(str, step.args))} (its arguments: {known})"


def _ratio(a: str, b: str) -> float:
    import difflib

    return difflib.SequenceMatcher(None, a.lower(), b.lower()).ratio()


def apply_overrides(
    recipe: Recipe, items: Iterable[str], *, lenient: bool = False
) -> tuple[Recipe, dict[str, Any]]:
    """Apply ``--set`` *items*: return the recipe with step args overridden and the context seed.

    A misnamed step or argument raises :class:`UsageError`; when *lenient*
    (or ``recipe.lenient``) it becomes a warning in ``recipe.problems`` and
    the value is applied as given.
    """
    seed: dict[str, Any] = {}
    mapping_args = {s.name for s in recipe.steps if isinstance(s.args, Mapping)}
    arg_overrides: dict[str, dict[str, Any]] = {}
    warnings: list[Problem] = []
    for item in items:
        key, value = parse_assignment(item)
        wrong = _check_target(recipe, key)
        if wrong is not None:
            if not (lenient or recipe.lenient):
                msg = f"{key}: {wrong}"
                raise UsageError(msg, where="--set")
            warnings.append(
                Problem(
                    message=f"{key}: {wrong}",
                    where="--set",
                    severity=Severity.WARNING,
                    code="W022",
                    unknown_key=True,
                )
            )
        step_name, _, arg = key.partition(".")
        if arg and step_name in mapping_args:
            arg_overrides.setdefault(step_name, {})[arg] = value
        else:
            seed[key] = value
    if warnings:
        recipe = attrs.evolve(recipe, problems=(*recipe.problems, *warnings))
    if not arg_overrides:
        return recipe, seed
    steps = [_override_args(s, arg_overrides.get(s.name)) for s in recipe.steps]
    return attrs.evolve(recipe, steps=steps), seed
