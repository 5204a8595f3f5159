"""Steps of the bundle example: read a text file, count its words, report the top ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from helpers import text


def read_words(context: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Read ``params["path"]`` (relative to this file's folder) into ``words``."""
    path = Path(__file__).resolve().parent / params["path"]
    words = text.words(path.read_text(encoding="utf-8"))
    context.set("words", words)
    return {"words": len(words)}


def count_words(context: Any, params: dict[str, Any]) -> dict[str, Any]:
    """The ``params["top"]`` most frequent words, into ``top_words``."""
    top = text.most_common(context.get("words", []), int(params.get("top", 3)))
    context.set("top_words", top)
    return {"distinct": len(set(context.get("words", [])))}


def report(context: Any, params: dict[str, Any]) -> None:
    """Print one line: how many words, and the top ones."""
    words = context.get("words", [])
    top = ", ".join(f"{word}={count}" for word, count in context.get("top_words", []))
    print(f"bundle-demo: {len(words)} words; top: {top}")
