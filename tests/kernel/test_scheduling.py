"""The rules every scheduler shares (f0.scheduling): ready order, retry back-off, reasons."""

from __future__ import annotations

import math
import threading
import time

import pytest
from f0 import (
    MAX_RETRY_DELAY_S,
    REASON_CANCELLED,
    REASON_DISABLED,
    RetryPolicy,
    Step,
    ready_order,
    reason_stopped,
    reason_unsatisfied,
    retry_delay,
)
from hypothesis import given
from hypothesis import strategies as st


def test_backoff_is_exponential_and_capped() -> None:
    policy = RetryPolicy(retries=5, delay=0.5, factor=3.0, max_delay=2.0, jitter=0.0)
    assert [retry_delay(policy, n) for n in (1, 2, 3, 4)] == [0.5, 1.5, 2.0, 2.0]


def test_jitter_adds_at_most_its_fraction() -> None:
    policy = RetryPolicy(retries=1, delay=1.0, factor=2.0, jitter=0.5)
    assert retry_delay(policy, 2, spread=0.0) == 2.0
    assert retry_delay(policy, 2, spread=0.5) == 2.5
    drawn = {retry_delay(policy, 2) for _ in range(50)}
    assert all(2.0 <= d <= 3.0 for d in drawn)
    assert len(drawn) > 1


@pytest.mark.parametrize(
    "policy",
    [
        RetryPolicy(retries=3, delay=1e300, factor=1e300, max_delay=1e300, jitter=1e300),
        RetryPolicy(retries=3, delay=1e300, factor=2.0, max_delay=math.inf, jitter=0.0),
        RetryPolicy(retries=3, delay=0.0, factor=1e300, max_delay=1e300, jitter=0.1),
        RetryPolicy(retries=3, delay=1.0, factor=10, max_delay=1e300, jitter=0.0),
    ],
)
def test_huge_policies_are_clamped_not_overflowing(policy: RetryPolicy) -> None:
    """Issue 19: delay/factor of 1e300 raised OverflowError in the back-off code."""
    for attempt in (1, 2, 3, 400, 10**6):
        delay = retry_delay(policy, attempt)
        assert 0.0 <= delay <= MAX_RETRY_DELAY_S
        assert math.isfinite(delay)
    # What schedulers do with the value (a deadline, a threading wait) accepts it.
    assert math.isfinite(time.time() + retry_delay(policy, 3))
    assert MAX_RETRY_DELAY_S < threading.TIMEOUT_MAX


@given(
    policy=st.builds(
        RetryPolicy,
        retries=st.just(1),
        delay=st.floats(min_value=0, allow_nan=False),
        factor=st.floats(min_value=1, allow_nan=False),
        max_delay=st.floats(min_value=0, allow_nan=False),
        jitter=st.floats(min_value=0, allow_nan=False),
    ),
    attempt=st.integers(min_value=1, max_value=10**9),
    spread=st.floats(min_value=0, max_value=1, exclude_max=True),
)
def test_any_policy_gives_a_finite_bounded_delay(
    policy: RetryPolicy, attempt: int, spread: float
) -> None:
    got = retry_delay(policy, attempt, spread)
    assert 0.0 <= got <= MAX_RETRY_DELAY_S
    # Never more than max_delay when it is the cap and nothing is added.
    if policy.max_delay <= MAX_RETRY_DELAY_S and policy.jitter == 0:
        assert got <= policy.max_delay


def test_ready_order_is_idx_then_list_position() -> None:
    listed = [Step(name="c", idx=2), Step(name="a", idx=1), Step(name="b", idx=2)]
    order = [listed[1], listed[2], listed[0]]  # a dependency order: a, b, c
    ranked = ready_order(order, listed)
    assert [order[i].name for i in ranked] == ["a", "c", "b"]  # c is listed before b
    assert sorted(ranked) == [0, 1, 2]


def test_reasons_read_as_the_spec_says() -> None:
    assert REASON_DISABLED == "disabled (enabled: false)"
    assert REASON_CANCELLED == "run cancelled"
    assert reason_unsatisfied("a") == "dependency 'a' not satisfied"
    assert reason_stopped("b") == "run stopped after step 'b' failed"
