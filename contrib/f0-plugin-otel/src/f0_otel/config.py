"""Which exporter spans go to: parsed once in ``f0 run``, rebuilt in worker processes.

An :class:`ExporterConfig` is a small picklable value: it travels with every
attempt so that a worker process (``--processes``) or a Dask worker can
build the same exporter and send its spans itself.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import attrs
from f0 import UsageError

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import ReadableSpan
    from opentelemetry.sdk.trace.export import SpanExporter

__all__ = ["KINDS", "ExporterConfig"]

Kind = Literal["otlp-http", "otlp-grpc", "console", "file", "memory"]
KINDS = ("otlp", "otlp-http", "otlp-grpc", "console", "file:PATH")


def _otlp_protocol() -> Kind:
    """``otlp`` means what the standard OTel variables say (http/protobuf by default)."""
    protocol = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or os.environ.get(
        "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"
    )
    return "otlp-grpc" if protocol.strip().lower() == "grpc" else "otlp-http"


@attrs.frozen(kw_only=True)
class ExporterConfig:
    """An exporter: its kind, and the OTLP endpoint or the file path."""

    kind: Kind
    endpoint: str | None = None
    #: *endpoint* is the full traces URL (``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``), used as is.
    exact: bool = False
    path: str | None = None

    @classmethod
    def parse(cls, text: str | None, endpoint: str | None = None) -> ExporterConfig:
        """``--otel-exporter`` (None: ``otlp``) and ``--otel-endpoint``; UsageError if unknown."""
        value = (text or "otlp").strip()
        if value.startswith("file:"):
            path = value.removeprefix("file:")
            if not path:
                msg = "file: needs a path, as in file:spans.jsonl"
                raise UsageError(msg, where="--otel-exporter")
            return cls(kind="file", path=str(Path(path).resolve()))
        if value in {"otlp", "otlp-http", "otlp-grpc"}:
            kind = _otlp_protocol() if value == "otlp" else value
            exact = False
            if endpoint is None:
                # Read here, in f0 run, not by each worker's exporter: Dask
                # workers on other machines do not share this environment.
                traces = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
                endpoint = traces or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
                exact = bool(traces)
            return cls(kind=kind, endpoint=endpoint, exact=exact)  # type: ignore[arg-type]
        if value == "console":
            return cls(kind="console")
        msg = f"unknown exporter {value!r}; use one of: {', '.join(KINDS)}"
        raise UsageError(msg, where="--otel-exporter")

    @property
    def batched(self) -> bool:
        """Network exporters send in batches; local ones write each span as it ends."""
        return self.kind in {"otlp-http", "otlp-grpc"}

    def make_exporter(self) -> SpanExporter | None:
        """The exporter, or None for ``memory`` (an in-memory exporter lives in one process only)."""
        if self.kind == "otlp-http":
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
                OTLPSpanExporter as HTTPExporter,
            )

            url = self.endpoint if self.exact else _http_traces_url(self.endpoint)
            return HTTPExporter(endpoint=url)
        if self.kind == "otlp-grpc":
            try:
                from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
                    OTLPSpanExporter as GRPCExporter,
                )
            except ImportError:
                msg = "OTLP over gRPC needs: pip install 'f0-plugin-otel[grpc]'"
                raise UsageError(msg, where="--otel-exporter") from None
            return GRPCExporter(endpoint=self.endpoint)
        if self.kind in {"console", "file"}:
            from opentelemetry.sdk.trace.export import ConsoleSpanExporter

            # One JSON object per line. Console: stderr, so `f0 run --json` keeps
            # stdout. File: appended, one write per span, so worker processes
            # can share it (O_APPEND).
            out = sys.stderr if self.path is None else Path(self.path).open("a", encoding="utf-8")  # noqa: SIM115 - lives as long as the exporter
            return ConsoleSpanExporter(out=out, formatter=_json_line)
        return None


def _http_traces_url(endpoint: str | None) -> str | None:
    """As for ``OTEL_EXPORTER_OTLP_ENDPOINT``: a bare ``http://host:port`` gets ``/v1/traces``."""
    if endpoint is None:
        return None  # the exporter reads the OTEL_EXPORTER_OTLP_* variables itself
    base = endpoint.rstrip("/")
    return base if base.endswith("/v1/traces") else base + "/v1/traces"


def _json_line(span: ReadableSpan) -> str:
    return str(span.to_json(indent=None)) + "\n"
