"""A cache of the wheels built from local sources, so repeated creates skip ``pip wheel``.

A wheel is reused while its source folder is unchanged: the key hashes every
file's path, size and mtime under that folder (build outputs, virtualenvs and
VCS folders left out), with the distribution's name and version and the
hatchling version. Wheels are reproducible, so a hit gives the same bytes a
build would. ``F0_BUNDLE_WHEEL_CACHE`` sets the folder (default
``~/.cache/f0/bundle-wheels``, or under ``$XDG_CACHE_HOME``); ``off`` disables it.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata as md
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from f0_bundle._dists import canonical

if TYPE_CHECKING:
    from f0_bundle._dists import Dist

__all__ = ["WheelCache"]

_SKIP = frozenset(
    {
        ".git",
        ".hg",
        ".venv",
        "venv",
        ".nox",
        ".tox",
        "__pycache__",
        "node_modules",
        "build",
        "dist",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".hypothesis",
        ".f0",
        "bundles",
    }
)


class WheelCache:
    """Wheels by source fingerprint, one folder per key."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def from_env(cls) -> WheelCache | None:
        """The cache ``F0_BUNDLE_WHEEL_CACHE`` names (None when it is ``off``)."""
        value = os.environ.get("F0_BUNDLE_WHEEL_CACHE", "").strip()
        if value.lower() in {"off", "0", "none", "no"}:
            return None
        if value:
            return cls(Path(value).expanduser())
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return cls(Path(base) / "f0" / "bundle-wheels")

    def key(self, dist: Dist) -> str:
        """The cache key of *dist*'s wheel as its source folder is now."""
        assert dist.source_dir is not None  # noqa: S101 - only local sources are cached
        digest = hashlib.sha256()
        try:
            digest.update(md.version("hatchling").encode())
        except md.PackageNotFoundError:
            digest.update(b"-")
        for dirpath, dirnames, filenames in os.walk(dist.source_dir):
            dirnames[:] = sorted(
                d for d in dirnames if d not in _SKIP and not d.endswith(".egg-info")
            )
            for name in sorted(filenames):
                path = Path(dirpath) / name
                with contextlib.suppress(OSError):
                    st = path.stat()
                    rel = path.relative_to(dist.source_dir).as_posix()
                    digest.update(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
        return f"{canonical(dist.name)}-{dist.version}-{digest.hexdigest()[:32]}"

    def get(self, key: str) -> Path | None:
        """The cached wheel for *key*, if any."""
        found = sorted((self.root / key).glob("*.whl"))
        return found[0] if len(found) == 1 else None

    def put(self, key: str, wheel: Path) -> None:
        """Keep a copy of *wheel* under *key* (best effort: a cache never fails a build)."""
        with contextlib.suppress(OSError):
            self.root.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(dir=self.root, prefix=".put-"))
            try:
                shutil.copyfile(wheel, tmp / wheel.name)
                tmp.rename(self.root / key)  # atomic; fails if another create got there first
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
