"""The process pool: steps run in worker processes; a timeout kills the process."""

from __future__ import annotations

import multiprocessing
import os
import time

import pytest
from f0 import RetryPolicy, RunStatus, StepStatus
from local_steps import step

pytestmark = pytest.mark.slow


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_process_pool_runs_steps_and_applies_deltas(run, script, tmp_path):
    result = run(
        step("a", 1, ("set", {"x": 1}), ("pid", str(tmp_path / "a.pid"))),
        step("b", 2, ("copy", ("x", "y")), depends_on=["a"]),
        step("c", 3, ("copy", ("x", "z")), depends_on=["a"]),
        step("d", 4, ("copy", ("y", "w")), depends_on=["b", "c"]),
        pool="process",
        workers=2,
    )
    assert result.status is RunStatus.COMPLETED, result.steps
    assert (result.context["y"], result.context["z"], result.context["w"]) == (2, 2, 3)
    assert result.context["steps.a.result"] == {"step": "a"}
    assert int((tmp_path / "a.pid").read_text()) != os.getpid()
    assert script.finished()[0] == "a"
    assert script.finished()[-1] == "d"
    assert multiprocessing.active_children() == []  # workers stopped and reaped


def test_process_timeout_kills_the_step(run, tmp_path):
    late = tmp_path / "late"
    pid_file = tmp_path / "pid"
    t0 = time.monotonic()
    result = run(
        step("slow", 1, ("pid", str(pid_file)), ("sleep", 1.5), ("touch", str(late)), timeout=0.5),
        step("next", 2, ("set", {"n": 1})),
        pool="process",
        workers=1,
        continue_on_error=True,
    )
    assert time.monotonic() - t0 < 1.5 + 5  # coarse: the run did not wait for the sleep
    assert result.steps["slow"].status is StepStatus.FAILED
    assert result.steps["slow"].error == "timeout after 0.5s"
    assert result.steps["next"].status is StepStatus.COMPLETED
    pid = int(pid_file.read_text())
    time.sleep(2.0)  # past the moment the step would have written the file
    assert not late.exists()
    assert not _pid_alive(pid)


def test_process_retry_and_failure(run):
    fast = RetryPolicy(retries=2, delay=0.01, jitter=0.0)
    result = run(
        step("flaky", 1, ("fail_before", 3), retry=fast),
        step("broken", 2, ("raise", "kaput")),
        step("after", 3, depends_on=["broken"]),
        pool="process",
        workers=2,
        continue_on_error=True,
    )
    assert result.steps["flaky"].status is StepStatus.COMPLETED
    assert result.steps["flaky"].attempts == 3
    assert result.steps["broken"].status is StepStatus.FAILED
    assert "kaput" in result.steps["broken"].error
    assert result.steps["after"].error == "dependency 'broken' not satisfied"


def test_unpicklable_runner_fails_the_step_not_the_run(run):
    result = run(
        step("odd", 1, type="unpicklable"),
        step("fine", 2, ("set", {"f": 1})),
        pool="process",
        workers=1,
        continue_on_error=True,
    )
    assert result.steps["odd"].status is StepStatus.FAILED
    assert "cannot send step 'odd' to a worker process" in result.steps["odd"].error
    assert result.steps["fine"].status is StepStatus.COMPLETED


def test_cancel_kills_running_worker_processes(run, tmp_path):
    pid_file = tmp_path / "pid"
    t0 = time.monotonic()
    result = run(
        step("long", 1, ("pid", str(pid_file)), ("sleep", 30)),
        step("next", 2, depends_on=["long"]),
        pool="process",
        scheduler="local-cancel-after",
        extra={"cancel_after": 1.5},
    )
    assert time.monotonic() - t0 < 15
    assert result.status is RunStatus.CANCELLED
    assert result.steps["long"].status is StepStatus.CANCELLED
    assert result.steps["next"].error == "run cancelled"
    assert not _pid_alive(int(pid_file.read_text()))


def test_spawn_start_method(run):
    result = run(step("a", 1, ("set", {"x": 1})), pool="process", extra={"start_method": "spawn"})
    assert result.steps["a"].status is StepStatus.COMPLETED
    assert result.context["x"] == 1
