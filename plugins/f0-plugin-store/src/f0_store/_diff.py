"""Differences between two flat JSON contexts.

Equality is JSON equality: ``1``, ``1.0`` and ``True`` are three different
values (Python's ``==`` says they are equal), also inside lists and dicts.
Without that, a delta would miss a change from ``1`` to ``1.0`` and a
snapshot plus its deltas would not give back the context exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["changes_between", "diff_contexts", "same"]


def same(a: Any, b: Any) -> bool:
    """Equal as JSON values (types included, recursively)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(v, b[k]) for k, v in a.items())
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def changes_between(
    old: Mapping[str, Any], new: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """``(changes, removed)`` that turn *old* into *new*: added or modified keys, removed keys."""
    changes = {k: v for k, v in new.items() if k not in old or not same(old[k], v)}
    removed = [k for k in old if k not in new]
    return changes, removed


def diff_contexts(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """``{"added": {k: v}, "removed": {k: v}, "changed": {k: {"old", "new"}}}``, keys sorted."""
    added = {k: new[k] for k in sorted(new) if k not in old}
    removed = {k: old[k] for k in sorted(old) if k not in new}
    changed = {
        k: {"old": old[k], "new": new[k]}
        for k in sorted(new)
        if k in old and not same(old[k], new[k])
    }
    return {"added": added, "removed": removed, "changed": changed}
