"""The statistics of ``f0 stats`` as a Python API, under Framework0's names too.

``calculate_statistical_summary``, ``calculate_trend_analysis``,
``detect_zscore_anomalies`` and ``detect_iqr_anomalies`` are the
``MetricsAnalyzer``/``AnomalyDetector`` names of ``spec/scriptlets.md`` §2;
the short names are the same functions.
"""

from __future__ import annotations

from f0_analytics._stats import (
    DEFAULT_PERCENTILES,
    DEFAULT_SENSITIVITY,
    IQR_FACTOR,
    STABLE_SLOPE,
    Anomaly,
    Summary,
    Trend,
    iqr_anomalies,
    judge,
    percentiles,
    summarize,
    trend,
    zscore_anomalies,
)

__all__ = [
    "DEFAULT_PERCENTILES",
    "DEFAULT_SENSITIVITY",
    "IQR_FACTOR",
    "STABLE_SLOPE",
    "Anomaly",
    "Summary",
    "Trend",
    "calculate_statistical_summary",
    "calculate_trend_analysis",
    "detect_iqr_anomalies",
    "detect_zscore_anomalies",
    "iqr_anomalies",
    "judge",
    "percentiles",
    "summarize",
    "trend",
    "zscore_anomalies",
]

#: ``MetricsAnalyzer.calculate_statistical_summary``: None below 2 samples.
calculate_statistical_summary = summarize
#: ``MetricsAnalyzer.calculate_trend_analysis``: least-squares slope, direction, r².
calculate_trend_analysis = trend
#: ``AnomalyDetector.detect_zscore_anomalies``: |z| > sensitivity (default 2.0).
detect_zscore_anomalies = zscore_anomalies
#: ``AnomalyDetector.detect_iqr_anomalies``: outside Q1 - 1.5 IQR .. Q3 + 1.5 IQR.
detect_iqr_anomalies = iqr_anomalies
