"""Shared helpers: the debug switch, the active run's ids, JSON-safe values, atomic writes."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from f0 import RUN_IDS

#: Longest ``repr`` kept for a value that is not plain JSON (inputs, outputs, watches).
MAX_REPR = 1000
#: Most items kept from one list or mapping when it is recorded.
MAX_ITEMS = 100


def debug_enabled(debug: bool | None) -> bool:
    """*debug*, or when None, whether ``DEBUG=1`` or ``F0_DEBUG=1`` is set (as f0's own logging)."""
    if debug is not None:
        return bool(debug)
    return os.environ.get("DEBUG") == "1" or os.environ.get("F0_DEBUG") == "1"


def run_ids() -> dict[str, Any]:
    """The ids of the f0 run (and step attempt) this code runs in; empty outside a run."""
    return dict(RUN_IDS.get())


def jsonable(value: Any, depth: int = 3) -> Any:
    """*value* as JSON-safe data: plain values as they are, containers capped, the rest as ``repr``."""
    if value is None or isinstance(value, bool | int | float | str):
        return (
            value
            if not isinstance(value, str) or len(value) <= MAX_REPR
            else value[:MAX_REPR] + "…"
        )
    if depth > 0 and isinstance(value, Mapping):
        items = list(value.items())[:MAX_ITEMS]
        return {str(k): jsonable(v, depth - 1) for k, v in items}
    if depth > 0 and isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v, depth - 1) for v in list(value)[:MAX_ITEMS]]
    try:
        text = repr(value)
    except Exception as exc:  # noqa: BLE001 - a broken __repr__ must not break the traced code
        text = f"<unrepresentable {type(value).__name__}: {exc}>"
    return text if len(text) <= MAX_REPR else text[:MAX_REPR] + "…"


def write_json_atomic(path: str | os.PathLike[str], data: Any) -> Path:
    """Write *data* as JSON to *path* atomically (temp file, fsync, ``os.replace``); return the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, default=str)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
