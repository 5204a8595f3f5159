"""Reproducible zip archives and atomic writes.

Same files in, same bytes out: entries in sorted order, every timestamp the
bundle's ``created_at`` (clamped to zip's 1980 epoch), fixed Unix modes and
creator system, no directory entries, deflate at a fixed level.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

__all__ = ["ZIP_EPOCH", "atomic_write", "is_symlink_entry", "replace_dir", "write_zip"]

#: 1980-01-01T00:00:00Z, the earliest time a zip entry can hold.
ZIP_EPOCH = 315_532_800
_UNIX = 3
_COMPRESS_LEVEL = 6
_CHUNK = 1024 * 1024


def _date_time(epoch: int) -> tuple[int, int, int, int, int, int]:
    t = time.gmtime(max(epoch, ZIP_EPOCH))
    return (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec)


def _mode(path: Path) -> int:
    executable = path.stat().st_mode & stat.S_IXUSR
    return 0o755 if executable else 0o644


def write_zip(
    src: Path,
    files: list[str],
    dest: Path,
    *,
    epoch: int,
    prefix: str = "",
    shebang: bytes | None = None,
) -> None:
    """Write *files* (POSIX paths under *src*) into the zip *dest*, atomically.

    Entry names are ``prefix + path``; *shebang* (for a zipapp) goes before
    the archive, which zip readers allow.
    """
    date_time = _date_time(epoch)

    def fill(handle: IO[bytes]) -> None:
        if shebang:
            handle.write(shebang)
        with zipfile.ZipFile(
            handle, "w", zipfile.ZIP_DEFLATED, compresslevel=_COMPRESS_LEVEL
        ) as zf:
            for rel in sorted(files):
                source = src / rel
                info = zipfile.ZipInfo(prefix + rel, date_time=date_time)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.create_system = _UNIX
                info.external_attr = (stat.S_IFREG | _mode(source)) << 16
                size = source.stat().st_size
                with source.open("rb") as fin, zf.open(info, "w", force_zip64=size > 2**31) as fout:
                    shutil.copyfileobj(fin, fout, _CHUNK)

    atomic_write(dest, fill, mode=0o755 if shebang else 0o644)


def atomic_write(dest: Path, fill: Callable[[IO[bytes]], None], *, mode: int = 0o644) -> None:
    """Create *dest* through a temp file beside it: ``fill(handle)``, fsync, ``os.replace``."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            fill(handle)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).chmod(mode)
        Path(tmp).replace(dest)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(tmp).unlink()
        raise
    _fsync_dir(dest.parent)


def replace_dir(staged: Path, dest: Path) -> None:
    """Move the finished folder *staged* to *dest*, replacing an older bundle there."""
    old: Path | None = None
    if dest.is_symlink() or dest.is_file():
        dest.unlink()
    elif dest.exists():
        old = dest.with_name(f".{dest.name}.old-{os.getpid()}")
        dest.rename(old)
    staged.rename(dest)
    _fsync_dir(dest.parent)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def is_symlink_entry(info: zipfile.ZipInfo) -> bool:
    """True for a zip entry that a Unix unzip would create as a symbolic link."""
    return stat.S_ISLNK(info.external_attr >> 16)
