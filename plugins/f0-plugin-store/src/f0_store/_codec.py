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
from collections.abc import Callable, Mapping
from typing import Any

from f0_store.errors import DataIntegrityError

__all__ = ["canonical", "checksum", "dumps", "loads", "pack", "unpack"]

#: Bodies shorter than this are stored as plain JSON.
PACK_THRESHOLD = 512
ZSTD_LEVEL = 3


def _default(value: Any) -> Any:
    """What JSON cannot encode itself: sets as sorted lists, other mappings as dicts."""
    if isinstance(value, set | frozenset):
        return sorted(value)
    if isinstance(value, Mapping):
        return dict(value)
    msg = f"Object of type {type(value).__name__} is not JSON serializable"
    raise TypeError(msg)


def _make_dumps() -> Callable[[Any], str]:
    # json.dumps() builds a new encoder on every call, which costs more than
    # encoding a step's small delta (this runs three times per recorded step).
    # json.encoder.c_make_encoder is what json.dumps builds; make it once.
    from json import encoder

    make = getattr(encoder, "c_make_encoder", None)
    if make is None:  # no C accelerator (PyPy...): the pure-Python encoder
        return json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=_default).encode
    # (markers, default, encoder, indent, key_separator, item_separator, sort_keys,
    #  skipkeys, allow_nan) -- no circular-reference markers: values are JSON trees.
    iterencode = make(None, _default, encoder.encode_basestring, None, ":", ",", False, False, True)

    def dumps(value: Any) -> str:
        return "".join(iterencode(value, 0))

    return dumps


dumps: Callable[[Any], str] = _make_dumps()
"""Compact JSON text (``None`` becomes ``"null"``; other mappings and sets are accepted)."""


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
