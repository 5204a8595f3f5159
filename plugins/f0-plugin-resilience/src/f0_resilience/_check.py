"""Checks of the per-step keys ``circuit_breaker``, ``rate_limit``, ``bulkhead``, ``fallback``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from f0 import Limits

__all__ = ["STEP_KEYS", "check_step_keys"]

#: field -> (kind, default); kinds: count (int >= 1), positive (> 0), nonneg (>= 0), name.
STEP_KEYS: dict[str, dict[str, tuple[str, Any]]] = {
    "circuit_breaker": {
        "failure_threshold": ("count", 5),
        "recovery_timeout": ("nonneg", 60.0),
        "half_open_max_calls": ("count", 3),
        "name": ("name", None),
    },
    "rate_limit": {
        "requests_per_second": ("positive", 1.0),
        "burst_size": ("count", 10),
        "max_wait": ("nonneg", 60.0),
        "name": ("name", None),
    },
    "bulkhead": {
        "max_capacity": ("count", 10),
        "failure_threshold": ("count", 10),
        "isolation_threshold": ("count", 20),
        "recovery_time": ("nonneg", 60.0),
        "name": ("name", "default"),
    },
    "fallback": {"set": ("mapping", None)},
}

Bad = Callable[[str, str], None]


def _kind_ok(kind: str, value: Any) -> bool:
    # Upper bounds too: what validates must run (1e300 s overflowed the step, issue 19).
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "count":
        return (
            isinstance(value, int)
            and not isinstance(value, bool)
            and 1 <= value <= Limits.MAX_COUNT
        )
    if kind == "positive":
        return number and 0 < value <= Limits.MAX_SECONDS
    if kind == "nonneg":
        return number and 0 <= value <= Limits.MAX_SECONDS
    if kind == "mapping":
        return (
            isinstance(value, Mapping)
            and bool(value)
            and all(isinstance(k, str) and k for k in value)
        )
    return isinstance(value, str) and bool(value)


_WORDS = {
    "count": f"an integer >= 1 and at most {Limits.MAX_COUNT:,}",
    "positive": f"a number > 0 and at most {Limits.MAX_SECONDS:,.0f}",
    "nonneg": f"a number >= 0 and at most {Limits.MAX_SECONDS:,.0f}",
    "name": "a non-empty string",
    "mapping": "a non-empty mapping of context key -> value",
}


def check_step_keys(opts: Mapping[str, Any], keys: frozenset[str], bad: Bad) -> None:
    """Report problems of the resilience keys in *keys* present in *opts*."""
    for key in sorted(keys & set(opts)):
        value = opts[key]
        fields = STEP_KEYS[key]
        if value is True and key != "fallback":
            continue  # `circuit_breaker: true`: all defaults
        if not isinstance(value, Mapping):
            bad(
                key,
                f"{key!r} must be a mapping ({', '.join(fields)})"
                + (" or true" if key != "fallback" else ""),
            )
            continue
        for field in value:
            if field not in fields:
                bad(key, f"{key}: unknown key {field!r} (known: {', '.join(fields)})")
        for field, (kind, _) in fields.items():
            if field in value and not _kind_ok(kind, value[field]):
                bad(key, f"'{key}.{field}' must be {_WORDS[kind]}, not {value[field]!r}")
        if key == "fallback" and "set" not in value:
            bad(key, "'fallback' needs 'set' (the context keys to write when the step fails)")
        if key == "bulkhead":
            low = value.get("failure_threshold", 10)
            high = value.get("isolation_threshold", 20)
            if isinstance(low, int) and isinstance(high, int) and high < low:
                bad(key, "'bulkhead.isolation_threshold' must be >= 'bulkhead.failure_threshold'")


def settings(opts: Mapping[str, Any], key: str, default_name: str) -> dict[str, Any]:
    """The key's fields with defaults filled in (``name`` defaulting to *default_name*)."""
    value = opts.get(key)
    given = value if isinstance(value, Mapping) else {}
    out = {field: given.get(field, default) for field, (_, default) in STEP_KEYS[key].items()}
    if out.get("name", "") is None:
        out["name"] = default_name
    return out
