"""CircuitBreaker (spec §2): 5 failures, 60 s, 3 half-open calls; a model-based state machine."""

from __future__ import annotations

import pytest
from f0_resilience import CircuitBreaker, CircuitOpenError, CircuitState
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from .conftest import Clock


def test_defaults_and_lifecycle(clock):
    b = CircuitBreaker(clock=clock)
    assert (b.failure_threshold, b.recovery_timeout, b.half_open_max_calls, b.name) == (
        5,
        60.0,
        3,
        "default",
    )

    def boom():
        raise ConnectionError("x")

    for _ in range(5):
        with pytest.raises(ConnectionError):
            b.call(boom)
    assert b.state is CircuitState.OPEN
    with pytest.raises(CircuitOpenError, match="'default' is open after 5 failures"):
        b.call(lambda: 1)
    clock.now += 60
    assert b.state is CircuitState.HALF_OPEN
    for _ in range(3):
        b.before_call()  # three trials admitted at once
    with pytest.raises(CircuitOpenError):
        b.before_call()
    b.on_success()
    assert b.state is CircuitState.CLOSED
    stats = b.get_stats()
    assert (
        stats["state"],
        stats["failure_count"],
        stats["rejected_calls"],
        stats["total_calls"],
    ) == ("CLOSED", 0, 2, 8)
    assert stats["last_failure_time"] is not None


class Machine(RuleBasedStateMachine):
    """Against a model: consecutive failures, open until the timeout, limited half-open trials."""

    def __init__(self) -> None:
        super().__init__()
        self.clock = Clock()
        self.b = CircuitBreaker(3, 10.0, 2, "m", clock=self.clock)
        self.state, self.failures, self.opened, self.trials, self.in_flight = "CLOSED", 0, 0.0, 0, 0

    def model(self) -> str:
        if self.state == "OPEN" and self.clock.now - self.opened >= 10.0:
            self.state, self.trials = "HALF_OPEN", 0
        return self.state

    @rule(dt=st.floats(0, 12))
    def tick(self, dt):
        self.clock.now += dt

    @rule()
    def admit(self):
        state = self.model()
        if state == "OPEN" or (state == "HALF_OPEN" and self.trials >= 2):
            with pytest.raises(CircuitOpenError):
                self.b.before_call()
            return
        self.b.before_call()
        self.in_flight += 1
        if state == "HALF_OPEN":
            self.trials += 1

    @rule(ok=st.booleans())
    def finish(self, ok):
        if not self.in_flight:
            return
        self.in_flight -= 1
        self.model()
        if ok:
            self.b.on_success()
            self.state, self.failures = "CLOSED", 0
        else:
            self.b.on_failure()
            self.failures += 1
            if self.state == "HALF_OPEN" or self.failures >= 3:
                self.state, self.opened = "OPEN", self.clock.now

    @invariant()
    def agrees(self):
        assert self.b.state.value == self.model()


TestMachine = Machine.TestCase
TestMachine.settings = settings(max_examples=60, stateful_step_count=40, deadline=None)
