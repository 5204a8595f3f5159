"""A custom business rule for the validate example."""

from __future__ import annotations

from itertools import pairwise


def ids_ascending(records):
    """Order ids must increase; return the problems found (an empty list: fine)."""
    ids = [r["id"] for r in records]
    return [f"id {b} follows {a}" for a, b in pairwise(ids) if b <= a]
