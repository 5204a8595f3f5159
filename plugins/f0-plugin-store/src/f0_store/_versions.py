"""Metadata of context versions, and what a context must be to be stored."""

from __future__ import annotations

import enum
import json
import time
from collections.abc import Mapping
from typing import Any

import attrs

from f0_store._codec import canonical, checksum, loads

__all__ = ["SnapshotMetadata", "StorageBackend", "metadata_of", "normalized"]


class StorageBackend(enum.StrEnum):
    """Where snapshots live. ``MEMORY``: a private in-memory database; others: a SQLite file."""

    FILE_SYSTEM = "file_system"
    SQLITE = "sqlite"
    MEMORY = "memory"


@attrs.define(kw_only=True)
class SnapshotMetadata:
    """What is known about one version (the legacy ``SnapshotMetadata``)."""

    version: str | None = None
    tags: list[str] = attrs.field(factory=list)
    description: str | None = None
    user_info: dict[str, Any] | None = None
    created_at: float = attrs.field(factory=time.time)
    checksum: str = ""
    size_bytes: int = 0
    is_delta: bool = False
    base_version: str | None = None
    #: Where the data came from (``run:ID``, ``file:PATH``, ``context:URL``...).
    source: str | None = None
    #: Bytes the version takes in the store (compressed payload).
    stored_bytes: int = 0

    def update_integrity_info(self, data: Mapping[str, Any]) -> None:
        """Recompute ``checksum`` and ``size_bytes`` from *data*."""
        self.checksum = checksum(dict(data))
        self.size_bytes = len(canonical(dict(data)).encode())

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict of every field."""
        return attrs.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SnapshotMetadata:
        """Inverse of :meth:`to_dict` (unknown keys ignored)."""
        names = {f.name for f in attrs.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


def metadata_of(row: tuple[Any, ...]) -> SnapshotMetadata:
    version, kind, base, _, created, tags, desc, user, source, digest, size, stored = row
    return SnapshotMetadata(
        version=version,
        tags=loads(tags),
        description=desc,
        user_info=loads(user),
        created_at=created,
        checksum=digest,
        size_bytes=size,
        is_delta=kind == "delta",
        base_version=base,
        source=source,
        stored_bytes=stored,
    )


def normalized(data: Mapping[str, Any]) -> dict[str, Any]:
    """*data* as JSON gives it back; ``TypeError``/``ValueError`` for what JSON cannot hold."""
    if not isinstance(data, Mapping):
        msg = f"snapshot data must be a mapping, not {type(data).__name__}"
        raise TypeError(msg)
    for key in data:
        if not isinstance(key, str):
            msg = f"context keys must be str, not {type(key).__name__}"
            raise TypeError(msg)
    try:
        result: dict[str, Any] = json.loads(json.dumps(dict(data), allow_nan=False))
    except (TypeError, ValueError) as exc:
        msg = f"snapshot data is not JSON-serialisable: {exc}"
        raise ValueError(msg) from None
    return result
