"""``src.analysis.registry``: analyzers by name."""

from __future__ import annotations

from f0_compat.analysis import (
    AnalysisRegistry,
    AnalyzerFactory,
)

__all__ = [
    "AnalysisRegistry",
    "AnalyzerFactory",
]
