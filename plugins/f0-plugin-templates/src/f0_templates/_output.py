"""Where a rendered template goes: a path confined to the base folder, written atomically."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path, PurePath

__all__ = ["OutputPathError", "confine", "literal_problem", "write_atomic"]


class OutputPathError(ValueError):
    """A path that is empty, contains ``..`` or resolves outside the base folder."""


def literal_problem(path: object) -> str | None:
    """What is wrong with *path* as written, or None (symlinks are checked at run time)."""
    if not isinstance(path, str) or not path:
        return "must be a non-empty string"
    if "\x00" in path:
        return "must not contain a NUL byte"
    if ".." in PurePath(path).parts:
        return f"{path!r}: '..' is not allowed in paths"
    return None


def confine(base: Path, path: str) -> Path:
    """The real path of *path* under *base*; symlinks leading outside are refused."""
    problem = literal_problem(path)
    if problem is not None:
        raise OutputPathError(problem)
    root = Path(os.path.realpath(base))
    given = Path(path)
    real = Path(os.path.realpath(given if given.is_absolute() else root / given))
    if real == root or not real.is_relative_to(root):
        msg = f"{path!r} resolves to {real}, outside the base directory {root}"
        raise OutputPathError(msg)
    return real


def write_atomic(path: Path, data: bytes) -> str:
    """Write *data* to *path* (temp file, fsync, rename); return its MD5 hex digest."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        Path(tmp).replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(tmp).unlink()
        raise
    return hashlib.md5(data, usedforsecurity=False).hexdigest()
