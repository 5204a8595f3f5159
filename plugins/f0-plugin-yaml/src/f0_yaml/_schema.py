"""``f0 schema``: the JSON Schema (draft 7) of the recipe format.

Built from :mod:`f0_yaml._format` (the tables the loader reads its known keys
from) and from the keys each installed step type declares (its runner's
``option_keys``, which the kernel's unknown-key check uses too), so an editor
using this schema flags what ``f0 validate`` flags.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from f0 import COMMON_STEP_KEYS

from f0_yaml._format import STEP_FIELDS, TOP_LEVEL_FIELDS

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["DRAFT", "recipe_schema"]

DRAFT = "http://json-schema.org/draft-07/schema#"


def recipe_schema(step_types: Mapping[str, frozenset[str]]) -> dict[str, Any]:
    """The schema of a recipe whose steps may be of *step_types* (type -> its option keys).

    Each step may carry the common keys plus the keys of its own type
    (``type`` absent means ``python``); ``module`` and ``function`` are
    required for python steps. Unknown keys are errors, as in ``f0 validate``
    without ``--lenient``.
    """
    missing = COMMON_STEP_KEYS - set(STEP_FIELDS)
    if missing:  # pragma: no cover - guarded by the tests; a kernel key with no schema
        msg = f"no schema for common step keys {sorted(missing)}"
        raise RuntimeError(msg)
    extra = sorted({k for keys in step_types.values() for k in keys} - set(STEP_FIELDS))
    properties: dict[str, Any] = {**_nullable(STEP_FIELDS, keep={"name"}), **{k: {} for k in extra}}
    properties["type"] = _or_null({**STEP_FIELDS["type"], "enum": sorted(step_types)})
    rules: list[dict[str, Any]] = []
    for name, keys in sorted(step_types.items()):
        is_type: dict[str, Any] = {"properties": {"type": {"const": name}}, "required": ["type"]}
        if name == "python":
            is_type = {"anyOf": [is_type, {"not": {"required": ["type"]}}]}
        allowed = sorted(set(STEP_FIELDS) | set(keys))
        then: dict[str, Any] = {"propertyNames": {"enum": allowed}}
        if name == "python":
            then["required"] = ["module", "function"]
        rules.append({"if": is_type, "then": then})
    step: dict[str, Any] = {
        "type": "object",
        "required": ["name"],
        "properties": properties,
        "additionalProperties": False,
        "allOf": rules,
    }
    top: dict[str, Any] = _nullable(TOP_LEVEL_FIELDS, keep={"steps"})
    top["steps"] = {**TOP_LEVEL_FIELDS["steps"], "items": step}
    return {
        "$schema": DRAFT,
        "title": "f0 recipe",
        "description": "An f0 recipe (f0 schema). Generated from the installed plugins.",
        "type": "object",
        "required": ["steps"],
        "properties": top,
        "additionalProperties": False,
    }


def _or_null(schema: dict[str, Any]) -> dict[str, Any]:
    """*schema* or ``null``: the loader reads an empty value as "use the default"."""
    inner = _nullable(schema["properties"]) if "properties" in schema else None
    if inner is not None:
        schema = {**schema, "properties": inner}
    return {"anyOf": [{"type": "null"}, schema]}


def _nullable(fields: Mapping[str, dict[str, Any]], keep: set[str] | None = None) -> dict[str, Any]:
    """Every field of *fields* (but those in *keep*) may also be null, nested mappings too."""
    return {k: v if k in (keep or set()) else _or_null(v) for k, v in fields.items()}
