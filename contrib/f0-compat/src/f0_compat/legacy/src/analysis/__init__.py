"""``src.analysis``: Framework0's analyzer framework over f0-plugin-analytics (see :mod:`f0_compat.analysis`)."""

from __future__ import annotations

from f0_compat.analysis import (
    AnalysisConfig,
    AnalysisError,
    AnalysisRegistry,
    AnalysisResult,
    AnalyzerFactory,
    BaseAnalyzerV2,
    EnhancedAnalysisRegistry,
    EnhancedAnalyzer,
    EnhancedSummarizer,
    PatternAnalyzer,
    QualityAnalyzer,
    StatisticalAnalyzer,
)

__all__ = [
    "AnalysisConfig",
    "AnalysisError",
    "AnalysisRegistry",
    "AnalysisResult",
    "AnalyzerFactory",
    "BaseAnalyzerV2",
    "EnhancedAnalysisRegistry",
    "EnhancedAnalyzer",
    "EnhancedSummarizer",
    "PatternAnalyzer",
    "QualityAnalyzer",
    "StatisticalAnalyzer",
]
