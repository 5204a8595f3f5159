"""Writing a report or graph file: the kernel's atomic write, with errors a user can act on."""

from __future__ import annotations

from pathlib import Path

__all__ = ["write_atomic"]


def write_atomic(path: Path, text: str) -> None:
    """Write *text* to *path* so readers see the old file or the whole new one.

    A missing folder or one we cannot write to is a :class:`~f0.UsageError`
    naming *path* (``-o`` points somewhere wrong), not a traceback.
    """
    from f0 import UsageError
    from f0 import write_atomic as write

    folder = path.parent if str(path.parent) else Path()
    if not folder.is_dir():
        msg = f"folder {folder} does not exist"
        raise UsageError(msg, where=str(path))
    try:
        write(path, text)
    except PermissionError as exc:
        msg = f"cannot write here: {exc.strerror}"
        raise UsageError(msg, where=str(path)) from None
