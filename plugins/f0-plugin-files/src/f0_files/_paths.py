"""Confine paths to a base directory: no ``..``, no absolute path outside it, no symlink escape."""

from __future__ import annotations

import os
from pathlib import Path, PurePath

__all__ = ["PathEscapeError", "confine", "confine_folder", "literal_problem"]


class PathEscapeError(ValueError):
    """A path names something outside the base directory (or is not a usable path)."""


def literal_problem(path: object) -> str | None:
    """What is wrong with *path* as written (checked before the run), or None.

    Only what the text itself shows: not a string, empty, a NUL byte, a ``..``
    part. Symlinks and absolute paths are checked by :func:`confine` when the
    step runs, against the files as they are then.
    """
    if not isinstance(path, str) or not path:
        return "must be a non-empty string"
    if "\x00" in path:
        return "must not contain a NUL byte"
    if ".." in PurePath(path).parts:
        return f"{path!r}: '..' is not allowed in paths (they stay inside the base directory)"
    return None


def confine(base: Path | str, path: str) -> Path:
    """The real path of *path* (relative to *base*), which must lie inside *base*.

    Symlinks are resolved first, so a link inside *base* that points outside
    it is refused; a link to another file inside *base* is followed. Raises
    :class:`PathEscapeError` with the reason.
    """
    problem = literal_problem(path)
    if problem is not None:
        raise PathEscapeError(problem)
    root = Path(os.path.realpath(base))
    given = Path(path)
    real = Path(os.path.realpath(given if given.is_absolute() else root / given))
    if real == root:
        msg = f"{path!r} is the base directory itself, not a file in it"
        raise PathEscapeError(msg)
    if not real.is_relative_to(root):
        msg = f"{path!r} resolves to {real}, outside the base directory {root}"
        raise PathEscapeError(msg)
    return real


def confine_folder(base: Path | str, folder: str) -> Path:
    """The real path of the folder *folder* (``"."`` is *base* itself), inside *base*."""
    root = Path(os.path.realpath(base))
    if folder in {"", "."}:
        return root
    return confine(base, folder)
