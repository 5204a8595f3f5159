"""attempt.run_attempt: exceptions become failed outcomes; success_criteria."""

from __future__ import annotations

from pathlib import Path

import pytest
from f0.attempt import check_success_criteria, run_attempt
from f0.context import StepContext
from f0.model import StepOutcome
from f0.protocols import StepEnv

from .support import FnRunner, make_step

ENV = StepEnv(run_id="r", base_dir=Path())


def attempt(fn, **step_kwargs):
    runner = FnRunner({"s": fn})
    view = StepContext({"present": 1}, who="s")
    return run_attempt(runner, make_step("s", 1, **step_kwargs), view, ENV), view


def test_success_passes_through():
    outcome, _ = attempt(lambda ctx: StepOutcome(success=True, exit_code=0, result={"a": 1}))
    assert outcome == StepOutcome(success=True, exit_code=0, result={"a": 1})


def test_exception_becomes_a_failed_outcome_with_traceback():
    def explode(ctx):
        msg = "no such column"
        raise KeyError(msg)

    outcome, _ = attempt(explode)
    assert outcome.success is False
    assert outcome.exit_code == 1
    assert outcome.error == "KeyError: 'no such column'"
    assert outcome.traceback is not None
    assert outcome.traceback.startswith("Traceback (most recent call last):")
    assert "in explode" in outcome.traceback


def test_base_exceptions_are_not_swallowed():
    def interrupted(ctx):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        attempt(interrupted)


def test_failed_outcome_is_not_checked_against_criteria():
    failed = StepOutcome(success=False, exit_code=3, error="own error")
    outcome, _ = attempt(lambda ctx: failed, success_criteria={"exit_code": 3})
    assert outcome is failed


def test_exit_code_criterion_mismatch_fails():
    outcome, _ = attempt(
        lambda ctx: StepOutcome(success=True, exit_code=0), success_criteria={"exit_code": 4}
    )
    assert outcome.success is False
    assert outcome.exit_code == 0
    assert outcome.error == "success_criteria: exit code 0, expected 4"


def test_exit_code_criterion_match_succeeds():
    outcome, _ = attempt(
        lambda ctx: StepOutcome(success=True, exit_code=4), success_criteria={"exit_code": 4}
    )
    assert outcome.success is True


def test_default_expected_exit_code_is_zero():
    ok = StepOutcome(success=True, exit_code=2)
    outcome, _ = attempt(lambda ctx: ok, success_criteria={"context_keys": []})
    assert outcome.success is False
    assert "expected 0" in outcome.error


def test_context_keys_criterion_sees_the_steps_own_writes():
    outcome, _ = attempt(
        lambda ctx: ctx.set("written", 1), success_criteria={"context_keys": ["present", "written"]}
    )
    assert outcome.success is True


def test_missing_context_keys_fail_and_are_named():
    outcome, _ = attempt(lambda ctx: None, success_criteria={"context_keys": ["present", "x", "y"]})
    assert outcome.success is False
    assert outcome.exit_code == 1
    assert outcome.error == "success_criteria: context keys missing after the step: x, y"


def test_deleted_key_counts_as_missing():
    outcome, _ = attempt(
        lambda ctx: ctx.delete("present"), success_criteria={"context_keys": ["present"]}
    )
    assert outcome.success is False


def test_no_criteria_no_check():
    outcome, _ = attempt(lambda ctx: StepOutcome(success=True, exit_code=9))
    assert outcome.success is True


def test_check_success_criteria_directly():
    step = make_step("s", 1, success_criteria={"context_keys": ["k"]})
    view = StepContext({"k": None}, who="s")  # present, even if None
    ok = StepOutcome(success=True)
    assert check_success_criteria(step, view, ok) is ok


def test_trace_keeps_the_failing_frames_locals_size_capped():
    class BadRepr:
        def __repr__(self) -> str:
            raise RuntimeError

    def explode(ctx):
        big = "x" * 100_000
        many = list(range(10_000))
        odd = BadRepr()
        raise ValueError(len(big) + len(many) + (odd is None))

    runner = FnRunner({"s": explode})
    view = StepContext({}, who="s")
    traced = StepEnv(run_id="r", base_dir=Path(), trace=True)
    outcome = run_attempt(runner, make_step("s", 1), view, traced)
    assert outcome.frame_locals is not None
    assert {"ctx", "big", "many", "odd"} <= set(outcome.frame_locals)
    assert len(outcome.frame_locals["big"]) < 300
    assert outcome.frame_locals["many"].startswith("[0, 1, 2")
    assert len(outcome.frame_locals["many"]) < 300
    assert outcome.frame_locals["odd"].startswith("<BadRepr instance at 0x")  # repr raised
    # Without --trace nothing is captured.
    untraced, _ = attempt(explode)
    assert untraced.frame_locals is None
