"""Atomic file writes: a temp file in the target's folder, fsync, rename."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["write_atomic"]


def write_atomic(path: Path, text: str) -> None:
    """Write *text* to *path* so readers see the old file or the whole new one."""
    from f0 import UsageError

    folder = path.parent if str(path.parent) else Path()
    if not folder.is_dir():
        msg = f"folder {folder} does not exist"
        raise UsageError(msg, where=str(path))
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        msg = f"cannot write here: {exc.strerror}"
        raise UsageError(msg, where=str(path)) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(tmp).unlink()
        raise
