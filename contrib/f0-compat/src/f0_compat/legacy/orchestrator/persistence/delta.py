"""``orchestrator.persistence.delta``: see :mod:`f0_compat.persistence.delta`."""

from __future__ import annotations

from f0_compat.persistence.delta import (
    DeltaChain,
    DeltaCompressionError,
    DeltaCompressor,
    DeltaRecord,
    DeltaStrategy,
    apply_changes,
    create_delta_record,
    merge_deltas,
)

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
