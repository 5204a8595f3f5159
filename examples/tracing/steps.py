"""Steps of the tracing demo: they log through ``context.log`` and make their own spans."""

from __future__ import annotations

import time
from typing import Any

try:  # spans of the step's own, when f0-plugin-otel (and so OpenTelemetry) is installed
    from opentelemetry import trace

    tracer: Any = trace.get_tracer("tracing-demo")
except ImportError:  # pragma: no cover - the demo runs without it too
    tracer = None

_failures: dict[str, int] = {}


def _busy(name: str, seconds: float) -> None:
    if tracer is None:
        time.sleep(seconds)
        return
    with tracer.start_as_current_span(f"{name}.io"):
        time.sleep(seconds)


def work(context: Any, params: dict[str, Any]) -> None:
    """Sleep *seconds* (inside a span of its own), then set *out*."""
    context.log.info("work.begin", seconds=params["seconds"])
    _busy(params["out"], params["seconds"])
    context.set(params["out"], True)


def flaky(context: Any, params: dict[str, Any]) -> None:
    """Fail the first *fail_times* attempts in this process, then succeed."""
    seen = _failures.get("flaky", 0)
    _busy("enrich", params["seconds"])
    if seen < params["fail_times"]:
        _failures["flaky"] = seen + 1
        context.log.warning("enrich.upstream_busy", attempt_failed=seen + 1)
        msg = "upstream busy, try again"
        raise RuntimeError(msg)
    context.set("enriched", True)


def fail(context: Any, params: dict[str, Any]) -> None:
    """Always fail (the audit finds a problem)."""
    _busy("audit", params["seconds"])
    context.log.error("audit.mismatch", expected=3, found=2)
    msg = "audit: 2 records, expected 3"
    raise ValueError(msg)
