"""Per-step cost of f0-plugin-otel: tracing off, tracing on, beside the floor.

Run with ``python benchmarks/otel_bench.py [--json]`` (seconds, not minutes).

The same no-op recipes as ``overhead.py`` (a chain and a fan-out/fan-in),
best of ``--repeats``, in microseconds per step:

``plain loop``   the floor: each step called in dependency order.
``off``          ``f0.engine.run_recipe``, local scheduler, f0-plugin-otel
                 *installed* (its module registered) but tracing not asked
                 for: what every user without ``--otel`` pays.
``on``           the same with a :class:`~f0_otel.tracer.RunTracer`: a run
                 span, a span per attempt (opened by its attempt wrapper),
                 links, parameters, exported through a BatchSpanProcessor to
                 an exporter that drops them (the network is not measured).

``added`` is on - off: the per-step price of tracing.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).parent))

import f0_otel
from f0 import Recipe, RunStatus, SchedulerOptions
from f0.engine import run_recipe
from f0.hooks import Hooks
from f0.manager import PluginSelection, make_plugin_manager
from f0_otel.tracer import RunTracer
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from overhead import BenchPlugin, best_of, chain, fan, plain_loop

if TYPE_CHECKING:
    from collections.abc import Sequence

    from f0 import Step
    from opentelemetry.sdk.trace import ReadableSpan


class DropExporter(SpanExporter):
    """Accepts every span and keeps none."""

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:  # noqa: ARG002
        return SpanExportResult.SUCCESS


def make_hooks(*, tracing: bool) -> Hooks:
    pm = make_plugin_manager(PluginSelection(autoload=False, load=("local", "context")))
    pm.register(BenchPlugin(), name="bench")
    pm.register(f0_otel, name="otel")  # installed, as for every user
    if tracing:
        provider = TracerProvider()
        provider.add_span_processor(BatchSpanProcessor(DropExporter(), max_queue_size=100_000))
        pm.register(RunTracer(provider=provider, set_global_provider=False), name="otel-run")
    return Hooks(pm)


def run(hooks: Hooks, steps: list[Step], options: SchedulerOptions) -> None:
    result = run_recipe(hooks, Recipe(name="bench", steps=steps), options=options)
    if result.status is not RunStatus.COMPLETED:
        msg = f"benchmark run did not complete: {result.status}"
        raise RuntimeError(msg)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--chain", type=int, default=300)
    parser.add_argument("--width", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    options = SchedulerOptions(workers=args.workers)
    off, on = make_hooks(tracing=False), make_hooks(tracing=True)
    for hooks in (off, on):
        run(hooks, chain(20), options)  # warm-up: imports, pools
    rows: list[dict[str, Any]] = []
    for shape, steps in (
        (f"chain {args.chain}", chain(args.chain)),
        (f"fan 1->{args.width}->1", fan(args.width)),
    ):
        best = best_of(
            args.repeats,
            {
                "plain": lambda steps=steps: plain_loop(steps),
                "off": lambda steps=steps: run(off, steps, options),
                "on": lambda steps=steps: run(on, steps, options),
            },
        )
        us = {k: v / len(steps) * 1e6 for k, v in best.items()}
        rows.append(
            {
                "shape": shape,
                "plain_loop_us": round(us["plain"], 3),
                "off_us": round(us["off"], 2),
                "on_us": round(us["on"], 2),
                "added_us": round(us["on"] - us["off"], 2),
                "off_x_plain": round(us["off"] / us["plain"], 1),
                "on_x_plain": round(us["on"] / us["plain"], 1),
            }
        )
    meta = {"python": platform.python_version(), "repeats": args.repeats, "workers": args.workers}
    if args.json:
        print(json.dumps({"meta": meta, "rows": rows}))
        return 0
    print(f"f0-plugin-otel, us/step, best of {args.repeats} (Python {meta['python']})")
    print(
        f"{'shape':<16} {'plain loop':>10} {'off':>8} {'on':>8} {'added':>8} {'off x':>6} {'on x':>6}"
    )
    for r in rows:
        print(
            f"{r['shape']:<16} {r['plain_loop_us']:>10.2f} {r['off_us']:>8.1f} {r['on_us']:>8.1f} "
            f"{r['added_us']:>8.1f} {r['off_x_plain']:>6.0f} {r['on_x_plain']:>6.0f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
