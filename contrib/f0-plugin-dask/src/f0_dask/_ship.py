"""Shipping a recipe folder to the workers of a remote cluster.

The folder is zipped (without version-control, virtualenv, cache and f0
store folders) into a temporary file named after its content digest, and
sent with ``Client.upload_file(load=False)``: Dask keeps it as a worker
plugin, so workers that join later (a restarted one) get it too. Each
worker unpacks it once (:func:`f0_dask._worker.shipped_folder`).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from pathlib import Path

from f0 import UsageError

__all__ = ["MAX_BYTES", "SKIPPED_DIRS", "pack_folder"]

#: Folders never shipped: they are history, environments or caches, not the recipe.
SKIPPED_DIRS = frozenset({".git", ".hg", ".f0", ".venv", "venv", "__pycache__", ".nox", ".tox"})
#: A recipe folder larger than this is refused: use a shared path (--dask-shared).
MAX_BYTES = 64 * 1024 * 1024


def _files(folder: Path) -> list[Path]:
    found: list[Path] = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        found.extend(Path(root, n) for n in sorted(names) if not n.endswith((".pyc", ".pyo")))
    return found


def pack_folder(folder: Path, into: Path) -> Path:
    """Zip *folder* into the directory *into*; return the archive (``f0-recipe-<digest>.zip``).

    Raises :class:`f0.UsageError` when the folder holds more than
    :data:`MAX_BYTES`.
    """
    files = _files(folder)
    total = sum(f.stat().st_size for f in files)
    if total > MAX_BYTES:
        msg = (
            f"recipe folder {folder} holds {total // (1024 * 1024)} MiB, more than the "
            f"{MAX_BYTES // (1024 * 1024)} MiB f0 ships to Dask workers; put it on a path the "
            "workers share and pass --dask-shared"
        )
        raise UsageError(msg, where="--dask-shared")
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(folder)).encode() + b"\0")
        digest.update(path.read_bytes())
    target = into / f"f0-recipe-{digest.hexdigest()[:16]}.zip"
    handle, tmp = tempfile.mkstemp(dir=into, suffix=".zip")
    os.close(handle)
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            archive.write(path, path.relative_to(folder))
    Path(tmp).replace(target)
    return target
