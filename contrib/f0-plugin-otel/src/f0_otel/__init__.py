"""f0-plugin-otel: OpenTelemetry traces of f0 runs.

``f0 run RECIPE --otel`` (or ``F0_OTEL=1``) makes one trace per run: a
``run <recipe>`` span, and under it one ``step <name>`` span per step
attempt (status, duration, retry count, the step's parameters), linked to
the spans of the steps it depends on. The attempt span is opened where the
attempt runs (through ``f0_attempt_wrappers``), so in pool threads, worker
processes and Dask workers alike, spans the step's own code makes are its
children. Exporters: OTLP over HTTP or gRPC, the console, a JSON-lines file.

Tracing is off unless asked for; importing this module loads no
OpenTelemetry code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from f0 import hookimpl

if TYPE_CHECKING:
    from f0 import RunOption

__all__ = ["f0_run_observers", "f0_run_options"]


@hookimpl
def f0_run_options() -> list[RunOption]:
    """Add ``--otel``, ``--otel-exporter`` and ``--otel-endpoint`` to ``f0 run``."""
    from f0 import RunOption

    return [
        RunOption(
            name="otel",
            help="Export an OpenTelemetry trace of the run (a span per step attempt).",
            envvar="F0_OTEL",
            flag=True,
        ),
        RunOption(
            name="otel-exporter",
            help="Where spans go: otlp (protocol from OTEL_EXPORTER_OTLP_PROTOCOL, "
            "default http/protobuf), otlp-http, otlp-grpc, console (stderr) or file:PATH "
            "(JSON lines). Default: otlp.",
            envvar="F0_OTEL_EXPORTER",
            metavar="EXPORTER",
        ),
        RunOption(
            name="otel-endpoint",
            help="OTLP endpoint (default: OTEL_EXPORTER_OTLP_ENDPOINT, else the "
            "collector's default on localhost).",
            envvar="F0_OTEL_ENDPOINT",
            metavar="URL",
        ),
    ]


@hookimpl
def f0_run_observers(options: Mapping[str, Any]) -> list[object]:
    """With ``--otel``: a :class:`~f0_otel.tracer.RunTracer` for this run."""
    if not options.get("otel") and not options.get("otel_exporter"):
        return []
    from f0_otel.config import ExporterConfig
    from f0_otel.tracer import RunTracer

    config = ExporterConfig.parse(options.get("otel_exporter"), options.get("otel_endpoint"))
    return [RunTracer(config)]
