"""JSON text for small columns; packed (compressed) JSON for whole contexts.

A packed value is one header byte then the body:

``J``  plain UTF-8 JSON (small values: compressing them costs more than it saves)
``Z``  zstd-compressed JSON (``zstandard``, level 3)
``G``  gzip-compressed JSON (read only: for files written by other tools)

zstd rather than gzip: it compresses JSON contexts as well as gzip -6 at
several times the speed, both ways, and ``zstandard`` is a well-kept binding
(wheels for every platform, typed). It is imported on first use only.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from typing import Any

from f0_store.errors import DataIntegrityError

__all__ = ["canonical", "checksum", "dumps", "loads", "pack", "unpack"]

#: Bodies shorter than this are stored as plain JSON.
PACK_THRESHOLD = 512
ZSTD_LEVEL = 3


def dumps(value: Any) -> str:
    """Compact JSON text (``None`` becomes ``"null"``)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def loads(text: str | bytes | None) -> Any:
    """Inverse of :func:`dumps`; SQL NULL reads as ``None``."""
    return None if text is None else json.loads(text)


def canonical(value: Any) -> str:
    """Key-sorted compact JSON: equal JSON values give equal text (``1`` and ``1.0`` differ)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def checksum(value: Any) -> str:
    """SHA-256 (hex) of the canonical JSON of *value*."""
    return hashlib.sha256(canonical(value).encode()).hexdigest()


def pack(value: Any) -> bytes:
    """JSON-encode *value*, compressed with zstd when that pays."""
    body = dumps(value).encode()
    if len(body) < PACK_THRESHOLD:
        return b"J" + body
    import zstandard

    return b"Z" + zstandard.ZstdCompressor(level=ZSTD_LEVEL).compress(body)


def unpack(blob: bytes | None) -> Any:
    """Inverse of :func:`pack` (``None`` stays ``None``)."""
    if blob is None:
        return None
    header, body = blob[:1], blob[1:]
    try:
        if header == b"J":
            return json.loads(body)
        if header == b"Z":
            return json.loads(_zstd_decompress(body))
        if header == b"G":
            return json.loads(gzip.decompress(body))
    except (ValueError, OSError) as exc:  # JSON and gzip errors; zstd's are turned into ValueError
        msg = f"stored data cannot be decoded: {exc}"
        raise DataIntegrityError(msg) from None
    msg = f"stored data has an unknown encoding (header {header!r})"
    raise DataIntegrityError(msg)


def _zstd_decompress(body: bytes) -> bytes:
    import zstandard

    try:
        return zstandard.ZstdDecompressor().decompress(body)
    except zstandard.ZstdError as exc:
        raise ValueError(str(exc)) from None
