"""Test helpers and pytest fixtures for f0 and for plugin authors.

Opt in from a ``conftest.py``::

    pytest_plugins = ["f0.testing"]

Fixtures (none is autouse):

``f0_pm``
    A fresh plugin manager: kernel built-ins plus the entry-point plugins
    named by ``F0_TEST_PLUGINS`` (default: the first-party ones). Never shared.
``f0_register``
    ``f0_register(plugin, name=None)`` registers a plugin object in ``f0_pm``
    and unregisters it at teardown.
``f0_hooks``
    :class:`~f0.hooks.Hooks` over ``f0_pm``.
``f0_cli``
    ``f0_cli(*args)`` runs the ``f0`` CLI in-process on ``f0_pm`` and
    returns a :class:`CliOutcome` (exit code, stdout, stderr).
``f0_project``
    ``f0_project(files)`` writes ``{relative path: text}`` into ``tmp_path``
    (recipes, step modules) and returns the folder.
``f0_run``
    ``f0_run(recipe_path, **options)`` loads, validates and runs a recipe
    in-process and returns the :class:`~f0.model.RunResult`.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs
import pytest

from f0.hooks import Hooks
from f0.manager import F0PluginManager, PluginSelection, make_plugin_manager

__all__ = [
    "FIRST_PARTY_PLUGINS",
    "CliOutcome",
    "ContextStoreContract",
    "RunStoreContract",
    "invoke_cli",
    "make_test_plugin_manager",
    "run_recipe_file",
    "write_project",
]

#: Entry-point names of the plugins a default test manager loads.
FIRST_PARTY_PLUGINS: tuple[str, ...] = (
    "yaml",
    "python",
    "local",
    "context",
    "store",
    "cache",
    "params",
    "stepengine",
    "terminal",
)


@attrs.frozen(kw_only=True)
class CliOutcome:
    """What an in-process ``f0`` invocation produced."""

    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        """stdout followed by stderr."""
        return self.stdout + self.stderr


def make_test_plugin_manager(plugins: tuple[str, ...] | None = None) -> F0PluginManager:
    """Built-ins plus exactly the entry-point plugins *plugins* (no autoload of others)."""
    if plugins is None:
        env = os.environ.get("F0_TEST_PLUGINS")
        plugins = tuple(p for p in env.split(",") if p) if env is not None else FIRST_PARTY_PLUGINS
    return make_plugin_manager(PluginSelection(autoload=False, load=plugins, strict=True))


def invoke_cli(pm: F0PluginManager, *args: str, env: Mapping[str, str] | None = None) -> CliOutcome:
    """Run ``f0 ARGS`` in-process against *pm*; never raises for a failing command."""
    from typer.testing import CliRunner

    from f0.cli import make_app

    runner = CliRunner()
    result = runner.invoke(make_app(pm), list(args), env=dict(env or {}), catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        # A traceback escaping the CLI is always a bug: make the test fail loudly.
        raise result.exception
    return CliOutcome(exit_code=result.exit_code, stdout=result.stdout, stderr=result.stderr)


def write_project(root: Path, files: Mapping[str, str]) -> Path:
    """Write ``{relative path: text}`` under *root* (text is dedented); return *root*."""
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def run_recipe_file(
    hooks: Hooks, path: Path | str, *, sets: list[str] | None = None, **options: Any
) -> Any:
    """Load, validate and run the recipe at *path* in-process; return the RunResult.

    *options* are :class:`~f0.model.SchedulerOptions` fields plus ``scheduler``
    and ``context_url``.
    """
    from f0.builtin.commands import load_valid_recipe
    from f0.engine import run_recipe
    from f0.model import SchedulerOptions

    recipe, seed, _ = load_valid_recipe(hooks, Path(path), sets=sets)
    scheduler = options.pop("scheduler", "local")
    context_url = options.pop("context_url", "memory://")
    return run_recipe(
        hooks,
        recipe,
        scheduler=scheduler,
        context_url=context_url,
        options=SchedulerOptions(**options),
        seed=seed,
    )


@pytest.fixture
def f0_pm() -> F0PluginManager:
    """A fresh plugin manager for one test (see the module docstring)."""
    return make_test_plugin_manager()


@pytest.fixture
def f0_register(f0_pm: F0PluginManager) -> Iterator[Callable[..., Any]]:
    """Register plugin objects in ``f0_pm`` for one test."""
    registered: list[Any] = []

    def register(plugin: Any, name: str | None = None) -> Any:
        f0_pm.register(plugin, name=name)
        registered.append(plugin)
        return plugin

    yield register
    for plugin in registered:
        if f0_pm.is_registered(plugin):
            f0_pm.unregister(plugin)


@pytest.fixture
def f0_hooks(f0_pm: F0PluginManager) -> Hooks:
    """The typed hook facade over ``f0_pm``."""
    return Hooks(f0_pm)


@pytest.fixture
def f0_cli(f0_pm: F0PluginManager, tmp_path: Path) -> Callable[..., CliOutcome]:
    """``f0_cli(*args)``: run the CLI in-process on ``f0_pm``.

    Runs are recorded in a store under ``tmp_path`` (not ``.f0/`` of the
    folder pytest runs in); pass ``env={"F0_STORE": ...}`` to choose another.
    """
    store = f"sqlite:///{tmp_path / '.f0' / 'f0.db'}"

    def cli(*args: str, env: Mapping[str, str] | None = None) -> CliOutcome:
        return invoke_cli(f0_pm, *args, env={"F0_STORE": store, **(env or {})})

    return cli


@pytest.fixture
def f0_project(tmp_path: Path) -> Callable[[Mapping[str, str]], Path]:
    """``f0_project(files)``: write files into ``tmp_path`` and return it."""

    def project(files: Mapping[str, str]) -> Path:
        return write_project(tmp_path, files)

    return project


@pytest.fixture
def f0_run(f0_hooks: Hooks) -> Callable[..., Any]:
    """``f0_run(recipe_path, **options)``: run a recipe in-process."""

    def run(path: Path | str, **options: Any) -> Any:
        return run_recipe_file(f0_hooks, path, **options)

    return run


class ContextStoreContract:
    """Tests every :class:`~f0.protocols.ContextStore` provider must pass.

    Subclass it and supply a ``store`` fixture returning a fresh, empty store::

        class TestMyStore(ContextStoreContract):
            @pytest.fixture
            def store(self, tmp_path):
                return MyStore(tmp_path / "ctx.db")
    """

    def test_starts_empty(self, store: Any) -> None:
        assert dict(store.load()) == {}

    def test_write_then_load(self, store: Any) -> None:
        store.write({"a": 1, "b.c": {"d": [1, 2]}}, ())
        assert dict(store.load()) == {"a": 1, "b.c": {"d": [1, 2]}}

    def test_remove(self, store: Any) -> None:
        store.write({"a": 1, "b": 2}, ())
        store.write({}, ["a"])
        assert dict(store.load()) == {"b": 2}

    def test_removing_a_missing_key_is_fine(self, store: Any) -> None:
        store.write({}, ["ghost"])
        assert dict(store.load()) == {}

    def test_overwrite(self, store: Any) -> None:
        store.write({"a": 1}, ())
        store.write({"a": "two"}, ())
        assert dict(store.load()) == {"a": "two"}

    def test_load_is_a_copy(self, store: Any) -> None:
        store.write({"a": 1}, ())
        loaded = dict(store.load())
        loaded["a"] = 99
        assert dict(store.load()) == {"a": 1}

    def test_url_and_close(self, store: Any) -> None:
        assert isinstance(store.url, str)
        assert "://" in store.url
        store.close()
        store.close()  # idempotent

    def test_backs_a_context(self, store: Any) -> None:
        from f0.context import Context

        ctx = Context(store=store)
        ctx.set("k", [1, 2])
        ctx.delete("k")
        ctx.set("j", {"x": 1})
        assert dict(store.load()) == {"j": {"x": 1}}


def _contract_recipe(name: str = "contract", path: str = "contract.yaml") -> Any:
    from f0.model import Recipe, Step

    steps = [Step(name=n, idx=i) for i, n in enumerate(("a", "b", "c"), 1)]
    return Recipe(name=name, steps=steps, path=Path(path))


class RunStoreContract:
    """Tests every :class:`~f0.protocols.RunStore` provider must pass.

    Subclass it and supply a ``store`` fixture returning a fresh, empty store::

        class TestMyRunStore(RunStoreContract):
            @pytest.fixture
            def store(self, tmp_path):
                return MyRunStore(tmp_path / "runs.db")

    Runs use recipes at relative paths (``contract.yaml``); a store may keep
    them resolved, and must match them either way in ``recipe_path`` filters.
    """

    T0 = 1_800_000_000.0

    # -- helpers ---------------------------------------------------------
    def start(
        self,
        store: Any,
        run_id: str,
        *,
        started_at: float | None = None,
        recipe: Any = None,
        params: Mapping[str, Any] | None = None,
        resumed_from: str | None = None,
    ) -> Any:
        from f0.model import RunInfo

        info = RunInfo(
            run_id=run_id,
            recipe=recipe if recipe is not None else _contract_recipe(),
            started_at=self.T0 if started_at is None else started_at,
        )
        store.start_run(
            info, recipe_hash="hash-1", params=dict(params or {}), resumed_from=resumed_from
        )
        return info

    def step(self, name: str, status: str = "COMPLETED", seq: int = 1, **delta: Any) -> Any:
        from f0.model import Delta, StepResult, StepStatus
        from f0.records import StepRecord

        return StepRecord(
            result=StepResult(
                name=name,
                status=StepStatus(status),
                attempts=1 if status != "SKIPPED" else 0,
                started_at=self.T0 + seq,
                finished_at=self.T0 + seq + 0.25,
                exit_code=0 if status == "COMPLETED" else 1,
                error=None if status == "COMPLETED" else f"{name} went wrong",
            ),
            delta=Delta(**delta) if delta else Delta(),
            fingerprint=f"fp-{name}",
            seq=seq,
            recorded_at=self.T0 + seq + 0.5,
        )

    def finish(self, store: Any, info: Any, status: str, context: Mapping[str, Any]) -> None:
        from f0.model import RunResult, RunStatus, StepResult, StepStatus

        store.finish_run(
            RunResult(
                run_id=info.run_id,
                recipe_name=info.recipe.name,
                recipe_path=str(info.recipe.path),
                status=RunStatus(status),
                steps={
                    s.name: StepResult(name=s.name, status=StepStatus.COMPLETED)
                    for s in info.recipe.steps
                },
                context=dict(context),
                started_at=info.started_at,
                finished_at=info.started_at + 10,
            )
        )

    # -- an empty store ----------------------------------------------------
    def test_url(self, store: Any) -> None:
        assert isinstance(store.url, str)
        assert "://" in store.url

    def test_starts_empty(self, store: Any) -> None:
        assert store.list_runs() == []
        assert store.get_run("nope") is None
        assert store.cache_list() == []
        assert store.cache_get("contract.yaml", "a") is None

    def test_resolving_in_an_empty_store_names_the_ref(self, store: Any) -> None:
        from f0.errors import UsageError

        for ref in ("last", "2026"):
            with pytest.raises(UsageError, match=ref):
                store.resolve_run(ref)

    # -- runs and steps ----------------------------------------------------
    def test_start_run(self, store: Any) -> None:
        from f0.model import RunStatus

        self.start(store, "r1", params={"n": 3, "deep": {"x": [1, 2]}}, resumed_from="r0")
        run = store.get_run("r1")
        assert run.run_id == "r1"
        assert run.recipe_name == "contract"
        assert run.recipe_path is not None
        assert run.recipe_path.endswith("contract.yaml")
        assert run.recipe_hash == "hash-1"
        assert run.status is RunStatus.RUNNING
        assert run.started_at == self.T0
        assert run.finished_at is None
        assert dict(run.params) == {"n": 3, "deep": {"x": [1, 2]}}
        assert run.resumed_from == "r0"
        assert dict(run.steps) == {}
        assert run.context is None

    def test_record_steps_in_completion_order(self, store: Any) -> None:
        info = self.start(store, "r1")
        store.record_step(info.run_id, self.step("c", seq=1))
        store.record_step(info.run_id, self.step("a", "FAILED", seq=2))
        store.record_step(info.run_id, self.step("b", "SKIPPED", seq=3))
        run = store.get_run("r1")
        assert list(run.steps) == ["c", "a", "b"]
        assert [s.seq for s in run.steps.values()] == [1, 2, 3]
        failed = run.steps["a"].result
        assert failed.status.value == "FAILED"
        assert failed.error == "a went wrong"
        assert failed.exit_code == 1
        assert failed.attempts == 1
        assert failed.started_at == self.T0 + 2
        assert failed.finished_at == self.T0 + 2.25

    def test_step_record_round_trips_every_field(self, store: Any) -> None:
        import attrs

        from f0.model import Delta

        info = self.start(store, "r1")
        record = attrs.evolve(
            self.step("a"),
            delta=Delta(
                changes={
                    "int": 1,
                    "float": 1.0,
                    "bool": True,
                    "none": None,
                    "deep": {"l": [1, {"x": "y"}]},
                },
                removed=("gone", "also.gone"),
                reads={"int", "missing"},
                inputs={"int": "abc123", "missing": "-"},
                who="a",
            ),
            inputs={"int": "abc123", "missing": "-"},
        )
        fields = attrs.fields_dict(type(record))
        extras = {  # fields a newer kernel may have: give them non-default values
            name: value
            for name, value in {
                "definition": {"args": {"n": 3}, "type": "python"},
                "code_digest": "c0de",
                "code_origin": "steps.py",
                "upstream": {"x": "fp-x"},
            }.items()
            if name in fields
        }
        record = attrs.evolve(record, **extras)
        store.record_step(info.run_id, record)
        got = store.get_run("r1").steps["a"]
        assert got == record
        changes = got.delta.changes
        assert type(changes["int"]) is int
        assert type(changes["float"]) is float
        assert type(changes["bool"]) is bool

    def test_step_result_value_round_trips(self, store: Any) -> None:
        import attrs

        info = self.start(store, "r1")
        record = self.step("a")
        record = attrs.evolve(record, result=attrs.evolve(record.result, result={"rows": [1, 2]}))
        store.record_step(info.run_id, record)
        assert store.get_run("r1").steps["a"].result.result == {"rows": [1, 2]}

    def test_recording_a_step_again_keeps_the_latest(self, store: Any) -> None:
        info = self.start(store, "r1")
        store.record_step(info.run_id, self.step("a", "FAILED", seq=1))
        store.record_step(info.run_id, self.step("a", "COMPLETED", seq=2, changes={"k": 1}))
        steps = store.get_run("r1").steps
        assert list(steps) == ["a"]
        assert steps["a"].result.status.value == "COMPLETED"
        assert dict(steps["a"].delta.changes) == {"k": 1}

    def test_finish_run(self, store: Any) -> None:
        from f0.model import RunStatus

        info = self.start(store, "r1")
        for n, name in enumerate(("a", "b", "c"), 1):
            store.record_step(info.run_id, self.step(name, seq=n))
        context = {"a": 1, "b.c": [1.0, True, None], "d": {"e": "f"}}
        self.finish(store, info, "COMPLETED", context)
        run = store.get_run("r1")
        assert run.status is RunStatus.COMPLETED
        assert run.finished_at == self.T0 + 10
        assert dict(run.context) == context
        assert type(run.context["b.c"][0]) is float

    def test_runs_are_kept_apart(self, store: Any) -> None:
        one = self.start(store, "r1")
        two = self.start(store, "r2", started_at=self.T0 + 1)
        store.record_step(one.run_id, self.step("a", changes={"from": "one"}))
        store.record_step(two.run_id, self.step("a", "FAILED"))
        assert store.get_run("r1").steps["a"].result.status.value == "COMPLETED"
        assert store.get_run("r2").steps["a"].result.status.value == "FAILED"

    def test_list_runs_newest_first_with_counts(self, store: Any) -> None:
        from f0.model import RunStatus

        first = self.start(store, "20260101-000000-aaaaaa", started_at=self.T0)
        second = self.start(store, "20260102-000000-bbbbbb", started_at=self.T0 + 60)
        store.record_step(first.run_id, self.step("a", seq=1))
        store.record_step(first.run_id, self.step("b", "FAILED", seq=2))
        store.record_step(first.run_id, self.step("c", "SKIPPED", seq=3))
        self.finish(store, first, "FAILED", {})
        runs = store.list_runs()
        assert [r.run_id for r in runs] == [second.run_id, first.run_id]
        summary = runs[1]
        assert summary.status is RunStatus.FAILED
        assert summary.recipe_name == "contract"
        assert summary.started_at == self.T0
        assert summary.finished_at == self.T0 + 10
        assert summary.steps_total == len(first.recipe.steps)
        assert summary.steps_completed == 1
        assert summary.steps_failed == 1
        assert runs[0].status is RunStatus.RUNNING
        assert runs[0].finished_at is None
        assert [r.run_id for r in store.list_runs(limit=1)] == [second.run_id]

    def test_list_runs_of_one_recipe(self, store: Any) -> None:
        self.start(store, "r1")
        self.start(
            store, "r2", started_at=self.T0 + 1, recipe=_contract_recipe("other", "other.yaml")
        )
        self.start(store, "r3", started_at=self.T0 + 2)
        mine = store.list_runs(recipe_path="contract.yaml")
        assert [r.run_id for r in mine] == ["r3", "r1"]
        assert [
            r.run_id for r in store.list_runs(recipe_path=str(Path("other.yaml").resolve()))
        ] == ["r2"]
        assert store.list_runs(recipe_path="nothing.yaml") == []

    # -- resolving run references --------------------------------------------
    def test_resolve_last(self, store: Any) -> None:
        self.start(store, "20260101-000000-aaaaaa", started_at=self.T0)
        self.start(store, "20260102-000000-bbbbbb", started_at=self.T0 + 60)
        self.start(
            store,
            "20260101-120000-cccccc",
            started_at=self.T0 + 30,
            recipe=_contract_recipe("other", "other.yaml"),
        )
        assert store.resolve_run("last") == "20260102-000000-bbbbbb"
        assert store.resolve_run("last", recipe_path="other.yaml") == "20260101-120000-cccccc"

    def test_resolve_last_of_a_recipe_without_runs(self, store: Any) -> None:
        from f0.errors import UsageError

        self.start(store, "r1")
        with pytest.raises(UsageError, match="last"):
            store.resolve_run("last", recipe_path="never-ran.yaml")

    def test_resolve_id_and_prefix(self, store: Any) -> None:
        from f0.errors import UsageError

        self.start(store, "20260101-000000-aaaaaa", started_at=self.T0)
        self.start(store, "20260101-000000-abbbbb", started_at=self.T0 + 1)
        self.start(store, "20260102-000000-cccccc", started_at=self.T0 + 2)
        assert store.resolve_run("20260101-000000-aaaaaa") == "20260101-000000-aaaaaa"
        assert store.resolve_run("20260101-000000-ab") == "20260101-000000-abbbbb"
        assert store.resolve_run("20260102") == "20260102-000000-cccccc"
        with pytest.raises(UsageError, match="20260101") as ambiguous:
            store.resolve_run("20260101")
        assert "ambiguous" in str(ambiguous.value)
        with pytest.raises(UsageError, match="zzz"):
            store.resolve_run("zzz")

    # -- the step cache ----------------------------------------------------
    def entry(self, step: str = "a", recipe: str = "contract.yaml", **fields: Any) -> Any:
        from f0.model import Delta
        from f0.records import CacheEntry

        values: dict[str, Any] = {
            "recipe_path": str(Path(recipe).resolve()),
            "step_name": step,
            "fingerprint": f"fp-{step}",
            "definition": {"args": {"n": 3}, "function": "f"},
            "code_digest": "c0de",
            "code_origin": "steps.py",
            "upstream": {"x": "fp-x"},
            "inputs": {"k": "abc"},
            "delta": Delta(changes={"out": 1.0}, removed=("old",), reads={"k"}, who=step),
            "result": {"r": True},
            "run_id": "r1",
            "created_at": self.T0,
            "ttl": 60.0,
        }
        values.update(fields)
        return CacheEntry(**values)

    def test_cache_put_and_get(self, store: Any) -> None:
        entry = self.entry()
        store.cache_put(entry)
        got = store.cache_get(entry.recipe_path, "a")
        assert got == entry
        assert type(got.delta.changes["out"]) is float
        assert store.cache_get(entry.recipe_path, "b") is None

    def test_cache_get_with_a_relative_recipe_path(self, store: Any) -> None:
        store.cache_put(self.entry())
        assert store.cache_get("contract.yaml", "a") is not None

    def test_cache_put_replaces(self, store: Any) -> None:
        store.cache_put(self.entry())
        newer = self.entry(fingerprint="fp-new", ttl=None, created_at=self.T0 + 5)
        store.cache_put(newer)
        assert store.cache_list() == [newer]

    def test_cache_list_and_clear(self, store: Any) -> None:
        for step in ("a", "b"):
            store.cache_put(self.entry(step))
        store.cache_put(self.entry("a", recipe="other.yaml"))
        assert sorted(e.step_name for e in store.cache_list()) == ["a", "a", "b"]
        assert {e.step_name for e in store.cache_list("contract.yaml")} == {"a", "b"}
        assert store.cache_clear("contract.yaml", "a") == 1
        assert store.cache_clear(step_name="a") == 1
        assert [e.step_name for e in store.cache_list()] == ["b"]
        assert store.cache_clear("nothing.yaml") == 0
        assert store.cache_clear() == 1
        assert store.cache_list() == []

    def test_close_is_idempotent(self, store: Any) -> None:
        store.close()
        store.close()
