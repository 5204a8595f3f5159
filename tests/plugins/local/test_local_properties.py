"""Property tests: random DAGs, random failures and disabled steps, any worker count."""

from __future__ import annotations

from f0 import Recipe, RunStatus, SchedulerOptions, StepStatus
from f0.engine import run_recipe
from f0.hooks import Hooks
from f0.manager import PluginSelection, make_plugin_manager
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from local_steps import ScriptPlugin, step


@st.composite
def dags(draw):
    n = draw(st.integers(1, 12))
    idxs = draw(st.permutations(range(1, n + 1)))
    steps = []
    for i in range(n):
        deps = draw(st.sets(st.integers(0, i - 1), max_size=3)) if i else set()
        ops = [("fail", f"f{i}")] if draw(st.booleans()) and draw(st.booleans()) else []
        steps.append(
            step(
                f"s{i}",
                idxs[i],
                *ops,
                depends_on=[f"s{d}" for d in sorted(deps)],
                enabled=draw(st.integers(0, 5)) > 0,
            )
        )
    return steps


def expected_statuses(steps):
    """What the spec says each step ends as, with continue_on_error."""
    status: dict[str, tuple[StepStatus, str | None]] = {}
    for s in steps:  # generated dependencies-first
        failed_dep = next(
            (d for d in s.depends_on if status[d][0] is not StepStatus.COMPLETED), None
        )
        if not s.enabled:
            status[s.name] = (StepStatus.SKIPPED, "disabled (enabled: false)")
        elif failed_dep is not None:
            status[s.name] = (StepStatus.SKIPPED, None)  # names one unsatisfied dependency
        elif s.options["ops"]:
            status[s.name] = (StepStatus.FAILED, s.options["ops"][0][1])
        else:
            status[s.name] = (StepStatus.COMPLETED, None)
    return status


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=dags(), workers=st.sampled_from([1, 2, 3]))
def test_random_dags_with_continue_on_error(steps, workers):
    plugin = ScriptPlugin()
    pm = make_plugin_manager(PluginSelection(autoload=False, load=("local", "context")))
    pm.register(plugin, name="script-steps")
    options = SchedulerOptions(workers=workers, continue_on_error=True)
    result = run_recipe(Hooks(pm), Recipe(name="prop", steps=steps), options=options)

    want = expected_statuses(steps)
    by_name = {s.name: s for s in steps}
    for name, (status, error) in want.items():
        got = result.steps[name]
        assert got.status is status, (name, got)
        if error is not None:
            assert got.error == error
        if status is StepStatus.SKIPPED and error is None:
            blocker = got.error.removeprefix("dependency '").removesuffix("' not satisfied")
            assert blocker in by_name[name].depends_on
            assert want[blocker][0] is not StepStatus.COMPLETED
    # Each step reported once; a step starts only after all its dependencies finished.
    finished = plugin.finished()
    assert sorted(finished) == sorted(want)
    seen: set[str] = set()
    for kind, name, _ in plugin.events:
        if kind == "started":
            assert set(by_name[name].depends_on) <= seen, name
        else:
            seen.add(name)
    failed = any(s is StepStatus.FAILED for s, _ in want.values())
    assert result.status is (RunStatus.PARTIAL if failed else RunStatus.COMPLETED)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=dags())
def test_random_dags_stop_at_the_first_failure_with_one_worker(steps):
    plugin = ScriptPlugin()
    pm = make_plugin_manager(PluginSelection(autoload=False, load=("local", "context")))
    pm.register(plugin, name="script-steps")
    result = run_recipe(
        Hooks(pm), Recipe(name="prop", steps=steps), options=SchedulerOptions(workers=1)
    )

    failures = [name for name, r in result.steps.items() if r.status is StepStatus.FAILED]
    assert len(failures) <= 1
    events = plugin.events
    if failures:
        stop = events.index(("finished", failures[0], "FAILED"))
        assert not [e for e in events[stop:] if e[0] == "started"]
        assert result.status is RunStatus.FAILED
    else:
        assert result.status is RunStatus.COMPLETED
    for r in result.steps.values():
        assert r.status in {StepStatus.COMPLETED, StepStatus.FAILED, StepStatus.SKIPPED}
