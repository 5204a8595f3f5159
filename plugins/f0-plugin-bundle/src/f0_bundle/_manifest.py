"""``package_manifest.json``: every file of a bundle with its SHA-256 and size.

Paths in a manifest are POSIX, relative to the bundle root, and must stay
inside it: :func:`unsafe_reason` names what is wrong with one that does not
(``..``, absolute, a drive letter, backslashes), and such a path is never
opened.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import IO, Any

import attrs

__all__ = [
    "MANIFEST",
    "MANIFEST_VERSION",
    "FileEntry",
    "Manifest",
    "ManifestError",
    "dump_manifest",
    "hash_stream",
    "parse_manifest",
    "unsafe_reason",
]

MANIFEST = "package_manifest.json"
MANIFEST_VERSION = 1
#: A manifest larger than this is not one of ours (and not read into memory).
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
_CHUNK = 1024 * 1024
_HEX64 = re.compile(r"[0-9a-f]{64}")
_DRIVE = re.compile(r"[A-Za-z]:")


@attrs.frozen(kw_only=True)
class FileEntry:
    """One file of a bundle as the manifest records it."""

    path: str
    sha256: str
    size: int

    def to_json(self) -> dict[str, Any]:
        """``{"path", "sha256", "size"}``."""
        return {"path": self.path, "sha256": self.sha256, "size": self.size}


@attrs.frozen(kw_only=True)
class Manifest:
    """A parsed manifest: its files and every other key, as read."""

    files: tuple[FileEntry, ...]
    data: Mapping[str, Any]

    @property
    def recipe_file(self) -> str:
        """The recipe's file name at the bundle root."""
        return str(self.data.get("recipe_file", ""))


class ManifestError(Exception):
    """The manifest does not parse or lacks a key; ``where`` is ``line:col`` or the key."""

    def __init__(self, message: str, where: str) -> None:
        super().__init__(message)
        self.message = message
        self.where = where


def hash_stream(stream: IO[bytes], limit: int | None = None) -> tuple[str, int]:
    """SHA-256 (hex) and size of what *stream* yields; stops reading past *limit* bytes."""
    digest = hashlib.sha256()
    size = 0
    while chunk := stream.read(_CHUNK):
        digest.update(chunk)
        size += len(chunk)
        if limit is not None and size > limit:
            break
    return digest.hexdigest(), size


def unsafe_reason(path: str) -> str | None:  # noqa: PLR0911 - one return per reason
    """Why *path* would escape (or not name a file in) the bundle; None if it is safe."""
    if not path:
        return "empty path"
    if "\x00" in path:
        return "NUL byte in path"
    if "\\" in path:
        return "backslash in path"
    if path.startswith("/") or _DRIVE.match(path):
        return "absolute path"
    parts = path.split("/")
    if ".." in parts:
        return "'..' in path"
    if any(p in {"", "."} for p in parts):
        return "path is not normalised"
    return None


def dump_manifest(data: Mapping[str, Any]) -> bytes:
    """The manifest file's bytes: sorted keys, two-space indent, one trailing newline."""
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def parse_manifest(raw: bytes) -> Manifest:
    """Read a manifest; :class:`ManifestError` names the line:col or key at fault."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        msg = f"not UTF-8 text (byte {exc.start})"
        raise ManifestError(msg, "1:1") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        msg = f"not valid JSON: {exc.msg}"
        raise ManifestError(msg, f"{exc.lineno}:{exc.colno}") from None
    if not isinstance(data, dict):
        raise ManifestError("the manifest must be a JSON object", "1:1")
    if data.get("manifest_version") != MANIFEST_VERSION:
        msg = f"unsupported manifest_version {data.get('manifest_version')!r} (expected {MANIFEST_VERSION})"
        raise ManifestError(msg, "manifest_version")
    files = data.get("files")
    if not isinstance(files, list):
        raise ManifestError("'files' must be a list", "files")
    entries: list[FileEntry] = []
    for i, item in enumerate(files):
        if not isinstance(item, dict):
            raise ManifestError("must be an object", f"files[{i}]")
        path, sha, size = item.get("path"), item.get("sha256"), item.get("size")
        if not isinstance(path, str):
            raise ManifestError("'path' must be a string", f"files[{i}].path")
        if not isinstance(sha, str) or not _HEX64.fullmatch(sha):
            raise ManifestError("'sha256' must be 64 lowercase hex digits", f"files[{i}].sha256")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise ManifestError("'size' must be a non-negative integer", f"files[{i}].size")
        entries.append(FileEntry(path=path, sha256=sha, size=size))
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        if entry.path in seen:
            msg = f"duplicate path {entry.path!r}"
            raise ManifestError(msg, f"files[{i}].path")
        seen.add(entry.path)
    recipe_file = data.get("recipe_file")
    if not isinstance(recipe_file, str) or recipe_file not in seen:
        raise ManifestError("'recipe_file' must name one of the files", "recipe_file")
    return Manifest(files=tuple(entries), data=data)
