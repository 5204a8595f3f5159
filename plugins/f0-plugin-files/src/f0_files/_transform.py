"""The record and text operations of ``op: transform``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["TRANSFORM_KEYS", "TransformError", "apply_transforms"]

#: Transform keys, in the order they are applied.
TRANSFORM_KEYS = ("where", "select", "rename", "sort_by", "reverse", "replace")


class TransformError(ValueError):
    """A transform does not fit the data (a text replace on records, say)."""


def _records(data: Any, key: str) -> list[dict[str, Any]]:
    if isinstance(data, list) and all(isinstance(r, Mapping) for r in data):
        return [dict(r) for r in data]
    msg = f"'{key}' needs a list of records (CSV rows, a JSON/YAML list of mappings), got {type(data).__name__}"
    raise TransformError(msg)


def _sort_key(fields: list[str]) -> Any:
    def key(record: Mapping[str, Any]) -> tuple[Any, ...]:
        # Missing values sort first; numbers before strings so mixed columns still sort.
        parts: list[Any] = []
        for field in fields:
            value = record.get(field)
            if value is None:
                parts.append((0, 0, ""))
            elif isinstance(value, int | float) and not isinstance(value, bool):
                parts.append((1, value, ""))
            else:
                parts.append((2, 0, str(value)))
        return tuple(parts)

    return key


def apply_transforms(data: Any, opts: Mapping[str, Any]) -> Any:
    """Apply ``where``, ``select``, ``rename``, ``sort_by``, ``reverse``, ``replace`` in that order.

    ``where`` keeps records whose fields equal the given values (CSV values
    are strings, so they are compared as strings when the record's is one).
    ``select`` keeps (and orders) the named fields, ``rename`` maps old names
    to new ones, ``sort_by`` sorts by one field or several, ``reverse`` flips
    the list, ``replace`` substitutes text in a text file.
    """
    if "where" in opts:
        wanted = dict(opts["where"])
        data = [
            r
            for r in _records(data, "where")
            if all(
                k in r and (r[k] == v or (isinstance(r[k], str) and r[k] == str(v)))
                for k, v in wanted.items()
            )
        ]
    if "select" in opts:
        fields = list(opts["select"])
        if isinstance(data, Mapping):
            data = {k: data[k] for k in fields if k in data}
        else:
            data = [{k: r[k] for k in fields if k in r} for r in _records(data, "select")]
    if "rename" in opts:
        names = dict(opts["rename"])
        if isinstance(data, Mapping):
            data = {names.get(k, k): v for k, v in data.items()}
        else:
            data = [{names.get(k, k): v for k, v in r.items()} for r in _records(data, "rename")]
    if "sort_by" in opts:
        by = opts["sort_by"]
        fields = [by] if isinstance(by, str) else list(by)
        data = sorted(_records(data, "sort_by"), key=_sort_key(fields))
    if opts.get("reverse"):
        if not isinstance(data, list):
            msg = f"'reverse' needs a list, got {type(data).__name__}"
            raise TransformError(msg)
        data = list(reversed(data))
    if "replace" in opts:
        if not isinstance(data, str):
            msg = f"'replace' needs text (format text), got {type(data).__name__}"
            raise TransformError(msg)
        for old, new in dict(opts["replace"]).items():
            data = data.replace(str(old), str(new))
    return data
