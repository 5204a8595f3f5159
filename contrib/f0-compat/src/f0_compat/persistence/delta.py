"""``orchestrator.persistence.delta``: f0_store's delta compression under its Framework0 names."""

from __future__ import annotations

from f0_store.delta import (
    DeltaChain,
    DeltaCompressor,
    DeltaRecord,
    DeltaStrategy,
    apply_changes,
    create_delta_record,
    merge_deltas,
)
from f0_store.errors import DeltaCompressionError

__all__ = [
    "DeltaChain",
    "DeltaCompressionError",
    "DeltaCompressor",
    "DeltaRecord",
    "DeltaStrategy",
    "apply_changes",
    "create_delta_record",
    "merge_deltas",
]
