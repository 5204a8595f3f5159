"""Run-store records to JSON-ready dicts and back.

Field by field over attrs, so a newer kernel's extra fields round-trip
when both sides know them and are dropped (not fatal) when the reader does
not. Sets become sorted lists; enums their values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
from f0 import CacheEntry, Delta, StepRecord, StepResult, StepStatus

__all__ = ["cache_entry", "encode", "step_record"]


def _plain(value: Any) -> Any:
    if isinstance(value, StepStatus):
        return value.value
    if isinstance(value, frozenset | set):
        return sorted(value)
    if isinstance(value, tuple):
        return list(value)
    if attrs.has(type(value)):
        return encode(value)
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    return value


def encode(record: Any) -> dict[str, Any]:
    """A dict of JSON values for an attrs *record* (StepRecord, CacheEntry, Delta...)."""
    return {f.name: _plain(getattr(record, f.name)) for f in attrs.fields(type(record))}


def _known(cls: type, data: Mapping[str, Any]) -> dict[str, Any]:
    fields = attrs.fields_dict(cls)
    return {key: value for key, value in data.items() if key in fields}


def _delta(data: Mapping[str, Any]) -> Delta:
    values = _known(Delta, data)
    values["reads"] = frozenset(values.get("reads", ()))
    return Delta(**values)


def _result(data: Mapping[str, Any]) -> StepResult:
    values = _known(StepResult, data)
    values["status"] = StepStatus(values["status"])
    if "attempt_errors" in values:  # a JSON list; the field is a tuple
        values["attempt_errors"] = tuple(values["attempt_errors"])
    return StepResult(**values)


def step_record(data: Mapping[str, Any]) -> StepRecord:
    """Inverse of :func:`encode` for a :class:`f0.StepRecord`."""
    values = _known(StepRecord, data)
    values["result"] = _result(values["result"])
    values["delta"] = _delta(values.get("delta", {}))
    return StepRecord(**values)


def cache_entry(data: Mapping[str, Any]) -> CacheEntry:
    """Inverse of :func:`encode` for a :class:`f0.CacheEntry`."""
    values = _known(CacheEntry, data)
    values["delta"] = _delta(values.get("delta", {}))
    return CacheEntry(**values)
