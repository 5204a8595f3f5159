"""``src.analysis.components``: the four analyzers."""

from __future__ import annotations

from f0_compat.analysis import (
    EnhancedAnalyzer,
    EnhancedSummarizer,
    PatternAnalyzer,
    QualityAnalyzer,
    StatisticalAnalyzer,
)

__all__ = [
    "EnhancedAnalyzer",
    "EnhancedSummarizer",
    "PatternAnalyzer",
    "QualityAnalyzer",
    "StatisticalAnalyzer",
]
