"""Helpers of the f0-plugin-bundle tests: hand-made archives and trees."""

from __future__ import annotations

import hashlib
import json
import stat
import zipfile
from pathlib import Path
from typing import Any


def manifest_for(files: dict[str, bytes], **extra: Any) -> bytes:
    """A valid manifest (version 1) listing *files*."""
    data: dict[str, Any] = {
        "manifest_version": 1,
        "recipe_file": "recipe.yaml",
        "files": [
            {"path": p, "sha256": hashlib.sha256(b).hexdigest(), "size": len(b)}
            for p, b in sorted(files.items())
        ],
        **extra,
    }
    return json.dumps(data).encode()


def write_zip(path: Path, entries: dict[str, bytes], links: dict[str, str] | None = None) -> Path:
    """A zip with *entries* (names taken verbatim, `../x` included) and symlink entries *links*."""
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in entries.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), data)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.create_system = 3
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target)
    return path


def flip_byte(path: Path, offset: int = 0) -> None:
    """Change one byte of *path* in place."""
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))
