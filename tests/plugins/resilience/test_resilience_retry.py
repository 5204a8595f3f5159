"""RetryStrategy: the spec's defaults and formulas, and execute_with_retry."""

from __future__ import annotations

import random

import pytest
from f0_resilience import BackoffStrategy, RetryStrategy
from hypothesis import given
from hypothesis import strategies as st


def test_defaults():
    s = RetryStrategy()
    assert (
        s.max_attempts,
        s.backoff_strategy,
        s.initial_delay,
        s.max_delay,
        s.backoff_multiplier,
        s.jitter_factor,
    ) == (
        3,
        BackoffStrategy.EXPONENTIAL,
        1.0,
        60.0,
        2.0,
        0.1,
    )


@pytest.mark.parametrize(
    ("kind", "delays"),
    [
        (BackoffStrategy.FIXED, [1.0, 1.0, 1.0, 1.0]),
        (BackoffStrategy.LINEAR, [1.0, 2.0, 3.0, 4.0]),
        (BackoffStrategy.EXPONENTIAL, [1.0, 2.0, 4.0, 8.0]),
    ],
)
def test_formulas(kind, delays):
    s = RetryStrategy(backoff_strategy=kind)
    assert [s.calculate_delay(n) for n in range(1, 5)] == delays


@given(
    attempt=st.integers(1, 30),
    d0=st.floats(0.0, 10.0),
    mult=st.floats(1.0, 4.0),
    jitter=st.floats(0.0, 1.0),
    cap=st.floats(0.0, 100.0),
    seed=st.integers(0, 2**32),
)
def test_jitter_stays_within_its_factor_and_the_cap(attempt, d0, mult, jitter, cap, seed):  # noqa: PLR0917
    s = RetryStrategy(
        backoff_strategy=BackoffStrategy.EXPONENTIAL_JITTER,
        initial_delay=d0,
        backoff_multiplier=mult,
        jitter_factor=jitter,
        max_delay=cap,
        rng=random.Random(seed),
    )
    base = d0 * mult ** (attempt - 1)
    delay = s.calculate_delay(attempt)
    assert 0.0 <= delay <= cap
    if base <= cap:
        assert base * (1 - jitter) - 1e-9 <= delay <= min(base * (1 + jitter), cap) + 1e-9


def flaky(failures, exc=ConnectionError):
    calls = []

    def op(x):
        calls.append(x)
        if len(calls) <= failures:
            raise exc(f"failure {len(calls)}")
        return x * 2

    return op, calls


def test_succeeds_after_failures_with_backoff():
    waits = []
    op, calls = flaky(2)
    result = RetryStrategy(sleep=waits.append).execute_with_retry(op, 21)
    assert (result.success, result.final_result, result.attempts_made) == (True, 42, 3)
    assert waits == [1.0, 2.0]
    assert result.backoff_times == (1.0, 2.0)
    assert [h["success"] for h in result.attempt_history] == [False, False, True]
    assert result.attempt_history[0]["error"] == "ConnectionError: failure 1"
    assert calls == [21, 21, 21]


def test_never_raises_when_attempts_run_out():
    op, _ = flaky(10)
    result = RetryStrategy(max_attempts=4, sleep=lambda _s: None).execute_with_retry(op, 1)
    assert (result.success, result.attempts_made) == (False, 4)
    assert isinstance(result.final_error, ConnectionError)


def test_retry_exceptions_restrict_what_is_retried():
    s = RetryStrategy(sleep=lambda _s: None)
    s.add_retry_exception(ConnectionError)
    op, calls = flaky(5, exc=ValueError)
    result = s.execute_with_retry(op, 1)
    assert (result.success, len(calls)) == (False, 1)


def test_retry_condition():
    s = RetryStrategy(max_attempts=5, sleep=lambda _s: None)
    s.set_retry_condition(lambda e: "failure 1" in str(e))
    op, calls = flaky(5)
    assert s.execute_with_retry(op, 1).attempts_made == 2
    assert len(calls) == 2


@pytest.mark.parametrize(
    "kwargs", [{"max_attempts": 0}, {"backoff_multiplier": 0.5}, {"jitter_factor": 2}]
)
def test_bad_settings(kwargs):
    with pytest.raises(ValueError, match="must be"):
        RetryStrategy(**kwargs)
