"""The numerics of f0 stats, checked against numpy and the standard library."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest
from f0_analytics._stats import (
    DEFAULT_PERCENTILES,
    iqr_anomalies,
    judge,
    percentiles,
    summarize,
    trend,
    zscore_anomalies,
)
from hypothesis import assume, given
from hypothesis import strategies as st

durations = st.lists(
    st.floats(min_value=0.0, max_value=1e5, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=200,
)
percents = st.lists(st.floats(min_value=0.0, max_value=100.0), min_size=1, max_size=8)


@given(durations, percents)
def test_percentiles_are_numpys_linear_percentiles(values: list[float], qs: list[float]) -> None:
    found = percentiles(values, qs)
    expected = np.percentile(np.array(values), qs, method="linear")
    for q, e in zip(qs, expected, strict=True):
        assert found[float(q)] == pytest.approx(float(e), rel=1e-12, abs=1e-12)


@given(durations)
def test_percentiles_are_ordered_and_within_range(values: list[float]) -> None:
    found = list(percentiles(values).values())
    assert found == sorted(found)
    assert min(values) <= found[0] <= found[-1] <= max(values)


def test_percentiles_interpolate_linearly_between_ranks() -> None:
    # 4 samples: p50 sits halfway between the 2nd and 3rd, p90 at 70% between 3rd and 4th.
    found = percentiles([1.0, 2.0, 3.0, 10.0], (50.0, 90.0, 99.9))
    assert found[50.0] == pytest.approx(2.5)
    assert found[90.0] == pytest.approx(3.0 + 0.7 * 7.0)
    assert found[99.9] == pytest.approx(3.0 + 0.997 * 7.0)


def test_default_percentiles_are_the_specs() -> None:
    assert DEFAULT_PERCENTILES == (50.0, 90.0, 95.0, 99.0, 99.9)


def test_no_values_no_percentiles_and_summary_needs_two() -> None:
    assert percentiles([]) == {}
    assert summarize([]) is None
    assert summarize([3.0]) is None
    assert trend([3.0]) is None


@given(durations.filter(lambda v: len(v) >= 2))
def test_summary_matches_the_standard_library(values: list[float]) -> None:
    s = summarize(values)
    assert s is not None
    assert s.count == len(values)
    assert s.mean == pytest.approx(statistics.fmean(values), rel=1e-9, abs=1e-9)
    assert s.median == pytest.approx(statistics.median(values), rel=1e-12, abs=1e-12)
    assert s.std_dev == pytest.approx(statistics.stdev(values), rel=1e-6, abs=1e-6)
    assert (s.min, s.max) == (min(values), max(values))
    assert s.percentiles[50.0] == pytest.approx(s.median)


@given(
    st.floats(min_value=-100, max_value=100),
    st.floats(min_value=1, max_value=1000),
    st.integers(min_value=2, max_value=60),
)
def test_trend_recovers_the_slope_of_a_line(slope: float, intercept: float, n: int) -> None:
    values = [intercept + slope * i for i in range(n)]
    t = trend(values)
    assert t is not None
    assert t.slope == pytest.approx(slope, abs=1e-6 * max(1.0, abs(intercept)))
    assert t.intercept == pytest.approx(intercept, rel=1e-6, abs=1e-6)
    if abs(slope) * n > 1e-6 * max(1.0, abs(intercept)):
        # A line that rises at all fits exactly (a flat one only up to rounding).
        assert t.r_squared == pytest.approx(1.0, abs=1e-6)
    mean = statistics.fmean(values)
    ratio = abs(t.slope) / abs(mean) if mean else math.inf
    if ratio < 0.0099:
        assert t.direction == "stable"
    elif ratio > 0.0101:
        assert t.direction == ("increasing" if slope > 0 else "decreasing")


def test_trend_directions() -> None:
    assert trend([1.0, 2.0, 3.0, 4.0]).direction == "increasing"  # type: ignore[union-attr]
    assert trend([4.0, 3.0, 2.0, 1.0]).direction == "decreasing"  # type: ignore[union-attr]
    # slope 0.005 per run on a mean of ~1: under 1 % -> stable
    assert trend([1.0, 1.005, 1.01, 1.015]).direction == "stable"  # type: ignore[union-attr]
    assert trend([2.0, 2.0, 2.0]).direction == "stable"  # type: ignore[union-attr]


@given(durations, st.floats(min_value=0.5, max_value=4.0))
def test_zscore_flags_exactly_the_samples_past_the_threshold(
    values: list[float], sensitivity: float
) -> None:
    assume(len(values) >= 2)
    std = statistics.stdev(values)
    assume(std > 1e-9)
    mean = statistics.fmean(values)
    flagged = {a.index for a in zscore_anomalies(values, sensitivity)}
    for i, v in enumerate(values):
        z = (v - mean) / std
        if abs(z) > sensitivity * (1 + 1e-9):
            assert i in flagged
        elif abs(z) < sensitivity * (1 - 1e-9):
            assert i not in flagged
    for a in zscore_anomalies(values, sensitivity):
        assert a.value == values[a.index]
        assert a.method == "zscore"
        assert abs(a.score) > sensitivity


@given(durations)
def test_iqr_flags_exactly_the_samples_outside_the_fences(values: list[float]) -> None:
    assume(len(values) >= 4)
    q1, q3 = np.percentile(values, [25, 75], method="linear")
    low, high = q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)
    flagged = {a.index for a in iqr_anomalies(values)}
    assert flagged == {i for i, v in enumerate(values) if v < low or v > high}
    for a in iqr_anomalies(values):
        assert (a.score > 0) == (a.value > high)


def test_an_outlier_is_flagged_by_both_methods() -> None:
    values = [1.0, 1.1, 0.9, 1.05, 0.95, 1.0, 1.02, 0.98, 1.01, 5.0]
    assert [(a.index, a.method) for a in zscore_anomalies(values)] == [(9, "zscore")]
    assert [(a.index, a.method) for a in iqr_anomalies(values)] == [(9, "iqr")]
    assert zscore_anomalies([2.0, 2.0, 2.0]) == []  # no spread, nothing to flag


def test_judge_scores_a_new_value_against_the_past() -> None:
    past = [1.0, 1.1, 0.9, 1.05, 0.95, 1.0]
    assert judge(1.02, past) == []
    found = judge(3.0, past)
    assert {a.method for a in found} == {"zscore", "iqr"}
    z = next(a for a in found if a.method == "zscore")
    assert z.score == pytest.approx((3.0 - statistics.fmean(past)) / statistics.stdev(past))
    assert judge(3.0, [1.0]) == []  # one past sample: no spread to compare with


def test_framework0_names() -> None:
    from f0_analytics import stats

    assert stats.detect_zscore_anomalies([1.0, 1.0, 1.0, 1.0, 9.0], 1.5)[0].index == 4
    assert stats.detect_iqr_anomalies([1.0, 1.0, 1.0, 1.0, 9.0])[0].value == 9.0
    assert stats.calculate_statistical_summary([1.0, 3.0]).mean == 2.0  # type: ignore[union-attr]
    assert stats.calculate_trend_analysis([1.0, 2.0]).direction == "increasing"  # type: ignore[union-attr]
