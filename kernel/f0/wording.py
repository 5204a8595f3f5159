"""Wording of messages: ``did you mean ...?`` for typos, ``1 step`` / ``2 steps``."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["closest", "did_you_mean", "plural"]


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice nearest to *word* (difflib's ratio >= 0.6), or None.

    A case-insensitive exact match wins first (``Depends_On``), then
    difflib's best match.
    """
    options = sorted({c for c in choices if isinstance(c, str)})
    lowered = {c.lower(): c for c in options}
    if word.lower() in lowered and lowered[word.lower()] != word:
        return lowered[word.lower()]
    found = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return found[0] if found else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``"; did you mean `depends_on`?"`` for the closest choice, or ``""`` when none is close."""
    match = closest(word, choices)
    return f"; did you mean `{match}`?" if match is not None and match != word else ""


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """``"1 step"``, ``"2 steps"``, ``"0 steps"``; *nouns* for irregular plurals."""
    return f"{count} {noun if count == 1 else (nouns or noun + 's')}"
