"""Files of the recipe folder: local modules by dotted name, data files named in step args."""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "EXCLUDED_DIRS",
    "RESERVED",
    "data_files",
    "excluded",
    "local_module_files",
    "module_refs",
]

#: Files the bundle itself writes at its root; a recipe file of that name clashes.
RESERVED = frozenset(
    {"run_recipe.py", "requirements.txt", "package_manifest.json", "Dockerfile", "__main__.py"}
)
#: Folders never copied from a data folder (the spec's exclusion list, plus f0's own).
EXCLUDED_DIRS = frozenset(
    {"__pycache__", ".ipynb_checkpoints", ".git", ".f0", ".venv", ".nox", "isolated_recipe"}
)
_EXCLUDED_SUFFIXES = (".pyc", ".pyo", ".log")
#: A data folder with more files than this is a mistake (a whole repository?).
MAX_DATA_FILES = 10_000
#: Strings longer than this in step args are not file names.
_MAX_NAME = 1024

Module = tuple[str, Path, bool, str]  # (relative path, file, is a package, module name)


def excluded(name: str) -> bool:
    """True for names the bundle never copies (``__pycache__``, ``*.pyc``, ``*.log``...)."""
    return name in EXCLUDED_DIRS or name.endswith(_EXCLUDED_SUFFIXES)


def _inside(path: Path, root: Path) -> bool:
    try:
        Path(os.path.realpath(path)).relative_to(root)
    except ValueError:
        return False
    return True


def local_module_files(root: Path, module: str) -> tuple[list[Module], bool] | None:
    """The files that make *module* importable from *root*, or None if it is not there.

    Returns the module's file plus each parent package's ``__init__.py``, and
    whether the top-level name is only a namespace folder (no ``__init__.py``),
    which an installed package of that name would win over.
    """
    parts = module.split(".")
    if not all(p.isidentifier() for p in parts):
        return None
    found: list[Module] = []
    cur = root
    top_namespace = False
    for i, part in enumerate(parts):
        name = ".".join(parts[: i + 1])
        init = cur / part / "__init__.py"
        file = cur / f"{part}.py"
        if init.is_file() and _inside(init, root):
            found.append((init.relative_to(root).as_posix(), init, True, name))
            cur = cur / part
        elif file.is_file() and _inside(file, root):
            if i != len(parts) - 1:
                return None  # a plain module has no submodules
            found.append((file.relative_to(root).as_posix(), file, False, name))
        elif (cur / part).is_dir() and _inside(cur / part, root):
            top_namespace = top_namespace or i == 0
            cur = cur / part
        else:
            return None
    return found, top_namespace


def data_files(value: Any, root: Path) -> Iterator[tuple[str, Path, str | None]]:
    """Files named by the strings in *value* (step args) that exist under *root*.

    Yields ``(relative path, file, None)`` for each file (a named folder gives
    its files), or ``("", path, warning)`` for a name that exists but cannot
    be bundled (outside the recipe folder).
    """
    for text in _strings(value):
        for candidate in _candidates(text):
            yield from _resolve(candidate, root)


_MODULE_REF = re.compile(r"([A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*):[A-Za-z_]\w*")


def module_refs(value: Any) -> Iterator[str]:
    """Module names in ``"module:function"`` strings (a custom check, a callback...)."""
    for text in _strings(value):
        match = _MODULE_REF.fullmatch(text.strip())
        if match:
            yield match[1]


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _candidates(text: str) -> list[str]:
    text = text.strip()
    if not text or len(text) > _MAX_NAME or "\n" in text or "\x00" in text:
        return []
    found = [text]
    if any(c.isspace() for c in text):  # a command line: each word may be a file
        try:
            words = shlex.split(text)
        except ValueError:
            words = text.split()
        for word in words:
            found.append(word)
            if word.startswith("-") and "=" in word:
                found.append(word.partition("=")[2])
    return found


def _resolve(candidate: str, root: Path) -> Iterator[tuple[str, Path, str | None]]:
    path = Path(candidate)
    full = path if path.is_absolute() else root / path
    try:
        if not full.exists():
            return
    except OSError:  # a name too long for the file system, say
        return
    real = Path(os.path.realpath(full))
    if real == root:
        return
    try:
        real.relative_to(root)
    except ValueError:
        yield "", full, f"{candidate!r} is outside the recipe folder: not bundled"
        return
    if real.is_file():
        yield real.relative_to(root).as_posix(), real, None
    elif real.is_dir():
        yield from _walk(real, root, candidate)


def _walk(folder: Path, root: Path, candidate: str) -> Iterator[tuple[str, Path, str | None]]:
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(folder):  # os.walk does not follow links
        dirnames[:] = sorted(d for d in dirnames if not excluded(d))
        for name in sorted(filenames):
            file = Path(dirpath) / name
            if not excluded(name) and not file.is_symlink() and file.is_file():
                found.append(file)
        if len(found) > MAX_DATA_FILES:
            yield "", folder, f"{candidate!r} holds more than {MAX_DATA_FILES} files: not bundled"
            return
    for file in found:
        yield file.relative_to(root).as_posix(), file, None
