"""Atomic file writes (temp file, fsync, rename) and all-or-nothing groups of them."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Self

__all__ = ["Transaction", "atomic_write_bytes", "backup_path", "md5_hex"]


def md5_hex(data: bytes) -> str:
    """MD5 hex digest of *data*: Framework0's file checksum (not for security)."""
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def backup_path(path: Path) -> Path:
    """``<file>.bak`` beside *path*."""
    return path.with_name(path.name + ".bak")


def _fsync_dir(folder: Path) -> None:
    # The rename is durable only once the directory entry is on disk.
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write *data* to *path* so that readers see the old file or the new one, never half.

    A temp file in the same folder is written and fsynced, then renamed over
    *path*. Renaming replaces a symlink at *path* instead of following it.
    """
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
    _fsync_dir(path.parent)


class Transaction:
    """Several file writes and deletions that all happen or none does.

    Before a file is replaced or deleted its old content is kept as
    ``<file>.bak``. If anything in the ``with`` block raises, every change is
    undone in reverse order (old files restored from their backups, new files
    removed) and the exception goes on. On success the backups stay when
    *backup* is true (Framework0's behaviour) and are removed otherwise.
    """

    def __init__(self, *, backup: bool = True) -> None:
        self.backup = backup
        #: (file, its backup or None when the file is new, keep the backup), in order of change.
        self._changes: list[tuple[Path, Path | None, bool]] = []

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None:
            self.commit()
        else:
            self.rollback()

    def _save(self, path: Path, *, keep: bool) -> None:
        if any(done == path for done, _, _ in self._changes):
            return  # the first backup of this transaction is the one to restore
        if path.is_file():
            bak = backup_path(path)
            atomic_write_bytes(bak, path.read_bytes())
            self._changes.append((path, bak, keep))
        else:
            self._changes.append((path, None, keep))

    def write(self, path: Path, data: bytes) -> str:
        """Replace *path* with *data* atomically, read it back, and return its MD5."""
        if path.is_dir():
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        self._save(path, keep=self.backup)
        atomic_write_bytes(path, data)
        written = md5_hex(path.read_bytes())
        if written != md5_hex(data):
            msg = f"{path}: read back different content (checksum {written})"
            raise OSError(msg)
        return written

    def delete(self, path: Path, *, keep_backup: bool | None = None) -> None:
        """Remove *path*; its content is kept for rollback, and as ``.bak`` if *keep_backup*.

        *keep_backup* defaults to *backup*; a move passes False (the file lives on elsewhere).
        """
        self._save(path, keep=self.backup if keep_backup is None else keep_backup)
        path.unlink()

    def rollback(self) -> None:
        """Undo every change, newest first (best effort: one failure does not stop the rest)."""
        for path, bak, _ in reversed(self._changes):
            with contextlib.suppress(OSError):
                if bak is None:
                    path.unlink(missing_ok=True)
                else:
                    bak.replace(path)
        self._changes.clear()

    def commit(self) -> None:
        """Keep the changes; drop the backups not meant to be kept."""
        for _, bak, keep in self._changes:
            if bak is not None and not keep:
                bak.unlink(missing_ok=True)
        self._changes.clear()
