"""Timeline lanes: overlapping steps never share a lane, and no lane is wasted."""

from __future__ import annotations

import math

from f0_analytics._gantt import Bar, assign_lanes, gantt_svg, nice_step
from hypothesis import given
from hypothesis import strategies as st

intervals = st.lists(
    st.tuples(st.floats(0, 100, allow_nan=False), st.floats(0.01, 50, allow_nan=False)),
    max_size=60,
)


def _bars(spans: list[tuple[float, float]]) -> list[Bar]:
    return [
        Bar(name=f"s{i}", start=s, end=s + d, status="COMPLETED") for i, (s, d) in enumerate(spans)
    ]


def _peak_overlap(bars: list[Bar]) -> int:
    # Ends before starts at the same instant: a step may start when another ends.
    events = sorted(
        [(b.start, 1) for b in bars] + [(b.end, -1) for b in bars], key=lambda e: (e[0], e[1])
    )
    level = peak = 0
    for _, change in events:
        level += change
        peak = max(peak, level)
    return peak


@given(intervals)
def test_lanes_are_disjoint_and_as_few_as_the_peak_parallelism(
    spans: list[tuple[float, float]],
) -> None:
    bars = _bars(spans)
    lanes = assign_lanes(bars)
    for i, a in enumerate(bars):
        for j, b in enumerate(bars[:i]):
            if lanes[i] == lanes[j]:
                assert a.end <= b.start or b.end <= a.start
    assert (max(lanes) + 1 if lanes else 0) == _peak_overlap(bars)


@given(st.floats(min_value=1e-6, max_value=1e6))
def test_nice_step_is_round_and_gives_a_handful_of_ticks(span: float) -> None:
    step = nice_step(span)
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert round(mantissa, 9) in {1.0, 2.0, 5.0}
    assert 3 <= span / step <= 8.0000001


def test_gantt_marks_lanes_and_bars() -> None:
    svg = gantt_svg(
        [
            Bar(name="a", start=0, end=1, status="COMPLETED"),
            Bar(name="b", start=0.5, end=2, status="FAILED", attempts=3),
            Bar(name="c", start=1, end=2, status="COMPLETED"),
        ]
    )
    assert 'data-lanes="2"' in svg
    assert '<g class="bar" data-step="c" data-lane="1"' in svg  # reuses a's lane
    assert "b: FAILED, 1.50s (+500.0ms .. +2.00s, 3 attempts)" in svg
    assert "#DC143C" in svg
    assert gantt_svg([]) == '<p class="muted">No step ran in this run.</p>'
