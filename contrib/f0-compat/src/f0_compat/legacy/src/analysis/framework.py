"""``src.analysis.framework``: the configuration, result and base analyzer."""

from __future__ import annotations

from f0_compat.analysis import (
    AnalysisConfig,
    AnalysisError,
    AnalysisResult,
    BaseAnalyzerV2,
)

__all__ = [
    "AnalysisConfig",
    "AnalysisError",
    "AnalysisResult",
    "BaseAnalyzerV2",
]
