"""Retries (tenacity backoff) and per-step timeouts in the thread pool."""

from __future__ import annotations

import threading
import time

import pytest
import tenacity
from f0 import RetryPolicy, RunStatus, StepStatus
from f0_local._retry import backoff
from local_steps import EVENTS, LOG, step

FAST = RetryPolicy(retries=2, delay=0.01, factor=2.0, max_delay=0.05, jitter=0.0)


def test_retry_succeeds_on_the_third_attempt(run, script):
    result = run(
        step("flaky", 1, ("set", {"tries": "written"}), ("fail_before", 3), retry=FAST),
        step("after", 2, ("copy", ("n", "m")), ("set", {"n": 1}), depends_on=["flaky"]),
    )
    flaky = result.steps["flaky"]
    assert flaky.status is StepStatus.COMPLETED
    assert flaky.attempts == 3
    assert [e for e in script.events if e[1] == "flaky" and e[0] == "started"] == [
        ("started", "flaky", 1),
        ("started", "flaky", 2),
        ("started", "flaky", 3),
    ]
    assert result.context["tries"] == "written"


def test_retries_exhausted_reports_the_last_attempt(run):
    result = run(step("never", 1, ("fail_before", 99), retry=FAST))
    never = result.steps["never"]
    assert result.status is RunStatus.FAILED
    assert never.status is StepStatus.FAILED
    assert never.attempts == 3
    assert never.error == "attempt 3"
    assert never.exit_code == 3


def test_failed_attempts_leave_no_writes(run):
    result = run(step("flaky", 1, ("set", {"x": 1}), ("fail_before", 2), retry=FAST))
    assert result.steps["flaky"].attempts == 2
    assert result.context["x"] == 1  # from the second attempt only
    history_free = {
        k: v for k, v in result.context.items() if not k.startswith(("steps.", "recipe."))
    }
    assert history_free == {"x": 1}


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (RetryPolicy(retries=5, delay=1.0, factor=2.0, max_delay=60.0, jitter=0.0), [1, 2, 4, 8]),
        (
            RetryPolicy(retries=5, delay=0.5, factor=3.0, max_delay=2.0, jitter=0.0),
            [0.5, 1.5, 2, 2],
        ),
    ],
)
def test_backoff_is_exponential_and_capped(policy, expected):
    wait = backoff(policy)
    state = tenacity.RetryCallState(tenacity.Retrying(), fn=None, args=(), kwargs={})
    delays = []
    for attempt in range(1, len(expected) + 1):
        state.attempt_number = attempt
        delays.append(wait(state))
    assert delays == pytest.approx(expected)


def test_jitter_adds_at_most_its_fraction():
    wait = backoff(RetryPolicy(retries=1, delay=1.0, factor=2.0, max_delay=60.0, jitter=0.5))
    state = tenacity.RetryCallState(tenacity.Retrying(), fn=None, args=(), kwargs={})
    state.attempt_number = 2
    delays = {wait(state) for _ in range(50)}
    assert all(2.0 <= d <= 3.0 for d in delays)
    assert len(delays) > 1


def test_timeout_moves_on_and_drops_late_writes(run):
    EVENTS["release"] = threading.Event()
    t0 = time.monotonic()
    result = run(
        step(
            "stuck",
            1,
            ("set", {"early": 1}),
            ("wait", "release"),
            ("late_set", "late"),
            timeout=0.3,
        ),
        step("next", 2, ("set", {"next": 1})),
        continue_on_error=True,
    )
    elapsed = time.monotonic() - t0
    stuck = result.steps["stuck"]
    assert stuck.status is StepStatus.FAILED
    assert stuck.error == "timeout after 0.3s"
    assert elapsed < 5  # the step itself would wait 10 s
    assert result.steps["next"].status is StepStatus.COMPLETED
    assert result.status is RunStatus.PARTIAL
    assert "early" not in result.context  # the timed-out attempt's delta is discarded
    # Let the abandoned step wake up and try to write: the context refuses.
    EVENTS["release"].set()
    for _ in range(100):
        if LOG:
            break
        time.sleep(0.02)
    assert LOG == [("stuck", "write refused")]


def test_timeout_applies_to_each_attempt(run):
    policy = RetryPolicy(retries=1, delay=0.01, jitter=0.0)
    result = run(step("slow", 1, ("sleep", 1.0), timeout=0.1, retry=policy))
    assert result.steps["slow"].attempts == 2
    assert result.steps["slow"].error == "timeout after 0.1s"


def test_step_within_its_timeout_completes(run):
    result = run(step("quick", 1, ("set", {"q": 1}), timeout=5))
    assert result.steps["quick"].status is StepStatus.COMPLETED
    assert result.context["q"] == 1


def test_timeout_in_the_pool_does_not_block_other_steps(run):
    EVENTS["release"] = threading.Event()
    t0 = time.monotonic()
    result = run(
        step("stuck", 1, ("wait", "release"), timeout=0.3),
        step("a", 2, ("sleep", 0.05)),
        step("b", 3, ("sleep", 0.05)),
        workers=2,
        continue_on_error=True,
    )
    assert time.monotonic() - t0 < 5
    assert result.steps["stuck"].error == "timeout after 0.3s"
    assert result.steps["a"].status is StepStatus.COMPLETED
    assert result.steps["b"].status is StepStatus.COMPLETED


def test_cancel_interrupts_the_wait_between_attempts(run):
    # A 30 s backoff would hold the run; cancellation must cut it short.
    slow_retry = RetryPolicy(retries=3, delay=30.0, jitter=0.0)
    started = time.monotonic()
    result = run(
        step("flaky", 1, ("fail_before", 99), retry=slow_retry),
        scheduler="local-cancel-after",
    )
    assert time.monotonic() - started < 10
    assert result.status is RunStatus.CANCELLED
    assert result.steps["flaky"].status is StepStatus.CANCELLED


def test_a_deadline_past_what_threads_can_wait_does_not_overflow():
    # Issue 19: a Step built in code (not validated) with timeout=1e300 made
    # Event.wait raise OverflowError; the deadline is clamped to TIMEOUT_MAX.
    from f0_local._threads import call_with_deadline

    assert call_with_deadline(lambda: 42, 1e300, "huge") == (True, 42)
