"""Where a project's runs live: the project root found by walking up from a folder.

``f0 run RECIPE`` records into ``<root>/.f0/f0.db`` where *root* is the first
folder, from the recipe's own folder upwards, that holds a ``.f0/`` folder, a
``pyproject.toml`` or a ``.git`` (a git root). ``f0 runs list`` (and every
command reading the store) walks up the same way from the current folder,
so it finds the runs from anywhere inside the project. Outside any project
the current folder is used, as before. ``--store URL`` / ``F0_STORE`` win
over all of this.

The home folder, the system's temporary folder and the filesystem root are
never project roots (like git's ceiling directories): a stray ``~/.f0/`` or
``/tmp/.f0/`` must not collect the runs of every recipe below it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["PROJECT_MARKERS", "STORE_ENV", "default_store_url", "project_root"]

#: What makes a folder a project root (the first one found wins).
PROJECT_MARKERS = (".f0", "pyproject.toml", ".git")
#: The environment variable that names the run store (same as ``--store``).
STORE_ENV = "F0_STORE"


def _is_root(folder: Path) -> bool:
    return (
        (folder / ".f0").is_dir()
        or (folder / "pyproject.toml").is_file()
        or (folder / ".git").exists()  # a folder, or a file in a git worktree
    )


def _ceilings() -> set[Path]:
    found = {Path(tempfile.gettempdir()).resolve()}
    home = os.environ.get("HOME")
    if home:
        found.add(Path(home).resolve())
    return found


def project_root(start: Path | str | None = None) -> Path | None:
    """The nearest folder from *start* (default: the current one) upwards that is a project root.

    None when no folder below the home folder, the temporary folder or the
    filesystem root has a marker.
    """
    folder = Path(start or Path.cwd()).resolve()
    if folder.is_file():
        folder = folder.parent
    ceilings = _ceilings()
    for candidate in (folder, *folder.parents):
        if candidate in ceilings or candidate.parent == candidate:
            return None
        if _is_root(candidate):
            return candidate
    return None


def default_store_url(start: Path | str | None = None, *, env: bool = True) -> str:
    """The run store URL to use when none is given.

    ``$F0_STORE`` when set (and *env*); else ``sqlite:///<root>/.f0/f0.db``
    for the project root above *start* (default: the current folder); else
    ``.f0/f0.db`` in the current folder.
    """
    if env and os.environ.get(STORE_ENV):
        return os.environ[STORE_ENV]
    root = project_root(start)
    if root is None:
        return "sqlite:///.f0/f0.db"
    return f"sqlite:///{root / '.f0' / 'f0.db'}"
