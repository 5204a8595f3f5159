"""The span of one step attempt, opened where the attempt runs.

:class:`AttemptSpan` is what ``f0_attempt_wrappers`` returns: a picklable
value (the run span's W3C ``traceparent``, the attempt's preset span id,
links to upstream steps, attributes) that ``f0.run_attempt`` calls around
the step in a pool thread, a worker process or a Dask worker. While the
step runs its span is the current one, so spans the step's code makes are
its children, and log events carry ``trace_id``/``span_id``.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import attrs
import structlog
from opentelemetry import trace
from opentelemetry.trace import Link, SpanContext, Status, StatusCode, TraceFlags
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from f0_otel._provider import _next_span_id, preset_span_id, provider_for

if TYPE_CHECKING:
    from f0 import Step, StepEnv, StepOutcome
    from opentelemetry.context import Context
    from opentelemetry.util.types import AttributeValue

    from f0_otel.config import ExporterConfig

__all__ = ["AttemptSpan", "span_link"]

_PROPAGATOR = TraceContextTextMapPropagator()
_SAMPLED = TraceFlags(TraceFlags.SAMPLED)
_OK = Status(StatusCode.OK)


@functools.lru_cache(maxsize=64)
def _parent_context(traceparent: str) -> Context:
    # The same run span for every attempt of a run: parse its traceparent once.
    return _PROPAGATOR.extract({"traceparent": traceparent})


def span_link(trace_id: int, span_id: int) -> Link:
    """A link to the span (*trace_id*, *span_id*) of an upstream step."""
    return Link(SpanContext(trace_id, span_id, is_remote=True, trace_flags=_SAMPLED))


@attrs.frozen(kw_only=True)
class AttemptSpan:
    """Opens ``step <name>`` for one attempt, as a child of the run span (picklable)."""

    #: The tracing setup (see :func:`f0_otel._provider.provider_for`).
    token: str
    config: ExporterConfig
    #: W3C trace context of the run span.
    parent: Mapping[str, str]
    span_id: int
    #: (trace id, span id) of the last attempt of each upstream step.
    links: tuple[tuple[int, int], ...] = ()
    attributes: Mapping[str, AttributeValue] = attrs.field(factory=dict)

    def wrap_attempt(
        self,
        step: Step,
        env: StepEnv,  # noqa: ARG002 - the ids it holds are already attributes
        attempt: Callable[[], StepOutcome],
    ) -> StepOutcome:
        """Run *attempt* inside its span; record its outcome on the span."""
        provider, tracer, own_process = provider_for(self.token, self.config)
        token = preset_span_id(self.span_id)
        try:
            span = tracer.start_span(
                f"step {step.name}",
                context=_parent_context(self.parent.get("traceparent", "")),
                links=[span_link(t, s) for t, s in self.links],
                attributes=dict(self.attributes),
            )
        finally:
            _next_span_id.reset(token)
        ids = span.get_span_context()
        started = time.perf_counter()
        try:
            bound = structlog.contextvars.bind_contextvars(
                trace_id=format(ids.trace_id, "032x"), span_id=format(ids.span_id, "016x")
            )
            try:
                with trace.use_span(span, end_on_exit=False):
                    outcome = attempt()
            finally:
                structlog.contextvars.reset_contextvars(**bound)
            done: dict[str, AttributeValue] = {
                "f0.duration_s": round(time.perf_counter() - started, 6),
                "f0.success": outcome.success,
                "f0.exit_code": outcome.exit_code,
            }
            if outcome.success:
                span.set_status(_OK)
            else:
                done["f0.error"] = outcome.error or ""
                span.set_status(Status(StatusCode.ERROR, outcome.error))
            span.set_attributes(done)  # one lock, not one per attribute
        finally:
            span.end()
            if not own_process:
                # A worker process may be stopped (or killed) after any attempt.
                provider.force_flush()
        return outcome
