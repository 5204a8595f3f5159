"""Bulkhead, fallback, timeouts, SLA metrics, error records, the rate limiter."""

from __future__ import annotations

import json
import threading

import pytest
from f0_resilience import (
    Bulkhead,
    BulkheadRejectedError,
    BulkheadState,
    CircuitOpenError,
    ErrorCategory,
    ErrorContext,
    ErrorMetadata,
    ErrorSeverity,
    FallbackStrategy,
    RateLimiter,
    RecoveryAction,
    RecoveryStrategy,
    ResilienceMetrics,
    TimeoutManager,
    classify_error,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from .conftest import Clock


def boom():
    raise RuntimeError("down")


def test_bulkhead_capacity_rejects_beyond(clock):
    bh = Bulkhead(clock=clock)
    c = bh.create_compartment("db", max_capacity=2)
    assert (c.max_capacity, c.failure_threshold, c.isolation_threshold, c.recovery_time) == (
        2,
        10,
        20,
        60.0,
    )
    bh.acquire("db")
    bh.acquire("db")
    with pytest.raises(BulkheadRejectedError, match="full"):
        bh.acquire("db")
    bh.release("db", success=True)
    bh.acquire("db")
    assert bh.get_stats("db")["rejected"] == 1


def test_bulkhead_states(clock):
    bh = Bulkhead(clock=clock)
    bh.create_compartment("api")
    for n in range(1, 21):
        with pytest.raises(RuntimeError):
            bh.execute("api", boom)
        if n == 9:
            assert bh.state("api") is BulkheadState.HEALTHY
        if n == 10:
            assert bh.state("api") is BulkheadState.DEGRADED
    assert bh.state("api") is BulkheadState.ISOLATED
    with pytest.raises(BulkheadRejectedError, match="isolated"):
        bh.execute("api", lambda: 1)
    clock.now += 60
    assert bh.state("api") is BulkheadState.RECOVERING
    with pytest.raises(RuntimeError):
        bh.execute("api", boom)
    assert bh.state("api") is BulkheadState.ISOLATED
    clock.now += 60
    assert bh.execute("api", lambda: 7) == 7
    assert bh.state("api") is BulkheadState.HEALTHY


def test_fallback_order_and_conditions():
    fb = FallbackStrategy("svc")
    fb.add_fallback(lambda x: f"second {x}", priority=2, description="cache")
    fb.add_fallback(boom, priority=1, description="replica")
    fb.add_fallback(lambda x: "never", condition=lambda e: isinstance(e, KeyError), priority=0)
    out = fb.execute_with_fallback(lambda x: boom(), "a")
    assert out == {
        "success": True,
        "result": "second a",
        "used_fallback": True,
        "fallback_description": "cache",
        "error": "RuntimeError: down",
    }
    assert fb.execute_with_fallback(lambda x: x, 3)["used_fallback"] is False
    assert FallbackStrategy().execute_with_fallback(boom)["success"] is False


def test_timeout_manager():
    tm = TimeoutManager()
    assert tm.get_timeout("x") == 30.0
    tm.set_timeout("slow", 0.05)
    release = threading.Event()
    with pytest.raises(TimeoutError, match=r"slow timed out after 0\.05s"):
        tm.execute_with_timeout(release.wait, 5, operation="slow")
    release.set()
    assert tm.execute_with_timeout(lambda a, b: a + b, 1, 2, timeout=5) == 3
    with pytest.raises(RuntimeError, match="down"):
        tm.execute_with_timeout(boom, timeout=5)


def test_sla_report():
    m = ResilienceMetrics()
    m.set_sla_target("api", "success_rate", 0.9)
    m.set_sla_target("api", "p95_duration", 0.5)
    for i in range(10):
        m.record_operation("api", success=i != 0, duration=0.1 * (i + 1))
    api = m.get_sla_report()["api"]
    assert api["total"] == 10
    assert api["success_rate"] == pytest.approx(0.9)
    assert api["targets"]["success_rate"]["met"] is True
    assert api["p95_duration"] == pytest.approx(0.955)
    assert api["targets"]["p95_duration"]["met"] is False
    with pytest.raises(ValueError, match="unknown SLA metric"):
        m.set_sla_target("api", "latency", 1)


def test_error_enums_follow_the_spec():
    assert [c.name for c in ErrorCategory] == [
        "SYSTEM",
        "NETWORK",
        "VALIDATION",
        "BUSINESS",
        "SECURITY",
        "FRAMEWORK",
    ]
    assert {s.name: s.value for s in ErrorSeverity} == {
        "LOW": 10,
        "MEDIUM": 20,
        "HIGH": 30,
        "CRITICAL": 40,
        "FATAL": 50,
    }
    assert ErrorSeverity.CRITICAL > ErrorSeverity.HIGH
    assert [r.name for r in RecoveryStrategy] == [
        "RETRY",
        "FALLBACK",
        "CIRCUIT_BREAKER",
        "ROLLBACK",
        "ESCALATE",
        "IGNORE",
    ]


@pytest.mark.parametrize(
    ("exc", "category", "severity"),
    [
        (ConnectionRefusedError(), ErrorCategory.NETWORK, ErrorSeverity.MEDIUM),
        (TimeoutError(), ErrorCategory.NETWORK, ErrorSeverity.MEDIUM),
        (PermissionError(), ErrorCategory.SECURITY, ErrorSeverity.HIGH),
        (MemoryError(), ErrorCategory.SYSTEM, ErrorSeverity.CRITICAL),
        (FileNotFoundError(), ErrorCategory.SYSTEM, ErrorSeverity.HIGH),
        (ValueError(), ErrorCategory.VALIDATION, ErrorSeverity.MEDIUM),
        (CircuitOpenError(), ErrorCategory.FRAMEWORK, ErrorSeverity.MEDIUM),
        (RuntimeError(), ErrorCategory.BUSINESS, ErrorSeverity.MEDIUM),
    ],
)
def test_classify(exc, category, severity):
    assert classify_error(exc) == (category, severity)


def test_error_context_round_trips_through_json():
    try:
        raise ConnectionError("refused")
    except ConnectionError as exc:
        ctx = ErrorContext.from_exception(
            exc, ErrorMetadata(recipe_id="r", step_id="s", execution_id="e")
        )
    assert ctx.max_recovery_attempts == 3
    ctx.resolve("retried")
    data = json.loads(json.dumps(ctx.to_dict()))
    assert data["category"] == "NETWORK"
    assert data["severity"] == "MEDIUM"
    back = ErrorContext.from_dict(data)
    assert back == ctx


def test_recovery_action_defaults_and_budget():
    a = RecoveryAction()
    assert (
        a.max_attempts,
        a.timeout_seconds,
        a.backoff_multiplier,
        a.initial_delay,
        a.validation_timeout,
        a.escalation_threshold,
    ) == (3, 30.0, 2.0, 1.0, 5.0, 2)
    a.record_attempt(False, "e1")
    assert a.can_retry()
    assert not a.should_escalate
    a.record_attempt(False, ValueError("e2"))
    assert a.should_escalate
    a.record_attempt(True)
    assert not a.can_retry()
    assert a.errors == ["e1", "e2"]


@settings(max_examples=150, deadline=None)
@given(
    rate=st.floats(0.1, 100.0),
    burst=st.integers(1, 20),
    events=st.lists(st.tuples(st.floats(0.0, 3.0), st.integers(1, 5)), max_size=60),
)
def test_rate_limiter_never_exceeds_its_rate(rate, burst, events):
    clock = Clock()
    limiter = RateLimiter(rate, burst, clock=clock)
    assert (RateLimiter().requests_per_second, RateLimiter().burst_size) == (1.0, 10)
    start, granted = clock.now, 0
    for advance, tokens in events:
        clock.now += advance
        if limiter.acquire(tokens):
            granted += tokens
        assert granted <= burst + rate * (clock.now - start) + 1e-6
