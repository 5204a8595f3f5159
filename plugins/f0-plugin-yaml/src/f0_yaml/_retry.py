"""Retry settings: a step's ``retry_count``/``retries`` and ``retry:`` mapping,
and the recipe-wide ``defaults:`` that fill steps which set none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs
from f0 import RetryPolicy

from f0_yaml._bounds import RETRY_MAXIMA
from f0_yaml._fields import is_int
from f0_yaml._format import DEFAULTS_FIELDS
from f0_yaml._unknown import report_unknown_keys

if TYPE_CHECKING:
    from collections.abc import Mapping

    from f0_yaml._fields import Fields

__all__ = ["DEFAULTS_KEYS", "RETRY_KEYS", "Defaults", "read_defaults", "read_retries", "read_retry"]

#: Keys of a ``retry:`` mapping, with how each must look.
RETRY_KEYS: dict[str, tuple[str, float]] = {
    "delay": ("a number of seconds >= 0", 0.0),
    "factor": ("a number >= 1", 1.0),
    "max_delay": ("a number of seconds >= 0", 0.0),
    "jitter": ("a number >= 0", 0.0),
}
DEFAULTS_KEYS = frozenset(DEFAULTS_FIELDS)


@attrs.frozen(kw_only=True)
class Defaults:
    """What ``defaults:`` sets; None/missing entries fall through to f0's defaults."""

    timeout: float | None = None
    retries: int | None = None
    retry: Mapping[str, float] = attrs.field(factory=dict)

    def policy(
        self, retries: int | None = None, retry: Mapping[str, float] | None = None
    ) -> RetryPolicy:
        """The :class:`f0.RetryPolicy` of a step setting *retries* and *retry* (or none)."""
        fields = {**self.retry, **(retry or {})}
        count = retries if retries is not None else self.retries
        return RetryPolicy(retries=count or 0, **fields)


def read_retries(fields: Fields) -> int | None:
    """``retry_count`` or its alias ``retries`` (both given is an error)."""
    expected = "a whole number >= 0"
    count = fields.integer("retry_count", expected, minimum=0)
    alias = fields.integer("retries", expected, minimum=0)
    if "retry_count" in fields.data and "retries" in fields.data:
        fields.error(
            "retries",
            "give either retry_count or retries (an alias), not both",
            code="E003",
            at_key=True,
        )
        return None
    return count if count is not None else alias


def read_retry(fields: Fields) -> dict[str, float]:
    """The ``retry:`` mapping: delay, factor, max_delay, jitter."""
    retry = fields.mapping(
        "retry",
        "a mapping with " + ", ".join(RETRY_KEYS),
        hint="; for a number of retries use retries: N" if is_int(fields.data.get("retry")) else "",
    )
    if retry is None:
        return {}
    values: dict[str, float] = {}
    for key, (expected, minimum) in RETRY_KEYS.items():
        value = retry.number(key, expected, minimum=minimum, bound=RETRY_MAXIMA[key])
        if value is not None:
            values[key] = value
    for key in retry.data:
        if key in {"retries", "retry_count"}:
            retry.error(
                key,
                f"{retry.name(key)} is not a retry setting: put {key} beside retry, not inside it",
                code="E004",
                at_key=True,
            )
    # retries/retry_count inside retry: were reported above, more helpfully.
    report_unknown_keys(retry, RETRY_KEYS, code="E031", skip=("retries", "retry_count"))
    return values


def read_defaults(fields: Fields | None) -> Defaults:
    """The top-level ``defaults:`` mapping (timeout, retry_count/retries, retry)."""
    if fields is None:
        return Defaults()
    fields.unknown_keys(DEFAULTS_KEYS)
    return Defaults(
        timeout=fields.number("timeout", "a number of seconds > 0", exclusive=True),
        retries=read_retries(fields),
        retry=read_retry(fields),
    )
