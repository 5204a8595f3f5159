"""Dict deltas: Framework0's ``orchestrator.persistence.delta`` names.

A delta turns one flat context into another: ``changes`` (key -> new value
for added or modified keys) and ``removed_keys``. The invariant, tested with
hypothesis::

    apply_delta(old, calculate_delta(old, new)) == new   (exactly: 1 != 1.0 != True)

``DeltaStrategy.BINARY`` (bsdiff) is not provided: every strategy computes a
dict delta. Serialised deltas are JSON with a one-byte header, ``b"Z"``
(zlib-compressed, the spec's choice) or ``b"J"`` (plain), and carry a
SHA-256 checksum checked on the way back.
"""

from __future__ import annotations

import enum
import json
import time
import zlib
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from f0_store._codec import checksum
from f0_store._diff import changes_between
from f0_store.errors import DeltaCompressionError

__all__ = [
    "DeltaChain",
    "DeltaCompressor",
    "DeltaRecord",
    "DeltaStrategy",
    "apply_changes",
    "create_delta_record",
    "merge_deltas",
]


class DeltaStrategy(enum.StrEnum):
    """How deltas are computed (all compute dict deltas here)."""

    AUTO = "auto"
    DICT = "dict"
    BINARY = "binary"
    NONE = "none"


def _record_checksum(changes: Mapping[str, Any], removed: Iterable[str]) -> str:
    return checksum({"changes": dict(changes), "removed_keys": list(removed)})


