"""f0-trace: Framework0's request tracer, I/O trace logger and debug environment, on f0's logging.

Inside an f0 run (step code) requests take the run's correlation id, every
record carries the run's ids and every log line goes through
:func:`f0.get_logger`, so ``--log-json`` shows them with ``run_id``,
``step`` and ``attempt``.
"""

from __future__ import annotations

from f0_trace.debug import Breakpoint, DebugEnvironmentManager, DebugSession
from f0_trace.safe_eval import ConditionError
from f0_trace.trace_logger import TraceEntry, TraceLoggerV2
from f0_trace.tracer import RequestTrace, RequestTracerV2, TraceSpan

__all__ = [
    "Breakpoint",
    "ConditionError",
    "DebugEnvironmentManager",
    "DebugSession",
    "RequestTrace",
    "RequestTracerV2",
    "TraceEntry",
    "TraceLoggerV2",
    "TraceSpan",
]
