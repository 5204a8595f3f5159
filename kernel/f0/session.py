"""RunSession: what a scheduler plugin drives.

The kernel builds one session per run (plan, context, runners, observers);
the scheduler decides *when* and *where* each step runs and reports each
step exactly once through :meth:`RunSession.finished`. The session applies
that step's delta to the run context (in completion order), writes the
``steps.<name>.*`` keys and calls the observer hooks.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from f0.context import Context, StepContext, normalize_value
from f0.decisions import recipe_key
from f0.log import current_log_config
from f0.model import Delta, RunInfo, RunResult, SchedulerOptions, Step, StepResult, StepStatus
from f0.plan import Plan
from f0.protocols import StepEnv
from f0.records import CacheEntry, StepRecord

if TYPE_CHECKING:
    from f0.decisions import Fingerprint
    from f0.hooks import Hooks
    from f0.model import Recipe
    from f0.protocols import AttemptWrapper, StepRunner
    from f0.stores import RunStore

__all__ = ["RunSession", "StoreRecorder"]

_EMPTY_DELTA = Delta()
_APPLIED = frozenset({StepStatus.COMPLETED, StepStatus.CACHED})


class RunSession:
    """The state of one run, shared by the kernel and the scheduler.

    Thread-safe: ``finished`` and ``started`` may be called from any thread.
    """

    def __init__(
        self,
        *,
        hooks: Hooks,
        recipe: Recipe,
        plan: Plan,
        context: Context,
        info: RunInfo,
        options: SchedulerOptions,
        recorder: StoreRecorder | None = None,
        cancel_event: threading.Event | None = None,
    ) -> None:
        self.hooks = hooks
        self._recorder = recorder
        self.recipe = recipe
        self.plan = plan
        self.context = context
        self.info = info
        self.options = options
        #: Set when the run is cancelled (Ctrl-C, or by whoever passed it in);
        #: schedulers stop starting steps.
        self.cancel_event = cancel_event if cancel_event is not None else threading.Event()
        self._base_dir = recipe.base_dir  # resolved once: it is on every attempt's path
        self._workdir = recipe.data_dir if recipe.workdir is not None else None
        self.results: dict[str, StepResult] = {}
        self._lock = threading.Lock()
        # Observer hook callers, looked up once (they sit on every step's path)
        # and skipped when no plugin listens.
        started, finished = hooks.pm.hook.f0_step_started, hooks.pm.hook.f0_step_finished
        self._started_hook = started if started.get_hookimpls() else None
        self._finished_hook = finished if finished.get_hookimpls() else None
        wrappers = hooks.pm.hook.f0_attempt_wrappers
        self._wrappers_hook = wrappers if wrappers.get_hookimpls() else None
        self._log_config = current_log_config()

    # -- what to run -----------------------------------------------------
    @property
    def run_id(self) -> str:
        """The run's id."""
        return self.info.run_id

    @property
    def order(self) -> tuple[Step, ...]:
        """Every step, dependencies first, lower ``idx`` first among ready steps."""
        return self.plan.order

    def dependencies(self, step: Step) -> tuple[str, ...]:
        """Names of the steps *step* waits for."""
        return step.depends_on

    def dependants(self, step: Step) -> tuple[str, ...]:
        """Names of the steps that wait for *step*."""
        return self.plan.dependants.get(step.name, ())

    def runner(self, step: Step) -> StepRunner:
        """The step runner for *step*'s type (cached per type)."""
        return self.hooks.step_runner(step.type)

    def env(self, step: Step, attempt: int) -> StepEnv:
        """The :class:`StepEnv` for one attempt of *step*.

        Carries the run's log ids and configuration, and the wrappers plugins
        return from ``f0_attempt_wrappers`` (asked here, once per attempt).
        """
        wrappers: tuple[AttemptWrapper, ...] = ()
        if self._wrappers_hook is not None:
            found = self._wrappers_hook(run=self.info, step=step, attempt=attempt)
            wrappers = tuple(w for ws in found for w in ws or ())
        return StepEnv(
            run_id=self.info.run_id,
            base_dir=self._base_dir,
            attempt=attempt,
            timeout=step.timeout,
            workdir=self._workdir,
            recipe=self.info.recipe.name,
            correlation_id=self.info.correlation_id,
            log_config=self._log_config,
            wrappers=wrappers,
            trace=self.options.trace,
        )

    def view(self, step: Step, *, snapshot: bool = False) -> StepContext:
        """A fresh :class:`StepContext` for one attempt of *step*.

        ``snapshot=True`` gives a view over a plain-dict copy of the context,
        which can be pickled to another process.
        """
        base: Context | Mapping[str, Any] = self.context.snapshot() if snapshot else self.context
        return StepContext(base, who=step.name)

    # -- reporting -------------------------------------------------------
    def started(self, step: Step, attempt: int) -> None:
        """Tell observers that *attempt* of *step* starts now."""
        if self._started_hook is not None:
            self._started_hook(run=self.info, step=step, attempt=attempt)

    def finished(self, step: Step, result: StepResult, delta: Delta | None = None) -> None:
        """Record *step*'s final *result*; apply *delta* if it COMPLETED (or was CACHED).

        Call exactly once per step. A delta of a step that did not complete
        is discarded: a failed or timed-out step changes nothing. With a run
        store, the step is recorded (or queued, for a store that commits in
        groups) before this returns.
        """
        if self.options.trace and result.attempts:
            result = traced(result, delta)
        if result.status not in _APPLIED or delta is None:
            delta = _EMPTY_DELTA
        with self._lock:
            if step.name in self.results:
                msg = f"step {step.name!r} was reported twice"
                raise RuntimeError(msg)
            self.results[step.name] = result
            if step.enabled or result.status is not StepStatus.SKIPPED:
                # The step's changes and the spec's steps.<name>.* keys land as
                # one batch (recipes.md §4.6), attributed to the step.
                changes = {**delta.changes, **self._outcome_keys(step, result)}
                self.context.apply_changes(changes, delta.removed, who=step.name)
            elif not delta.empty:
                self.context.apply_delta(delta, who=step.name)
            if self._recorder is not None:
                self._recorder.record(step, result, delta)
        if self._finished_hook is not None:
            self._finished_hook(run=self.info, step=step, result=result, delta=delta)

    def skip(self, step: Step, reason: str, status: StepStatus = StepStatus.SKIPPED) -> None:
        """Report *step* as SKIPPED (or CANCELLED) without running it."""
        self.finished(step, StepResult(name=step.name, status=status, error=reason))

    def cancel(self) -> None:
        """Ask the scheduler to stop: no new steps start."""
        self.cancel_event.set()

    @property
    def cancelled(self) -> bool:
        """True once :meth:`cancel` was called."""
        return self.cancel_event.is_set()

    @staticmethod
    def _outcome_keys(step: Step, result: StepResult) -> dict[str, Any]:
        prefix = "steps." + step.name + "."
        keys: dict[str, Any] = {
            prefix + "status": result.status.value,
            prefix + "exit_code": result.exit_code,
            prefix + "duration": round(result.duration_s, 6),
        }
        if isinstance(result.result, dict):
            # Runners report non-JSON results as failures; such a value is never stored.
            with contextlib.suppress(ValueError):
                keys[prefix + "result"] = normalize_value(prefix + "result", result.result)
        return keys


