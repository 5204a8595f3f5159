"""Recording, the step cache and resume: the kernel's run flow with f0-plugin-cache deciding.

A small in-memory RunStore (a test provider, like the tiny scheduler) keeps
these tests about the decisions; the SQLite store has its own tests in
tests/plugins/store/.
"""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest
from f0.engine import initial_context, run_recipe
from f0.errors import ResumeRefusedError, StoreError, UsageError
from f0.model import RunStatus, StepStatus
from f0.records import RunRecord
from f0_cache import decide, fingerprints, step_definition

from tests.kernel.support import failer, make_recipe, make_step


class MemoryRunStore:
    """Implements f0.protocols.RunStore in memory."""

    url = "memrun://"

    def __init__(self):
        self.runs: dict[str, dict] = {}
        self.cache: dict[tuple[str, str], object] = {}
        self.closed = False

    def start_run(self, info, *, recipe_hash, params, resumed_from=None):
        self.runs[info.run_id] = {
            "info": info,
            "hash": recipe_hash,
            "params": dict(params),
            "resumed_from": resumed_from,
            "steps": {},
            "result": None,
        }

    def record_step(self, run_id, record):
        self.runs[run_id]["steps"][record.result.name] = record

    def finish_run(self, result):
        self.runs[result.run_id]["result"] = result

    def get_run(self, run_id):
        run = self.runs.get(run_id)
        if run is None:
            return None
        info, result = run["info"], run["result"]
        return RunRecord(
            run_id=run_id,
            recipe_name=info.recipe.name,
            recipe_path=str(info.recipe.path),
            recipe_hash=run["hash"],
            status=result.status if result else RunStatus.RUNNING,
            started_at=info.started_at,
            params=run["params"],
            steps=dict(run["steps"]),
        )

    def resolve_run(self, ref, *, recipe_path=None):
        if ref == "last":
            return list(self.runs)[-1]
        if ref in self.runs:
            return ref
        raise UsageError(f"no run {ref!r}")

    def list_runs(self, *, limit=None, recipe_path=None):
        return []

    def cache_get(self, recipe_path, step_name):
        return self.cache.get((recipe_path, step_name))

    def cache_put(self, entry):
        self.cache[(entry.recipe_path, entry.step_name)] = entry

    def cache_list(self, recipe_path=None):
        return list(self.cache.values())

    def cache_clear(self, recipe_path=None, step_name=None):
        n = len(self.cache)
        self.cache.clear()
        return n

    def close(self):
        self.closed = True


@pytest.fixture
def store():
    return MemoryRunStore()


@pytest.fixture
def counted(tiny):
    """calls[name] counts executions; steps a -> b -> c, b and c cached."""
    calls: dict[str, int] = {}

    def counting(name, **values):
        def fn(ctx):
            calls[name] = calls.get(name, 0) + 1
            for key, value in values.items():
                ctx.set(key, value(ctx) if callable(value) else value)

        return fn

    tiny.funcs["a"] = counting("a", x=lambda ctx: ctx.get("n", 1) * 10)
    tiny.funcs["b"] = counting("b", y=lambda ctx: ctx.get("x") + 1)
    tiny.funcs["c"] = counting("c", z=lambda ctx: ctx.get("y") * 2)
    return calls


def chain(tmp_path: Path, *, cache=("a", "b", "c"), args_b=None):
    return make_recipe(
        make_step("a", 1, cache="a" in cache),
        make_step("b", 2, depends_on=["a"], cache="b" in cache, args=args_b or {}),
        make_step("c", 3, depends_on=["b"], cache="c" in cache),
        path=tmp_path / "recipe.yaml",
    )


def run(hooks, recipe, **kwargs):
    kwargs.setdefault("scheduler", "serial")
    kwargs.setdefault("context_url", "mem://")
    return run_recipe(hooks, recipe, **kwargs)


def reasons(hooks, recipe, store, **kwargs):
    seed = kwargs.pop("seed", None)
    decisions = decide(
        hooks.step_runner,
        recipe,
        recipe.steps,
        initial=initial_context(recipe, seed, 0.0),
        store=store,
        **kwargs,
    )
    return {name: (d.action, d.reason) for name, d in decisions.items()}


def test_every_step_is_recorded_in_completion_order(hooks, tiny, counted, store, tmp_path):
    result = run(hooks, chain(tmp_path), store=store)
    run_rec = store.runs[result.run_id]
    assert [r.seq for r in run_rec["steps"].values()] == [1, 2, 3]
    assert run_rec["steps"]["b"].delta.changes == {"y": 11}
    assert run_rec["steps"]["b"].inputs.keys() == {"x"}
    assert run_rec["steps"]["b"].fingerprint
    assert run_rec["result"].status is RunStatus.COMPLETED


