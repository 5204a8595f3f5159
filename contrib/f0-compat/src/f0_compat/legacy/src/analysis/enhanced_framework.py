"""``src.analysis.enhanced_framework``: Framework0's V2 names, the same classes as ``src.analysis.framework``."""

from __future__ import annotations

from f0_compat.analysis import (
    AnalysisConfig,
    AnalysisResult,
    BaseAnalyzerV2,
    EnhancedAnalysisRegistry,
    EnhancedAnalyzer,
)

__all__ = [
    "AnalysisConfig",
    "AnalysisResult",
    "BaseAnalyzerV2",
    "EnhancedAnalysisRegistry",
    "EnhancedAnalyzer",
]
