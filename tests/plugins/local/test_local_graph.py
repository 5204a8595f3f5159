"""Ordering, dependencies, failures and skips, in the thread pool."""

from __future__ import annotations

import threading
import time

import pytest
from f0 import RunStatus, StepStatus, hookimpl
from local_steps import BARRIERS, EVENTS, HISTORY, LOG, step

COMPLETED = StepStatus.COMPLETED
SKIPPED = StepStatus.SKIPPED
FAILED = StepStatus.FAILED


def statuses(result):
    return {name: r.status for name, r in result.steps.items()}


def test_linear_chain_passes_values_along(run, script):
    result = run(
        step("a", 1, ("set", {"x": 1})),
        step("b", 2, ("copy", ("x", "y")), depends_on=["a"]),
        step("c", 3, ("copy", ("y", "z")), depends_on=["b"]),
    )
    assert result.status is RunStatus.COMPLETED
    assert set(statuses(result).values()) == {COMPLETED}
    assert (result.context["x"], result.context["y"], result.context["z"]) == (1, 2, 3)
    assert script.finished() == ["a", "b", "c"]
    for r in result.steps.values():
        assert r.attempts == 1
        assert r.exit_code == 0
        assert r.started_at <= r.finished_at


def test_diamond(run, script):
    result = run(
        step("top", 1, ("set", {"t": 1})),
        step("left", 2, ("copy", ("t", "l")), depends_on=["top"]),
        step("right", 3, ("copy", ("t", "r")), depends_on=["top"]),
        step(
            "bottom", 4, ("copy", ("l", "b")), ("copy", ("r", "b2")), depends_on=["left", "right"]
        ),
        workers=2,
    )
    assert result.status is RunStatus.COMPLETED
    assert result.context["b"] == 3
    assert result.context["b2"] == 3
    order = script.finished()
    assert order[0] == "top"
    assert order[-1] == "bottom"


def test_fan_out_fan_in(run, script):
    width = 40
    middle = [
        step(f"m{i:02d}", i + 2, ("copy", ("root", f"v{i:02d}")), depends_on=["root"])
        for i in range(width)
    ]
    sink_ops = [("copy", (f"v{i:02d}", f"w{i:02d}")) for i in range(width)]
    result = run(
        step("root", 1, ("set", {"root": 0})),
        *middle,
        step("sink", 100, *sink_ops, depends_on=[s.name for s in middle]),
        workers=4,
    )
    assert result.status is RunStatus.COMPLETED
    assert all(result.context[f"w{i:02d}"] == 2 for i in range(width))
    order = script.finished()
    assert order[0] == "root"
    assert order[-1] == "sink"
    assert sorted(order[1:-1]) == [s.name for s in middle]


def test_lower_idx_first_among_ready_steps_even_if_listed_later(run, script):
    # b has the lowest idx but waits for a; c and d are ready at once, c first.
    result = run(
        step("d", 4),
        step("a", 3),
        step("b", 1, depends_on=["a"]),
        step("c", 2),
        workers=1,
    )
    assert result.status is RunStatus.COMPLETED
    assert script.started() == ["c", "a", "b", "d"]


def test_queued_steps_start_lowest_idx_first_not_first_queued(run):
    # Two workers: "a" and "hold" start; "q" and "r" wait in the queue. "a"
    # ends first and its worker takes "q"; meanwhile "low" becomes ready and,
    # though queued after "r", goes before it.
    EVENTS["go"] = threading.Event()
    result = run(
        step("a", 1, ("sleep", 0.1)),
        step("hold", 2, ("wait", "go")),
        step("q", 10, ("log", "start"), ("sleep", 0.4)),
        step("r", 11, ("log", "start")),
        step("low", 5, ("log", "start"), ("signal", "go"), depends_on=["a"]),
        workers=2,
    )
    assert result.status is RunStatus.COMPLETED
    assert [name for name, _ in LOG] == ["q", "low", "r"]


def test_deltas_applied_in_completion_order_and_attributed(run, script):
    # Completion order is fast, mid, slow whatever the start order is.
    result = run(
        step("slow", 1, ("sleep", 0.4), ("set", {"k": "slow"})),
        step("mid", 2, ("sleep", 0.2), ("set", {"k": "mid"})),
        step("fast", 3, ("set", {"k": "fast"})),
        step("reader", 4, ("history", "k"), depends_on=["slow", "mid", "fast"]),
        workers=3,
    )
    assert script.finished() == ["fast", "mid", "slow", "reader"]
    assert result.context["k"] == "slow"
    assert HISTORY["k"] == [("fast", "fast"), ("mid", "mid"), ("slow", "slow")]


def test_steps_run_in_parallel(run):
    BARRIERS["four"] = threading.Barrier(4, timeout=10)
    result = run(*[step(f"p{i}", i, ("barrier", "four")) for i in range(1, 5)], workers=4)
    assert statuses(result) == dict.fromkeys(["p1", "p2", "p3", "p4"], COMPLETED)