def traced(result: StepResult, delta: Delta | None) -> StepResult:
    """*result* with its ``trace`` (``f0 run --trace``): keys read, delta written, duration.

    The delta of a failed step is what it wrote before failing (never applied).
    Locals the scheduler already put in ``result.trace`` are kept.
    """
    delta = delta or _EMPTY_DELTA
    trace: dict[str, Any] = {
        "inputs": sorted(delta.reads),
        "delta": {"changes": dict(delta.changes), "removed": list(delta.removed)},
        "duration_s": round(result.duration_s, 6),
    }
    trace.update(result.trace or {})
    return attrs.evolve(result, trace=trace)


class StoreRecorder:
    """Writes a run into a :class:`~f0.protocols.RunStore` as it happens.

    One store call per step, while the session holds its lock, so records
    land in completion order (a store may queue them and commit in groups).
    A store that cannot record the start fails the run before its first step
    (:class:`~f0.errors.StoreError`). A store that fails later is reported
    once, loudly (an error log line), and then left alone so the steps in
    flight finish; the engine then ends the run with a
    :class:`~f0.errors.StoreError`: it was not fully recorded.
    """

    def __init__(
        self,
        store: RunStore,
        *,
        fingerprints: Mapping[str, Fingerprint | None],
        recipe: Recipe,
    ) -> None:
        self.store = store
        self.fingerprints = fingerprints
        self.recipe_key = recipe_key(recipe)
        self.recipe_hash = recipe.file_hash
        self.run_id = ""
        self.failed: str | None = None
        self._seq = 0

    def start(self, info: RunInfo, *, params: Mapping[str, Any], resumed_from: str | None) -> None:
        """Record the run's start."""
        from f0.errors import F0Error, StoreError

        self.run_id = info.run_id
        try:
            self.store.start_run(
                info, recipe_hash=self.recipe_hash, params=params, resumed_from=resumed_from
            )
        except F0Error:  # the store's own clear message (damaged, busy run...)
            raise
        except Exception as exc:
            msg = (
                f"cannot record the run in {self.store.url} ({type(exc).__name__}: {exc}); "
                "nothing was run. Check the store (f0 store check) or run with --store none"
            )
            raise StoreError(msg) from exc

    def record(self, step: Step, result: StepResult, delta: Delta) -> None:
        """Record one finished step (and its cache entry for a completed ``cache:`` step)."""
        self._seq += 1
        # The deciding plugin fingerprints every step when a store is on; without
        # one (no f0-plugin-cache) steps are recorded without a fingerprint.
        fp = self.fingerprints.get(step.name)
        now = time.time()
        record = StepRecord(
            result=result,
            delta=delta,
            fingerprint=fp.value if fp is not None else None,
            inputs=delta.inputs,
            seq=self._seq,
            recorded_at=now,
            definition=fp.definition if fp is not None else {},
            code_digest=fp.code_digest if fp is not None else None,
            code_origin=fp.code_origin if fp is not None else None,
            upstream=fp.upstream if fp is not None else {},
        )
        self._guard(self.store.record_step, self.run_id, record)
        if fp is not None and step.cache and result.status is StepStatus.COMPLETED:
            entry = CacheEntry(
                recipe_path=self.recipe_key,
                step_name=step.name,
                fingerprint=fp.value,
                definition=fp.definition,
                code_digest=fp.code_digest,
                code_origin=fp.code_origin,
                upstream=fp.upstream,
                inputs=delta.inputs,
                delta=delta,
                result=result.result,
                run_id=self.run_id,
                created_at=now,
                ttl=step.cache_ttl,
            )
            self._guard(self.store.cache_put, entry)

    def finish(self, result: RunResult) -> None:
        """Record the run's end."""
        self._guard(self.store.finish_run, result)

    def _guard(self, method: Any, *args: Any, **kwargs: Any) -> None:
        if self.failed is not None:
            return
        try:
            method(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - see the class docstring
            self.failed = f"{type(exc).__name__}: {exc}"
            from f0.log import get_logger

            get_logger(__name__).error(
                "store.write_failed",
                store=self.store.url,
                error=self.failed,
                run_id=self.run_id,
                note="this run will not be fully recorded",
            )

    def not_recorded(self) -> str | None:
        """Why the run is not fully recorded (None when every write landed)."""
        if self.failed is None:
            return None
        return (
            f"run {self.run_id} was NOT fully recorded in {self.store.url}: {self.failed}. "
            "Its steps ran, but its history is incomplete (it cannot be resumed from). "
            "Check the store: f0 store check"
        )
