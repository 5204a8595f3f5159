"""RunTracer: the observer that makes a run's trace in the ``f0 run`` process.

Span tree, and why:

* ``run <recipe>``: the root (or a child of ``TRACEPARENT`` from the
  environment, so a CI job's trace can contain the run), from the run's
  start to its end, status ERROR unless the run completed. It has an event
  per finished step (status, attempts), skipped and cached steps included.
* ``step <name>``: one per attempt, **child of the run span**, with a **link
  to the last attempt span of each step it depends on**. A step with two
  dependencies cannot have two parents, and nesting a step under its
  dependency would draw it inside a span that ended before it started, so
  the DAG is in the links and the timeline in the parent. Attributes:
  ``f0.step``, ``f0.attempt``, ``f0.retry_count``, ``f0.success``,
  ``f0.exit_code``, ``f0.error``, ``f0.duration_s``, ``f0.step.type``,
  ``f0.depends_on``, ``f0.param.<name>`` (JSON, cut at ``max_param_chars``;
  at most ``max_params``), ``f0.run_id``, ``f0.correlation_id``.

The attempt span itself is opened where the attempt runs
(:class:`~f0_otel._attempt.AttemptSpan`), with a span id chosen here so the
dependants' links are known before it is exported.
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from typing import TYPE_CHECKING

from f0 import RunStatus, hookimpl
from opentelemetry import trace
from opentelemetry.trace import Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from f0_otel._attempt import AttemptSpan
from f0_otel._provider import adopt, make_provider, register, set_global, unregister
from f0_otel.config import ExporterConfig

if TYPE_CHECKING:
    from f0 import Delta, RunInfo, RunResult, Step, StepResult
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.util.types import AttributeValue

__all__ = ["RunTracer", "step_attributes"]

_PROPAGATOR = TraceContextTextMapPropagator()


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def step_attributes(
    step: Step, *, max_params: int = 32, max_param_chars: int = 256
) -> dict[str, AttributeValue]:
    """The attributes every attempt span of *step* gets (parameters size-capped)."""
    attributes: dict[str, AttributeValue] = {
        "f0.step": step.name,
        "f0.step.type": step.type,
        "f0.depends_on": list(step.depends_on),
    }
    params = step.params
    for name in sorted(params)[:max_params]:
        try:
            text = json.dumps(params[name], sort_keys=True, default=str)
        except ValueError:  # a circular value: its repr says enough
            text = repr(params[name])
        attributes[f"f0.param.{name}"] = _cut(text, max_param_chars)
    if len(params) > max_params:
        attributes["f0.params_dropped"] = len(params) - max_params
    return attributes


class RunTracer:
    """Traces one run at a time: register it with the plugin manager for the run.

    ``f0 run --otel`` does that; in Python, ``pm.register(RunTracer(provider=...))``
    with your own SDK provider (an in-memory exporter in tests): it gets an id
    generator that hands out the attempts' preset span ids (and its own
    generator's ids otherwise). Without *provider*, one is made for *config*
    and shut down (flushed) when the run ends.
    """

    def __init__(
        self,
        config: ExporterConfig | None = None,
        *,
        provider: TracerProvider | None = None,
        set_global_provider: bool = True,
        max_params: int = 32,
        max_param_chars: int = 256,
    ) -> None:
        self.config = config or ExporterConfig(kind="memory")
        self._own_provider = provider is None
        if provider is None:
            provider = make_provider(self.config.make_exporter(), batched=self.config.batched)
        else:
            adopt(provider)  # attempt span ids are chosen here, for the links
        self.provider = provider
        if set_global_provider:
            set_global(self.provider)
        # The setup's token names this process: attempts running here use the
        # provider above; elsewhere they build their own from `config`.
        self.token = f"{uuid.uuid4().hex}@{os.getpid()}"
        register(self.token, self.provider)
        self.tracer = self.provider.get_tracer("f0")
        self.max_params = max_params
        self.max_param_chars = max_param_chars
        self._lock = threading.Lock()
        self._run_span: trace.Span | None = None
        self._parent: dict[str, str] = {}
        self._attempt_ids: dict[tuple[str, int], int] = {}
        self._last_attempt: dict[str, int] = {}
        self._step_attributes: dict[str, dict[str, AttributeValue]] = {}

    @hookimpl
    def f0_run_started(self, run: RunInfo) -> None:
        """Open the run span."""
        outer = _PROPAGATOR.extract(
            {k.lower(): v for k, v in os.environ.items() if k in {"TRACEPARENT", "TRACESTATE"}}
        )
        span = self.tracer.start_span(
            f"run {run.recipe.name}",
            context=outer,
            start_time=int(run.started_at * 1e9),
            attributes={
                "f0.run_id": run.run_id,
                "f0.recipe": run.recipe.name,
                "f0.recipe.path": str(run.recipe.path or ""),
                "f0.correlation_id": run.correlation_id,
                "f0.scheduler": run.scheduler,
                "f0.steps": len(run.recipe.steps),
            },
        )
        carrier: dict[str, str] = {}
        _PROPAGATOR.inject(carrier, context=trace.set_span_in_context(span))
        with self._lock:
            self._run_span = span
            self._parent = carrier
            self._attempt_ids.clear()
            self._last_attempt.clear()
            self._step_attributes.clear()

    @hookimpl
    def f0_attempt_wrappers(self, run: RunInfo, step: Step, attempt: int) -> list[AttemptSpan]:
        """The span of this attempt, to be opened where it runs."""
        from f0_otel._provider import new_span_id

        span_id = new_span_id()
        with self._lock:
            self._attempt_ids[(step.name, attempt)] = span_id
            run_span = self._run_span
            trace_id = run_span.get_span_context().trace_id if run_span is not None else 0
            links = tuple(
                (trace_id, self._last_attempt[d])
                for d in step.depends_on
                if d in self._last_attempt
            )
            common = self._step_attributes.get(step.name)
            if common is None:
                common = self._step_attributes[step.name] = step_attributes(
                    step, max_params=self.max_params, max_param_chars=self.max_param_chars
                )
            parent = self._parent
        attributes: dict[str, AttributeValue] = {
            **common,
            "f0.run_id": run.run_id,
            "f0.correlation_id": run.correlation_id,
            "f0.attempt": attempt,
            "f0.retry_count": attempt - 1,
        }
        return [
            AttemptSpan(
                token=self.token,
                config=self.config,
                parent=parent,
                span_id=span_id,
                links=links if trace_id else (),
                attributes=attributes,
            )
        ]

    @hookimpl
    def f0_step_finished(self, run: RunInfo, step: Step, result: StepResult, delta: Delta) -> None:  # noqa: ARG002 - hook signature
        """Remember the step's last attempt (for its dependants' links); note it on the run span."""
        with self._lock:
            last = self._attempt_ids.get((step.name, result.attempts))
            if last is not None:
                self._last_attempt[step.name] = last
            run_span = self._run_span
        if run_span is not None:
            event: dict[str, AttributeValue] = {
                "f0.step": step.name,
                "f0.status": result.status.value,
                "f0.attempts": result.attempts,
            }
            if result.error:
                event["f0.error"] = result.error
            run_span.add_event("step.finished", event)

    @hookimpl
    def f0_run_finished(self, run: RunInfo, result: RunResult) -> None:  # noqa: ARG002 - hook signature
        """Close the run span and send what is left to the exporter."""
        with self._lock:
            span, self._run_span = self._run_span, None
        if span is None:
            return
        span.set_attribute("f0.status", result.status.value)
        if result.status is RunStatus.COMPLETED:
            span.set_status(Status(StatusCode.OK))
        else:
            failed = [n for n, r in result.steps.items() if r.status.value == "FAILED"]
            span.set_status(
                Status(StatusCode.ERROR, f"run {result.status.value}: failed {', '.join(failed)}")
            )
        span.end(end_time=int(result.finished_at * 1e9))
        self.provider.force_flush()
        unregister(self.token)
        if self._own_provider:
            self.provider.shutdown()

    def current_trace_id(self) -> str | None:
        """The hex trace id of the run in progress (None between runs)."""
        span = self._run_span
        return None if span is None else format(span.get_span_context().trace_id, "032x")
