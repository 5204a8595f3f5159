"""Data quality checks: completeness, consistency and accuracy of a list of records."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from typing import Any

from f0_validate._result import Records, ValidationResult, is_missing, to_number

#: How many record numbers a message names before "...".
_SHOWN = 10

__all__ = ["TYPES", "check_accuracy", "check_completeness", "check_consistency"]

#: Type names of ``consistency.types``.
TYPES = ("string", "integer", "number", "boolean")


def _fields(records: Records) -> list[str]:
    return list(dict.fromkeys(k for r in records for k in r))


def check_completeness(records: Records, config: Mapping[str, Any]) -> list[ValidationResult]:
    """Fields whose share of present values is below ``min_ratio`` (default 1.0).

    ``fields`` defaults to every field seen; missing means absent, null or blank.
    """
    severity = str(config.get("severity", "error"))
    min_ratio = float(config.get("min_ratio", 1.0))
    fields = [str(f) for f in config.get("fields", _fields(records))]
    out = []
    total = len(records)
    for field in fields:
        missing = [i for i, r in enumerate(records) if is_missing(r.get(field))]
        ratio = 1.0 if total == 0 else (total - len(missing)) / total
        if ratio < min_ratio:
            rows = ", ".join(str(i) for i in missing[:_SHOWN]) + (
                " ..." if len(missing) > _SHOWN else ""
            )
            out.append(
                ValidationResult(
                    field=field,
                    rule="completeness",
                    severity=severity,
                    message=f"{len(missing)} of {total} records have no value (complete {ratio:.0%}, need {min_ratio:.0%}; records {rows})",
                    value=round(ratio, 6),
                    expected=min_ratio,
                )
            )
    return out


def _type_ok(value: Any, kind: str) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool) or (
            isinstance(value, str) and value.lower() in {"true", "false"}
        )
    number = to_number(value)
    if kind == "integer":
        return number is not None and number.is_integer()
    return number is not None


def check_consistency(records: Records, config: Mapping[str, Any]) -> list[ValidationResult]:
    """``unique`` fields without duplicates, ``types`` per field, ``same_fields`` in every record.

    Type checks accept what a CSV cell spells (``"12"`` is an integer).
    """
    severity = str(config.get("severity", "error"))
    out = []
    for field in config.get("unique", []):
        seen = Counter(repr(r.get(field)) for r in records if not is_missing(r.get(field)))
        dupes = [v for v, n in seen.items() if n > 1]
        if dupes:
            out.append(
                ValidationResult(
                    field=str(field),
                    rule="consistency.unique",
                    severity=severity,
                    message=f"duplicate values {', '.join(dupes[:_SHOWN])}",
                )
            )
    for field, kind in dict(config.get("types", {})).items():
        bad = [
            i
            for i, r in enumerate(records)
            if not is_missing(r.get(field)) and not _type_ok(r.get(field), str(kind))
        ]
        if bad:
            out.append(
                ValidationResult(
                    field=str(field),
                    rule="consistency.type",
                    severity=severity,
                    message=f"not {kind} in records {', '.join(str(i) for i in bad[:_SHOWN])}",
                    expected=str(kind),
                )
            )
    if config.get("same_fields", False) and records:
        first = set(records[0])
        for i, record in enumerate(records[1:], start=1):
            if set(record) != first:
                diff = sorted(set(record) ^ first)
                out.append(
                    ValidationResult(
                        rule="consistency.same_fields",
                        severity=severity,
                        message=f"record {i} differs from record 0 in fields {', '.join(diff)}",
                    )
                )
    return out


def check_accuracy(records: Records, config: Mapping[str, Any]) -> list[ValidationResult]:
    """Values inside ``ranges`` (``{field: {min, max}}``), in ``allowed`` lists, matching ``patterns``."""
    severity = str(config.get("severity", "error"))
    out = []
    for field, bounds in dict(config.get("ranges", {})).items():
        low, high = bounds.get("min"), bounds.get("max")
        for i, r in enumerate(records):
            value = r.get(field)
            if is_missing(value):
                continue
            number = to_number(value)
            if (
                number is None
                or (low is not None and number < low)
                or (high is not None and number > high)
            ):
                out.append(
                    ValidationResult(
                        field=f"[{i}].{field}",
                        rule="accuracy.range",
                        severity=severity,
                        message=f"{value!r} is outside [{low if low is not None else '-inf'}, {high if high is not None else 'inf'}]",
                        value=value,
                    )
                )
    for field, allowed in dict(config.get("allowed", {})).items():
        texts = {str(a) for a in allowed}
        for i, r in enumerate(records):
            value = r.get(field)
            if not is_missing(value) and str(value) not in texts:
                out.append(
                    ValidationResult(
                        field=f"[{i}].{field}",
                        rule="accuracy.allowed",
                        severity=severity,
                        message=f"{value!r} is not one of {', '.join(sorted(texts))}",
                        value=value,
                    )
                )
    for field, pattern in dict(config.get("patterns", {})).items():
        regex = re.compile(str(pattern))
        for i, r in enumerate(records):
            value = r.get(field)
            if not is_missing(value) and not regex.fullmatch(str(value)):
                out.append(
                    ValidationResult(
                        field=f"[{i}].{field}",
                        rule="accuracy.pattern",
                        severity=severity,
                        message=f"{value!r} does not match {pattern!r}",
                        value=value,
                    )
                )
    return out
