"""Text helpers for the bundle example: standard library only."""

from __future__ import annotations

import re
from collections import Counter

_WORD = re.compile(r"[a-z']+")


def words(text: str) -> list[str]:
    """The lower-case words of *text*, in order."""
    return _WORD.findall(text.lower())


def most_common(words: list[str], n: int) -> list[tuple[str, int]]:
    """The *n* most frequent words with their counts (ties: alphabetical)."""
    counts = Counter(words)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
