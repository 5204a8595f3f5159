"""The token bucket and the circuit breaker of f0_http, on a fake clock."""

from __future__ import annotations

import pytest
from f0_http import APIIntegrationError, CircuitBreaker, RateLimiter
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_bucket_defaults_and_starts_full():
    limiter = RateLimiter()
    assert (limiter.requests_per_second, limiter.burst_size) == (1.0, 10)
    clock = Clock()
    limiter = RateLimiter(clock=clock)
    assert all(limiter.acquire() for _ in range(10))
    assert not limiter.acquire()
    assert limiter.wait_time() == pytest.approx(1.0)
    clock.now += 0.5
    assert limiter.wait_time() == pytest.approx(0.5)
    clock.now += 0.5
    assert limiter.wait_time() == 0.0
    assert limiter.acquire()


@settings(max_examples=200, deadline=None)
@given(
    rate=st.floats(0.1, 100.0),
    burst=st.integers(1, 20),
    events=st.lists(st.tuples(st.floats(0.0, 3.0), st.integers(1, 5)), max_size=60),
)
def test_bucket_never_exceeds_its_rate(rate, burst, events):
    """Tokens granted in any window <= burst + rate * elapsed."""
    clock = Clock()
    limiter = RateLimiter(rate, burst, clock=clock)
    start = clock.now
    granted = 0
    for advance, tokens in events:
        clock.now += advance
        wait = limiter.wait_time(tokens)
        ok = limiter.acquire(tokens)
        assert ok == (wait == 0.0)
        if ok:
            granted += tokens
        assert granted <= burst + rate * (clock.now - start) + 1e-6
        assert 0.0 <= limiter.tokens <= burst


@settings(max_examples=100, deadline=None)
@given(rate=st.floats(0.1, 50.0), burst=st.integers(1, 10), tokens=st.integers(1, 10))
def test_waiting_wait_time_is_enough(rate, burst, tokens):
    clock = Clock()
    limiter = RateLimiter(rate, burst, clock=clock)
    while limiter.acquire():
        pass
    tokens = min(tokens, burst)
    clock.now += limiter.wait_time(tokens) + 1e-9
    assert limiter.acquire(tokens)


@pytest.mark.parametrize(("rate", "burst"), [(0, 1), (-1, 1), (1, 0)])
def test_bucket_rejects_bad_settings(rate, burst):
    with pytest.raises(ValueError, match="must be"):
        RateLimiter(rate, burst)


def _fail() -> None:
    raise ConnectionError("down")


def test_breaker_opens_after_five_failures_and_half_opens_after_30s():
    clock = Clock()
    breaker = CircuitBreaker(clock=clock)
    assert (breaker.failure_threshold, breaker.timeout_seconds) == (5, 30.0)
    calls = []

    def fail() -> None:
        calls.append(1)
        raise ConnectionError("down")

    for _ in range(5):
        with pytest.raises(ConnectionError):
            breaker.call(fail)
    assert breaker.state == "open"
    with pytest.raises(APIIntegrationError, match="open after 5 consecutive failures"):
        breaker.call(fail)
    assert len(calls) == 5, "an open circuit must not call"
    clock.now += 30
    assert breaker.state == "half_open"
    with pytest.raises(ConnectionError):
        breaker.call(fail)  # the trial fails: open again
    assert breaker.state == "open"
    clock.now += 30
    assert breaker.call(lambda: "ok") == "ok"
    assert breaker.state == "closed"
    assert breaker.failure_count == 0


class BreakerMachine(RuleBasedStateMachine):
    """The breaker against a model of spec §1: closed -> open -> half-open (one trial)."""

    def __init__(self) -> None:
        super().__init__()
        self.clock = Clock()
        self.breaker = CircuitBreaker(3, 10.0, clock=self.clock)
        self.state = "closed"
        self.failures = 0
        self.opened_at = 0.0

    def _model_state(self) -> str:
        if self.state == "open" and self.clock.now - self.opened_at >= 10.0:
            return "half_open"
        return self.state

    @rule(seconds=st.floats(0.0, 15.0))
    def wait(self, seconds: float) -> None:
        self.clock.now += seconds

    @rule(ok=st.booleans())
    def call(self, ok: bool) -> None:
        state = self._model_state()
        made = []

        def op() -> str:
            made.append(1)
            if not ok:
                raise ConnectionError("x")
            return "fine"

        if state == "open":
            with pytest.raises(APIIntegrationError):
                self.breaker.call(op)
            assert not made
            return
        if ok:
            assert self.breaker.call(op) == "fine"
            self.state, self.failures = "closed", 0
        else:
            with pytest.raises(ConnectionError):
                self.breaker.call(op)
            self.failures += 1
            if state == "half_open" or self.failures >= 3:
                self.state, self.opened_at = "open", self.clock.now
            else:
                self.state = "closed"
        assert made == [1]

    @precondition(lambda self: True)
    @invariant()
    def same_state(self) -> None:
        assert self.breaker.state == self._model_state()


TestBreakerMachine = BreakerMachine.TestCase
TestBreakerMachine.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)
