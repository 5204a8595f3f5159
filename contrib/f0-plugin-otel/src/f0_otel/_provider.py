"""Tracer providers, one per tracing setup per process, and preset span ids.

The ``f0 run`` process makes the provider of a run (:func:`register`). An
attempt running in another process (``--processes``, Dask) finds none under
the run's token and builds one from the same :class:`ExporterConfig`
(:func:`provider_for`), kept for the next attempts in that process.

Span ids of attempts are chosen in ``f0 run`` (so that the spans of the
steps that depend on one can link to it before it is exported): the SDK's
``IdGenerator`` extension point hands out a preset id when one is pending.
"""

from __future__ import annotations

import contextvars
import os
import threading
from typing import TYPE_CHECKING

from f0 import __version__ as f0_version
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanLimits, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
from opentelemetry.sdk.trace.id_generator import IdGenerator, RandomIdGenerator
from opentelemetry.trace import Tracer

if TYPE_CHECKING:
    from opentelemetry.sdk.trace.export import SpanExporter

    from f0_otel.config import ExporterConfig

__all__ = [
    "PresetIds",
    "adopt",
    "make_provider",
    "new_span_id",
    "preset_span_id",
    "provider_for",
    "register",
    "set_global",
    "unregister",
]

#: Attribute values longer than this are cut by the SDK (errors, parameters).
MAX_ATTRIBUTE_LENGTH = 1024

_next_span_id: contextvars.ContextVar[int] = contextvars.ContextVar("f0_otel_span_id", default=0)
_providers: dict[str, TracerProvider] = {}
_tracers: dict[str, tuple[TracerProvider, Tracer, bool]] = {}
_lock = threading.Lock()


class PresetIds(IdGenerator):
    """Random ids, except the span id :func:`preset_span_id` asked for, once."""

    def __init__(self, fallback: IdGenerator | None = None) -> None:
        self._random = fallback or RandomIdGenerator()

    def generate_span_id(self) -> int:
        """The pending preset id (then none is pending), else a random one."""
        preset = _next_span_id.get()
        if preset:
            _next_span_id.set(0)
            return preset
        return self._random.generate_span_id()

    def generate_trace_id(self) -> int:
        """A random trace id."""
        return self._random.generate_trace_id()


def preset_span_id(span_id: int) -> contextvars.Token[int]:
    """Make the next span started in this context get *span_id*."""
    return _next_span_id.set(span_id)


_RANDOM_IDS = RandomIdGenerator()


def new_span_id() -> int:
    """A fresh random span id (chosen in ``f0 run`` for an attempt)."""
    return _RANDOM_IDS.generate_span_id()


def make_provider(exporter: SpanExporter | None, *, batched: bool) -> TracerProvider:
    """A provider with f0's resource, id generator and limits, exporting to *exporter*."""
    provider = TracerProvider(
        resource=_resource(),
        id_generator=PresetIds(),
        span_limits=SpanLimits(max_span_attribute_length=MAX_ATTRIBUTE_LENGTH),
    )
    if exporter is not None:
        processor = BatchSpanProcessor(exporter) if batched else SimpleSpanProcessor(exporter)
        provider.add_span_processor(processor)
    return provider


def _resource() -> Resource:
    """service.name "f0", unless OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES name one."""
    attributes = {"f0.version": f0_version}
    named = os.environ.get("OTEL_SERVICE_NAME") or "service.name=" in os.environ.get(
        "OTEL_RESOURCE_ATTRIBUTES", ""
    )
    if not named:
        attributes["service.name"] = "f0"
    return Resource.create(attributes)


def adopt(provider: TracerProvider) -> None:
    """Give a provider made elsewhere the preset span ids (its own generator for the rest)."""
    if not isinstance(provider.id_generator, PresetIds):
        # The SDK annotates the attribute with its default class; any IdGenerator works.
        provider.id_generator = PresetIds(provider.id_generator)  # type: ignore[assignment]


def register(token: str, provider: TracerProvider) -> None:
    """Make *provider* the one attempts of the setup *token* use in this process."""
    with _lock:
        _providers[token] = provider


def unregister(token: str) -> None:
    """Forget the setup *token* (its run is over)."""
    with _lock:
        _providers.pop(token, None)
        _tracers.pop(token, None)


def provider_for(token: str, config: ExporterConfig) -> tuple[TracerProvider, Tracer, bool]:
    """The provider and tracer of setup *token* here, and whether this is the run's own process.

    In a worker process the first attempt builds the provider from *config*
    and makes it the global provider (when none is set), so the step's own
    ``trace.get_tracer(...)`` spans are exported too. Cached: this is on
    every traced attempt's path.
    """
    found = _tracers.get(token)
    if found is not None:
        return found
    with _lock:
        provider = _providers.get(token)
        built = provider is None
        if provider is None:
            provider = make_provider(config.make_exporter(), batched=config.batched)
            _providers[token] = provider
        entry = (provider, provider.get_tracer("f0", f0_version), token.endswith(f"@{os.getpid()}"))
        _tracers[token] = entry
    if built:
        set_global(provider)
    return entry


def set_global(provider: TracerProvider) -> None:
    """Make *provider* the global one, unless one is set already (OTel allows one)."""
    # The OTel API allows one global provider per process: keep one already set.
    if isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
        trace.set_tracer_provider(provider)