def test_failure_skips_dependants_transitively(run):
    result = run(
        step("a", 1, ("fail", "boom")),
        step("b", 2, depends_on=["a"]),
        step("c", 3, depends_on=["b"]),
        continue_on_error=True,
    )
    assert result.steps["a"].status is FAILED
    assert result.steps["a"].error == "boom"
    assert result.steps["a"].exit_code == 2
    assert result.steps["b"].status is SKIPPED
    assert result.steps["b"].error == "dependency 'a' not satisfied"
    assert result.steps["c"].status is SKIPPED
    assert result.steps["c"].error == "dependency 'b' not satisfied"


def test_exception_in_a_step_fails_it(run):
    result = run(step("a", 1, ("set", {"x": 1}), ("raise", "kaput")))
    assert result.status is RunStatus.FAILED
    assert result.steps["a"].status is FAILED
    assert "kaput" in result.steps["a"].error
    assert "x" not in result.context  # a failed step changes nothing


def test_stop_after_failure_lets_running_steps_finish(run, script):
    result = run(
        step("fails", 1, ("sleep", 0.1), ("fail", "no")),
        step("running", 2, ("sleep", 0.5), ("set", {"r": 1})),
        step("later", 3, ("set", {"l": 1})),
        step("after", 4, depends_on=["running"]),
        workers=2,
    )
    assert result.status is RunStatus.FAILED
    assert statuses(result) == {
        "fails": FAILED,
        "running": COMPLETED,
        "later": SKIPPED,
        "after": SKIPPED,
    }
    assert result.context["r"] == 1
    assert "l" not in result.context
    assert result.steps["later"].error == "run stopped after step 'fails' failed"
    assert "later" not in script.started()


def test_continue_on_error_runs_independent_branches(run):
    result = run(
        step("a", 1, ("fail", "no")),
        step("b", 2, depends_on=["a"]),
        step("c", 3, ("set", {"c": 1})),
        step("d", 4, ("copy", ("c", "d")), depends_on=["c"]),
        continue_on_error=True,
    )
    assert result.status is RunStatus.PARTIAL
    assert statuses(result) == {"a": FAILED, "b": SKIPPED, "c": COMPLETED, "d": COMPLETED}
    assert result.context["d"] == 2


def test_disabled_step_and_its_dependants_are_skipped(run, script):
    result = run(
        step("a", 1, ("set", {"a": 1}), enabled=False),
        step("b", 2, depends_on=["a"]),
        step("c", 3, ("set", {"c": 1})),
    )
    assert result.status is RunStatus.COMPLETED
    assert result.steps["a"].status is SKIPPED
    assert result.steps["a"].error == "disabled (enabled: false)"
    assert result.steps["b"].status is SKIPPED
    assert result.steps["b"].error == "dependency 'a' not satisfied"
    assert result.steps["c"].status is COMPLETED
    assert "a" not in result.context
    assert script.started() == ["c"]
    assert "steps.a.status" not in result.context


def test_long_skipped_chain_does_not_recurse(run):
    chain = [step("s0", 0, enabled=False)]
    chain += [step(f"s{i}", i, depends_on=[f"s{i - 1}"]) for i in range(1, 1500)]
    result = run(*chain)
    assert {r.status for r in result.steps.values()} == {SKIPPED}


def test_observers_see_each_attempt_and_one_finish_per_step(run, script):
    run(
        step("a", 1),
        step("b", 2, ("fail", "x")),
        step("c", 3, depends_on=["b"]),
        continue_on_error=True,
        workers=1,
    )
    assert script.events == [
        ("started", "a", 1),
        ("finished", "a", "COMPLETED"),
        ("started", "b", 1),
        ("finished", "b", "FAILED"),
        ("finished", "c", "SKIPPED"),
    ]


def test_no_threads_left_behind(run):
    before = threading.active_count()
    BARRIERS["three"] = threading.Barrier(3, timeout=10)
    result = run(*[step(f"p{i}", i, ("barrier", "three")) for i in range(3)], workers=3)
    assert result.status is RunStatus.COMPLETED
    assert threading.active_count() == before


@pytest.mark.parametrize("workers", [1, 2, 8])
def test_results_do_not_depend_on_workers(run, workers):
    steps = [step("s0", 0, ("set", {"v0": 0}))]
    steps += [
        step(f"s{i}", i, ("copy", (f"v{i // 2}", f"v{i}")), depends_on=[f"s{i // 2}"])
        for i in range(1, 30)
    ]
    result = run(*steps, workers=workers)
    assert result.status is RunStatus.COMPLETED
    assert result.context["v29"] == result.context["v14"] + 1
    assert LOG == []


def test_an_observer_error_ends_the_run_and_starts_nothing_more(hooks, run):
    class Broken:
        def __init__(self):
            self.finished = 0

        @hookimpl
        def f0_step_finished(self, run, step, result, delta):
            self.finished += 1
            raise RuntimeError("observer bug")

    hooks.pm.register(Broken(), name="broken")
    before = threading.active_count()
    with pytest.raises(RuntimeError, match="observer bug"):
        run(*[step(f"s{i}", i, ("sleep", 0.05), ("log", "ran")) for i in range(20)], workers=2)
    time.sleep(0.3)  # queued steps would have started by now
    # Each worker may have finished one step and claimed its next before the
    # error surfaced in the scheduling thread; nothing queued after that starts.
    assert len(LOG) <= 4
    assert threading.active_count() <= before
