"""``json.dumps(data, indent=4)`` without the pure-Python encoder.

With ``indent`` the standard library encodes in Python (~60 us for the
default file); every write of the parameter file pays it under the lock.
Here objects with string keys are laid out by hand and every other value
(scalars, lists) goes through the C encoder, so the text is the same,
character for character, as ``json.dumps(data, indent=4, ensure_ascii=False,
allow_nan=False)`` (a hypothesis test checks it).
"""

from __future__ import annotations

import json
import math
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import Any

__all__ = ["dumps_indented"]

_INDENT = "    "
_encode_str: Any = encode_basestring  # the C version when available


def dumps_indented(data: Any) -> str:
    """*data* as JSON indented by 4 spaces (``ValueError``/``TypeError`` if it is not JSON)."""
    return _value(data, 0)


def _value(value: Any, level: int) -> str:  # noqa: PLR0911 - one return per JSON type
    if isinstance(value, dict):
        if not value:
            return "{}"
        if not all(type(key) is str for key in value):
            return _fallback(value, level)
        inner = _INDENT * (level + 1)
        items = [
            f"{inner}{_encode_str(key)}: {_value(item, level + 1)}" for key, item in value.items()
        ]
        return "{\n" + ",\n".join(items) + "\n" + _INDENT * level + "}"
    kind = type(value)
    if kind is str:
        return _encode_str(value)  # type: ignore[no-any-return]
    if kind is int:
        return int.__repr__(value)
    if kind is bool:
        return "true" if value else "false"
    if value is None:
        return "null"
    if kind is float and math.isfinite(value):
        return float.__repr__(value)
    if isinstance(value, list | tuple) and not value:
        return "[]"
    return _fallback(value, level)


def _fallback(value: Any, level: int) -> str:
    text = json.dumps(value, indent=4, ensure_ascii=False, allow_nan=False)
    # JSON strings never hold a raw newline, so every newline is layout.
    return text.replace("\n", "\n" + _INDENT * level) if level else text
