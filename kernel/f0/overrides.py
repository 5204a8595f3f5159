"""``--set KEY=VALUE``: seed the context or override a step's argument.

``--set STEP.ARG=VALUE`` where STEP is a step of the recipe whose ``args``
is a mapping overrides that argument; any other KEY is put into the run's
context before the first step. VALUE is parsed as JSON when it can be
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
from f0.model import Recipe, Step

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


def apply_overrides(recipe: Recipe, items: Iterable[str]) -> tuple[Recipe, dict[str, Any]]:
    """Apply ``--set`` *items*: return the recipe with step args overridden and the context seed."""
    seed: dict[str, Any] = {}
    mapping_args = {s.name for s in recipe.steps if isinstance(s.args, dict)}
    arg_overrides: dict[str, dict[str, Any]] = {}
    for item in items:
        key, value = parse_assignment(item)
        step_name, _, arg = key.partition(".")
        if arg and step_name in mapping_args:
            arg_overrides.setdefault(step_name, {})[arg] = value
        else:
            seed[key] = value
    if not arg_overrides:
        return recipe, seed
    steps = [_override_args(s, arg_overrides.get(s.name)) for s in recipe.steps]
    return attrs.evolve(recipe, steps=steps), seed
