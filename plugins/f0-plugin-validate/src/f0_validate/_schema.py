"""JSON Schema validation with jsonschema: every error, at its JSON path."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from f0_validate._result import ValidationResult

__all__ = ["schema_problem", "validate_schema"]


def schema_problem(schema: Any) -> str | None:
    """Why *schema* is not a valid JSON Schema (for its ``$schema`` draft, default 2020-12), or None."""
    from jsonschema.exceptions import SchemaError
    from jsonschema.validators import validator_for

    if isinstance(schema, bool):
        return None  # true and false are the two trivial schemas
    if not isinstance(schema, Mapping):
        return f"a schema must be a mapping, not {type(schema).__name__}"
    cls = validator_for(schema)
    try:
        cls.check_schema(dict(schema))
    except SchemaError as exc:
        where = "".join(f"[{p!r}]" if isinstance(p, int) else f".{p}" for p in exc.absolute_path)
        return f"invalid schema at ${where}: {exc.message}"
    return None


def validate_schema(data: Any, schema: Any) -> list[ValidationResult]:
    """Every way *data* breaks *schema*, sorted by where in the data (formats checked too)."""
    from jsonschema import FormatChecker
    from jsonschema.validators import validator_for

    problem = schema_problem(schema)
    if problem is not None:
        return [ValidationResult(rule="schema", severity="critical", message=problem)]
    validator = validator_for(schema)(schema, format_checker=FormatChecker())
    errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    return [
        ValidationResult(
            field=e.json_path,
            rule=f"schema.{e.validator}",
            message=e.message,
            expected=e.validator_value
            if isinstance(e.validator_value, str | int | float | bool)
            else None,
        )
        for e in errors
    ]
