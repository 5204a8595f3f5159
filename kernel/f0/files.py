"""Atomic file writes: what every plugin that writes a user's file needs.

A crash, a full disk or a kill mid-write must leave the old file intact
(the rule every f0 writer follows), so plugins share this one helper rather
than each writing its own temp-file dance.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["write_atomic"]


def write_atomic(path: str | os.PathLike[str], data: str | bytes, *, durable: bool = True) -> Path:
    """Write *data* (text as UTF-8) to *path* so readers see the old file or the new one.

    A temp file in the same folder (created if missing) is written, fsynced,
    and renamed over *path*; then the folder is fsynced so the rename itself
    survives a power loss. ``durable=False`` skips both fsyncs (still
    atomic, not crash-safe). A failure removes the temp file and leaves
    *path* as it was. Returns *path*. Added in 0.3.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        Path(tmp).replace(target)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(tmp).unlink()
        raise
    if durable:
        folder = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
    return target