def test_second_run_replays_cached_steps_without_running_them(
    hooks, tiny, counted, store, tmp_path
):
    recipe = chain(tmp_path)
    first = run(hooks, recipe, store=store)
    second = run(hooks, recipe, store=store)
    assert counted == {"a": 1, "b": 1, "c": 1}
    assert {n: r.status for n, r in second.steps.items()} == dict.fromkeys("abc", StepStatus.CACHED)
    assert second.context["z"] == first.context["z"] == 22
    assert second.to_json()["steps"]["c"]["status"] == "CACHED"


def test_no_cache_runs_everything(hooks, tiny, counted, store, tmp_path):
    recipe = chain(tmp_path)
    run(hooks, recipe, store=store)
    run(hooks, recipe, store=store, use_cache=False)
    assert counted == {"a": 2, "b": 2, "c": 2}
    assert reasons(hooks, recipe, store, use_cache=False)["a"] == ("RUN", "--no-cache")


def test_plan_reasons(hooks, tiny, counted, store, tmp_path):
    recipe = chain(tmp_path, args_b={"n": 3})
    assert reasons(hooks, recipe, store)["a"] == ("RUN", "no cache entry")
    assert reasons(hooks, recipe, None)["a"] == ("RUN", "no run store")
    run(hooks, recipe, store=store)
    assert reasons(hooks, recipe, store)["c"][0] == "CACHED"
    changed = chain(tmp_path, args_b={"n": 4})
    why = reasons(hooks, changed, store)
    assert why["a"][0] == "CACHED"
    assert why["b"] == ("RUN", "args changed: n 3 -> 4")
    assert why["c"] == ("RUN", "upstream b runs")


def test_uncached_step_is_named_as_such(hooks, tiny, counted, store, tmp_path):
    recipe = chain(tmp_path, cache=("b", "c"))
    run(hooks, recipe, store=store)
    why = reasons(hooks, recipe, store)
    assert why["a"] == ("RUN", "not cached (no cache: key)")
    assert why["b"] == ("RUN", "upstream a runs")


def test_changed_input_reruns(hooks, tiny, counted, store, tmp_path):
    recipe = chain(tmp_path)
    run(hooks, recipe, store=store, seed={"n": 1})
    assert reasons(hooks, recipe, store, seed={"n": 1})["a"][0] == "CACHED"
    assert reasons(hooks, recipe, store, seed={"n": 2})["a"] == ("RUN", "input n changed")
    result = run(hooks, recipe, store=store, seed={"n": 2})
    assert result.context["z"] == (2 * 10 + 1) * 2
    assert counted["a"] == 2


def test_expired_entry_reruns(hooks, tiny, counted, store, tmp_path):
    recipe = make_recipe(make_step("a", 1, cache=True, cache_ttl=60), path=tmp_path / "r.yaml")
    run(hooks, recipe, store=store)
    entry = store.cache[(str((tmp_path / "r.yaml").resolve()), "a")]
    decisions = decide(
        hooks.step_runner,
        recipe,
        recipe.steps,
        initial={},
        store=store,
        now=entry.created_at + 61,
    )
    assert (decisions["a"].action, decisions["a"].reason) == ("RUN", "cache expired")


def test_code_change_reruns(hooks, tiny, counted, store, tmp_path):
    digests = {"a": "v1"}
    tiny.runner.code_digest = lambda step, recipe: (digests.get(step.name), "steps.py")
    try:
        recipe = chain(tmp_path)
        run(hooks, recipe, store=store)
        digests["a"] = "v2"
        why = reasons(hooks, recipe, store)
        assert why["a"] == ("RUN", "code of steps.py changed")
        assert why["b"] == ("RUN", "upstream a runs")
    finally:
        del tiny.runner.code_digest


def test_fingerprint_covers_upstream(hooks, tiny, tmp_path):
    one = chain(tmp_path)
    two = chain(tmp_path, args_b={"k": 1})
    fp1 = fingerprints(hooks.step_runner, one, one.steps)
    fp2 = fingerprints(hooks.step_runner, two, two.steps)
    assert fp1["a"].value == fp2["a"].value
    assert fp1["b"].value != fp2["b"].value
    assert fp1["c"].value != fp2["c"].value  # only its upstream changed


def test_definition_ignores_position_and_retries(tmp_path):
    step = make_step("a", 1)
    moved = attrs.evolve(step, idx=9, timeout=3.0, cache=True)
    assert step_definition(step) == step_definition(moved)