@attrs.define(kw_only=True)
class DeltaRecord:
    """One stored delta: changes, removed keys and integrity facts."""

    timestamp: float
    changes: dict[str, Any]
    removed_keys: list[str] = attrs.field(factory=list)
    metadata: dict[str, Any] = attrs.field(factory=dict)
    compression_ratio: float = 1.0
    size_bytes: int = 0
    checksum: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict of every field."""
        return attrs.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DeltaRecord:
        """Inverse of :meth:`to_dict`; ``DeltaCompressionError`` when fields are missing."""
        try:
            return cls(
                timestamp=float(data["timestamp"]),
                changes=dict(data["changes"]),
                removed_keys=list(data.get("removed_keys") or ()),
                metadata=dict(data.get("metadata") or {}),
                compression_ratio=float(data.get("compression_ratio", 1.0)),
                size_bytes=int(data.get("size_bytes", 0)),
                checksum=str(data.get("checksum", "")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            msg = f"malformed delta record: {exc!r}"
            raise DeltaCompressionError(msg) from None


def apply_changes(
    base: Mapping[str, Any], changes: Mapping[str, Any], removed: Iterable[str]
) -> dict[str, Any]:
    """A new dict: *base* minus *removed* plus *changes*."""
    result = dict(base)
    for key in removed:
        result.pop(key, None)
    result.update(changes)
    return result


def create_delta_record(
    changes: Mapping[str, Any], removed_keys: Iterable[str] = (), timestamp: float | None = None
) -> DeltaRecord:
    """A :class:`DeltaRecord` with its size and checksum filled in."""
    changes, removed = dict(changes), list(removed_keys)
    body = {"changes": changes, "removed_keys": removed}
    return DeltaRecord(
        timestamp=time.time() if timestamp is None else timestamp,
        changes=changes,
        removed_keys=removed,
        size_bytes=len(json.dumps(body).encode()),
        checksum=_record_checksum(changes, removed),
    )


def merge_deltas(records: Iterable[DeltaRecord]) -> DeltaRecord | None:
    """One delta equal to applying *records* in order (None for none).

    A key removed and then set again ends in ``changes``; set and then
    removed, in ``removed_keys``.
    """
    changes: dict[str, Any] = {}
    removed: dict[str, None] = {}
    last: DeltaRecord | None = None
    for rec in records:
        last = rec
        for key in rec.removed_keys:
            changes.pop(key, None)
            removed[key] = None
        for key, value in rec.changes.items():
            removed.pop(key, None)
            changes[key] = value
    if last is None:
        return None
    return create_delta_record(changes, list(removed), last.timestamp)


class DeltaCompressor:
    """Computes, applies and (de)serialises dict deltas; keeps compression stats."""

    def __init__(
        self,
        strategy: DeltaStrategy | str = DeltaStrategy.AUTO,
        enable_compression: bool = True,
        compression_level: int = 6,
    ) -> None:
        if not 1 <= compression_level <= 9:  # noqa: PLR2004 - zlib's range
            msg = f"compression_level must be 1-9, not {compression_level}"
            raise ValueError(msg)
        self.strategy = DeltaStrategy(strategy)
        self.enable_compression = enable_compression
        self.compression_level = compression_level
        self._created = 0
        self._original = 0
        self._compressed = 0

    def calculate_delta(
        self, old: Mapping[str, Any], new: Mapping[str, Any], include_unchanged: bool = False
    ) -> dict[str, Any]:
        """``{"changes", "removed_keys", "strategy", "timestamp"[, "unchanged"]}``."""
        changes, removed = changes_between(old, new)
        delta: dict[str, Any] = {
            "changes": changes,
            "removed_keys": removed,
            "strategy": DeltaStrategy.DICT.value,
            "timestamp": time.time(),
        }
        if include_unchanged:
            delta["unchanged"] = [k for k in new if k in old and k not in changes]
        self._created += 1
        return delta

    def apply_delta(self, base: Mapping[str, Any], delta: Mapping[str, Any]) -> dict[str, Any]:
        """A new dict: *base* minus ``removed_keys`` plus ``changes``."""
        changes = delta.get("changes") if isinstance(delta, Mapping) else None
        removed = delta.get("removed_keys", []) if isinstance(delta, Mapping) else None
        if not isinstance(changes, Mapping) or not isinstance(removed, list | tuple):
            msg = "malformed delta: needs a 'changes' mapping and a 'removed_keys' list"
            raise DeltaCompressionError(msg)
        return apply_changes(base, changes, removed)

    def create_delta_record(
        self,
        changes: Mapping[str, Any],
        removed_keys: Iterable[str] = (),
        timestamp: float | None = None,
    ) -> DeltaRecord:
        """See :func:`create_delta_record`."""
        return create_delta_record(changes, removed_keys, timestamp)

    def merge_deltas(self, records: Iterable[DeltaRecord]) -> DeltaRecord | None:
        """See :func:`merge_deltas`."""
        return merge_deltas(records)

    def serialize_delta(self, record: DeltaRecord) -> bytes:
        """JSON bytes behind ``b"Z"`` (zlib) or ``b"J"`` (plain)."""
        if not record.checksum:
            record.checksum = _record_checksum(record.changes, record.removed_keys)
        body = json.dumps(record.to_dict(), separators=(",", ":")).encode()
        self._original += len(body)
        if self.enable_compression:
            packed = b"Z" + zlib.compress(body, self.compression_level)
        else:
            packed = b"J" + body
        self._compressed += len(packed)
        record.compression_ratio = len(body) / max(len(packed), 1)
        return packed

    def deserialize_delta(self, data: bytes) -> DeltaRecord:
        """Inverse of :meth:`serialize_delta`; ``DeltaCompressionError`` if corrupted."""
        header, body = data[:1], data[1:]
        try:
            if header == b"Z":
                body = zlib.decompress(body)
            elif header != b"J":
                msg = f"unknown delta encoding {header!r}"
                raise DeltaCompressionError(msg)
            record = DeltaRecord.from_dict(json.loads(body))
        except (zlib.error, ValueError) as exc:
            msg = f"corrupted delta: {exc}"
            raise DeltaCompressionError(msg) from None
        expected = _record_checksum(record.changes, record.removed_keys)
        if record.checksum and record.checksum != expected:
            msg = "delta checksum mismatch: the data was altered"
            raise DeltaCompressionError(msg)
        return record

    def get_compression_stats(self) -> dict[str, Any]:
        """``deltas_created, total_original_bytes, total_compressed_bytes, average_compression_ratio``."""
        return {
            "deltas_created": self._created,
            "total_original_bytes": self._original,
            "total_compressed_bytes": self._compressed,
            "average_compression_ratio": (self._original / self._compressed)
            if self._compressed
            else 1.0,
        }


class DeltaChain:
    """A base state and the deltas after it; index 0 is the base."""

    def __init__(
        self,
        delta_strategy: DeltaStrategy | str = DeltaStrategy.AUTO,
        max_chain_length: int = 20,
        enable_rebase: bool = True,
    ) -> None:
        self._compressor = DeltaCompressor(delta_strategy, enable_compression=False)
        self.max_chain_length = max_chain_length
        self.enable_rebase = enable_rebase
        self._base: dict[str, Any] | None = None
        self._deltas: list[DeltaRecord] = []
        self._current: dict[str, Any] = {}
        self._rebaselines = 0

    def add_state(self, state: Mapping[str, Any], timestamp: float | None = None) -> DeltaRecord:
        """Append *state* (the base if the chain is empty); return its delta record."""
        if self._base is None:
            self._base = dict(state)
            self._current = dict(state)
            return create_delta_record(dict(state), (), timestamp)
        changes, removed = changes_between(self._current, state)
        record = create_delta_record(changes, removed, timestamp)
        self.add_delta(record)
        return record

    def add_delta(self, record: DeltaRecord) -> None:
        """Append a delta (over an empty base if there is none yet)."""
        if self._base is None:
            self._base = {}
        self._current = apply_changes(self._current, record.changes, record.removed_keys)
        self._deltas.append(record)
        if len(self._deltas) > self.max_chain_length:
            if self.enable_rebase:
                self.rebaseline()
            else:
                merged = merge_deltas(self._deltas)
                self._deltas = [merged] if merged is not None else []

    def get_state_at_index(self, index: int) -> dict[str, Any]:
        """The state after *index* deltas (0 = base); ``IndexError`` if out of range."""
        if self._base is None or not 0 <= index <= len(self._deltas):
            msg = f"chain index {index} out of range"
            raise IndexError(msg)
        state = dict(self._base)
        for rec in self._deltas[:index]:
            state = apply_changes(state, rec.changes, rec.removed_keys)
        return state

    def get_current_state(self) -> dict[str, Any]:
        """The newest state (empty for an empty chain)."""
        return dict(self._current)

    def get_delta_at_index(self, index: int) -> DeltaRecord | None:
        """The delta that leads to state *index* (1-based); None if out of range."""
        if 1 <= index <= len(self._deltas):
            return self._deltas[index - 1]
        return None

    def clear_chain(self) -> None:
        """Forget the base and every delta."""
        self._base, self._deltas, self._current = None, [], {}

    def rebaseline(self) -> None:
        """Make the current state the new base; drop the deltas."""
        self._base = dict(self._current)
        self._deltas = []
        self._rebaselines += 1

    def get_chain_metrics(self) -> dict[str, Any]:
        """``chain_length, base_size, total_delta_bytes, rebaselines``."""
        return {
            "chain_length": len(self._deltas),
            "base_size": len(json.dumps(self._base or {}).encode()),
            "total_delta_bytes": sum(r.size_bytes for r in self._deltas),
            "rebaselines": self._rebaselines,
        }
