"""One finding of a validation: Framework0's ``ValidationResult``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

__all__ = ["SEVERITIES", "Records", "ValidationResult", "as_records", "is_missing", "to_number"]

#: Severities, least severe first.
SEVERITIES = ("info", "warning", "error", "critical")

Records = list[Mapping[str, Any]]


@attrs.frozen(kw_only=True)
class ValidationResult:
    """What a check found: which field and rule, how bad, and what was expected."""

    field: str | None = None
    rule: str | None = None
    severity: str = "error"
    message: str = ""
    value: Any = None
    expected: Any = None
    suggestion: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, without the empty fields."""
        return {k: v for k, v in attrs.asdict(self).items() if v is not None}

    def __str__(self) -> str:
        return self.message if self.field is None else f"{self.field}: {self.message}"


def as_records(data: Any) -> Records:
    """*data* as a list of records: a list of mappings as is, one mapping as a list of one."""
    if isinstance(data, Mapping):
        return [data]
    if isinstance(data, Sequence) and not isinstance(data, str):
        return [r if isinstance(r, Mapping) else {"value": r} for r in data]
    return [{"value": data}]


def is_missing(value: Any) -> bool:
    """Absent, null, or an empty/blank string (an empty CSV cell)."""
    return value is None or (isinstance(value, str) and not value.strip())


def to_number(value: Any) -> float | None:
    """*value* as a number: ints and floats, and strings that spell one (CSV cells)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None