def test_resume_replays_completed_steps_and_runs_the_rest(hooks, tiny, counted, store, tmp_path):
    recipe = chain(tmp_path, cache=())
    good_c = tiny.funcs["c"]
    tiny.funcs["c"] = failer()
    first = run(hooks, recipe, store=store, seed={"n": 3})
    assert first.status is RunStatus.FAILED
    tiny.funcs["c"] = good_c
    record = store.get_run(first.run_id)
    resumed = run(hooks, recipe, store=store, resume=record)
    assert resumed.status is RunStatus.COMPLETED
    assert counted == {"a": 1, "b": 1, "c": 1}
    assert resumed.steps["a"].status is StepStatus.COMPLETED
    assert resumed.steps["a"].attempts == 0
    assert resumed.context["z"] == (3 * 10 + 1) * 2  # the recorded --set n=3 is reused
    assert "partial" not in resumed.context
    assert store.runs[resumed.run_id]["resumed_from"] == first.run_id


def test_resume_refuses_a_changed_completed_step(hooks, tiny, counted, store, tmp_path):
    good_c = tiny.funcs["c"]
    tiny.funcs["c"] = failer()
    first = run(hooks, chain(tmp_path, cache=()), store=store)
    tiny.funcs["c"] = good_c
    changed = chain(tmp_path, cache=(), args_b={"extra": 1})
    with pytest.raises(
        ResumeRefusedError,
        match=r"step 'b' completed there, but since then args changed: extra \(unset\) -> 1",
    ):
        run(hooks, changed, store=store, resume=store.get_run(first.run_id))
    forced = run(
        hooks,
        changed,
        store=store,
        resume=store.get_run(first.run_id),
        force=True,
    )
    assert counted == {"a": 1, "b": 2, "c": 1}  # b re-ran, and c after it
    assert forced.status is RunStatus.COMPLETED
    assert forced.steps["a"].attempts == 0


def test_a_store_failing_mid_run_lets_the_steps_finish_then_fails_loudly(
    hooks, tiny, counted, store, tmp_path
):
    """Issue 19: never a silent warning with exit 0; the run's result is still carried."""

    def broken(*args, **kwargs):
        raise OSError("disk full")

    store.record_step = broken
    with pytest.raises(StoreError, match=r"NOT fully recorded.*disk full") as caught:
        run(hooks, chain(tmp_path), store=store)
    assert caught.value.exit_code == 3
    result = caught.value.result
    assert result.status is RunStatus.COMPLETED
    assert result.context["z"] == 22


def test_a_store_that_cannot_record_the_start_fails_before_the_first_step(
    hooks, tiny, counted, store, tmp_path
):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    store.start_run = broken
    with pytest.raises(StoreError, match="nothing was run"):
        run(hooks, chain(tmp_path), store=store)
    assert counted == {}


def test_code_digest_asked_once_per_code_not_per_step(hooks, tiny, tmp_path):
    # Steps running the same code share one code_digest call; a step that runs
    # other code (another function, other args or options) is asked on its own.
    asked: list[tuple[str | None, object]] = []

    def code_digest(step, recipe):
        asked.append((step.function, step.args))
        return f"code-of-{step.function}-{step.args}", f"steps.py:{step.function}"

    tiny.runner.code_digest = code_digest
    try:
        steps = [make_step(f"s{i}", i, function="same") for i in range(5)]
        steps += [make_step("other", 5, function="other"), make_step("x", 6, args={"k": 1})]
        steps.append(make_step("y", 7, function="same", args={"k": 1}))
        recipe = make_recipe(*steps, path=tmp_path / "r.yaml")
        fps = fingerprints(hooks.step_runner, recipe, recipe.steps)
    finally:
        del tiny.runner.code_digest
    assert sorted(asked, key=str) == sorted(
        [("same", {}), ("other", {}), ("x", {"k": 1}), ("same", {"k": 1})], key=str
    )
    assert {fps[f"s{i}"].code_digest for i in range(5)} == {"code-of-same-{}"}
    assert fps["other"].code_digest == "code-of-other-{}"
    assert fps["y"].code_digest == "code-of-same-{'k': 1}"
    assert fps["y"].code_origin == "steps.py:same"


@pytest.mark.parametrize(
    "data",
    [
        [{"b": 1, "a": [1.5, None, True]}, "e3b0", {"z": "é", "y": "\u2028"}],
        {"args": {"n": 10**30, "f": 1e-7, "nan": float("inf")}, "t": ("a", "b")},
        {"set": {3, 1}, "path": Path("/x/y"), "nested": {"k": {"j": [{}]}}},
    ],
)
def test_digest_text_is_unchanged(data):
    # Fingerprints stored by earlier versions must still match: the faster
    # encoder gives the exact text json.dumps gave.
    import hashlib
    import json

    from f0_cache._decide import _canonical, _digest

    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    assert _canonical(data) == text
    assert _digest(data) == hashlib.sha256(text.encode()).hexdigest()
