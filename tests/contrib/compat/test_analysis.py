"""``src.analysis.*``: Framework0's analyzers, numbers from f0-plugin-analytics."""

from __future__ import annotations

import math
import statistics

import pytest
from f0_analytics import stats
from hypothesis import given, settings
from hypothesis import strategies as st
from src.analysis import EnhancedAnalyzer
from src.analysis.components import (
    EnhancedSummarizer,
    PatternAnalyzer,
    QualityAnalyzer,
    StatisticalAnalyzer,
)
from src.analysis.enhanced_framework import EnhancedAnalysisRegistry
from src.analysis.framework import AnalysisConfig, AnalysisResult, BaseAnalyzerV2
from src.analysis.registry import AnalysisRegistry, AnalyzerFactory

from .compat_support import python


def test_config_defaults_and_validation():
    config = AnalysisConfig()
    assert (
        config.timeout_seconds,
        config.max_memory_mb,
        config.statistical_precision,
        config.pattern_threshold,
        config.quality_threshold,
    ) == (300.0, 512, 6, 0.7, 0.8)
    assert config.validate() == []
    assert AnalysisConfig(pattern_threshold=1.5).validate() == [
        "pattern_threshold must be from 0.0 to 1.0"
    ]
    with pytest.raises(ValueError, match="quality_threshold"):
        StatisticalAnalyzer(AnalysisConfig(quality_threshold=-1))


def test_a_framework0_analysis_script_runs_unchanged(tmp_path):
    snippet = """
        from src.analysis import AnalysisConfig, AnalysisRegistry
        from src.analysis.components import StatisticalAnalyzer, QualityAnalyzer

        config = AnalysisConfig(statistical_precision=3, pattern_threshold=0.7)
        analyzer = StatisticalAnalyzer(config)
        result = analyzer.analyze([10, 12, 11, 13, 12, 95])
        print(result.success, result.data["summary"]["count"], len(result.data["anomalies"]) > 0)
        quality = AnalysisRegistry.get_analyzer("quality", config).analyze([1, None, "x"])
        print(quality.data["passed"], round(quality.quality_score, 2))
    """
    done = python(snippet, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "6", "True", "False", "0.72"]


def test_statistical_analyzer_agrees_with_f0_stats():
    data = [3.0, 5.0, 4.0, 6.0, 5.5, 30.0, 4.5]
    result = StatisticalAnalyzer().analyze(data)
    assert isinstance(result, AnalysisResult)
    assert result.success
    summary = result.data["summary"]
    assert summary["mean"] == round(statistics.mean(data), 6)
    assert summary["std_dev"] == round(statistics.stdev(data), 6)
    assert summary["percentiles"]["p50"] == round(statistics.median(data), 6)
    expected = stats.iqr_anomalies(data)
    assert [a["index"] for a in result.data["anomalies"] if a["method"] == "iqr"] == [
        a.index for a in expected
    ]
    assert result.data["trend"]["direction"] in {"increasing", "decreasing", "stable"}
    assert result.quality_score == 1.0
    assert EnhancedAnalyzer is StatisticalAnalyzer


def test_bad_input_is_a_failed_result_not_an_exception():
    analyzer = StatisticalAnalyzer()
    empty = analyzer.analyze([])
    assert not empty.success
    assert empty.errors == ["AnalysisError: no data to analyze"]
    words = analyzer.analyze(["a", "b"])
    assert not words.success
    assert "numeric samples" in words.errors[0]
    mixed = analyzer.analyze([1, 2, "x", None, math.nan])
    assert mixed.success
    assert mixed.warnings == ["3 of 5 samples are not numbers"]
    assert mixed.quality_score == 0.4
    assert analyzer.get_statistics()["analyses"] == 3
    assert analyzer.get_statistics()["failures"] == 2


def test_summarizer_handles_numbers_and_other_values():
    result = EnhancedSummarizer().analyze({"a": 1, "b": 2, "c": "x", "d": "x", "e": None})
    assert result.data["total"] == 5
    assert result.data["summary"]["max"] == 2.0
    assert result.data["most_common"][0] == ["x", 2]
    assert result.quality_score == 0.8


def test_pattern_analyzer_finds_trend_period_and_respects_the_threshold():
    rising = PatternAnalyzer().analyze([float(i) for i in range(20)])
    assert [p["type"] for p in rising.data["patterns"]] == ["trend"]
    assert rising.data["patterns"][0]["direction"] == "increasing"
    wave = PatternAnalyzer().analyze([math.sin(2 * math.pi * i / 8) for i in range(48)])
    periodic = [p for p in wave.data["patterns"] if p["type"] == "periodic"]
    assert periodic[0]["period"] == 8
    strict = PatternAnalyzer(AnalysisConfig(pattern_threshold=1.0)).analyze([1.0, 2.0, 1.5, 1.7])
    assert strict.data["patterns"] == []


def test_quality_analyzer_scores_and_passes():
    good = QualityAnalyzer().analyze([1, 2, 3, 4, 5])
    assert good.data["passed"] is True
    assert good.quality_score == 1.0
    poor = QualityAnalyzer().analyze([1, None, None, "x", 5])
    assert poor.data["passed"] is False
    assert poor.data["issues"][:2] == ["2 missing values", "1 values are not finite numbers"]


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.one_of(st.floats(allow_nan=True), st.integers(), st.none(), st.text(max_size=3)),
        max_size=30,
    )
)
def test_analyzers_never_raise_and_scores_stay_in_range(data):
    for name in ("summarizer", "statistical", "pattern", "quality"):
        result = AnalysisRegistry.get_analyzer(name).analyze(data)
        assert 0.0 <= result.quality_score <= 1.0
        assert result.success or result.errors


def test_registry_and_factory():
    class Counting(BaseAnalyzerV2):
        """Counts samples."""

        def _analyze_impl(self, samples):
            return {"n": len(samples)}

    assert EnhancedAnalysisRegistry is AnalysisRegistry
    assert {"summarizer", "statistical", "pattern", "quality"} <= set(
        AnalysisRegistry.list_analyzers()
    )
    AnalysisRegistry.register_analyzer("counting", Counting)
    try:
        made = AnalyzerFactory.create_multiple(["counting", "quality"])
        assert made["counting"].analyze([1, 2]).data == {"n": 2}
        assert made["counting"].name == "Counting"
    finally:
        assert AnalysisRegistry.unregister_analyzer("counting")
    with pytest.raises(KeyError, match="counting"):
        AnalyzerFactory.create_analyzer("counting")
    with pytest.raises(TypeError):
        AnalysisRegistry.register_analyzer("bad", dict)  # type: ignore[arg-type]
