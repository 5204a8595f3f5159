"""A parsed recipe file: plain Python values plus the position of each value.

Two readers fill it: :mod:`f0_yaml._positions` (ruamel.yaml's round-trip
loader, which knows every line and column) and :mod:`f0_yaml._fast` (a C/Rust
parser with no positions, for the common case of a file with no problem).
"""

from __future__ import annotations

import re
from typing import Any

import attrs
from f0 import Problem, SourcePos

__all__ = ["At", "Document", "Spot", "plain_text"]

_SURROGATE = re.compile("[\ud800-\udfff]")

Key = Any
At = tuple[Key, ...]


@attrs.frozen
class Spot:
    """Where one mapping entry or list item is: its key (None for items) and its value."""

    key: SourcePos | None
    value: SourcePos


@attrs.define
class Document:
    """A parsed file: plain ``data``, positions by path, problems found while parsing."""

    path: str
    kind: str
    data: Any
    spots: dict[At, Spot]
    problems: list[Problem] = attrs.field(factory=list)
    #: False for a document read without positions: every position is the file's start.
    positions: bool = True

    def get(self, at: At) -> Any:
        """The plain value at path *at* (``("steps", 0, "timeout")``), None if absent."""
        value = self.data
        for part in at:
            if isinstance(value, dict):
                value = value.get(part)
            elif isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value):
                value = value[part]
            else:
                return None
        return value

    def value_pos(self, at: At) -> SourcePos:
        """Position of the value at *at*, or of the nearest enclosing value we know."""
        if not self.positions:
            return self.spots[()].value  # the file's start: nothing else is known
        while at:
            spot = self.spots.get(at)
            if spot is not None:
                return spot.value
            at = at[:-1]
        spot = self.spots.get(())
        return spot.value if spot else SourcePos(self.path, 1, 1)

    def key_pos(self, at: At) -> SourcePos:
        """Position of the key of the entry at *at* (its value's for list items)."""
        spot = self.spots.get(at)
        if spot is not None and spot.key is not None:
            return spot.key
        return self.value_pos(at)


def plain_text(value: str) -> str:
    """*value* with escaped UTF-16 surrogate pairs joined into one character.

    ruamel decodes ``"\\ud83d\\ude00"`` (how ``json.dumps`` writes an emoji) as
    two lone surrogates. Lone surrogates cannot be printed or encoded, so any
    left over become U+FFFD.
    """
    if not _SURROGATE.search(value):
        return value
    return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
