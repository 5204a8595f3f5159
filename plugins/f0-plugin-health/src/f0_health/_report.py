"""Run a set of checks and format the report (``HealthReporter``)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from f0_health._model import HealthCheckResult, HealthStatus, worst

__all__ = ["CHECKS", "HealthReporter", "load_check_function", "run_checks"]

#: Built-in check names.
CHECKS = ("cpu", "memory", "disk", "process")


def run_checks(
    checks: Sequence[str],
    *,
    thresholds: dict[str, Any] | None = None,
    sample_duration: float = 1.0,
    disk_paths: Iterable[str] | None = None,
    processes: Iterable[str] = (),
    custom: Any = None,
) -> dict[str, Any]:
    """Run *checks* (names from :data:`CHECKS`) and *custom* checks; return the report dict.

    The report is ``{"status", "checks": [result dicts], "timestamp"}``; its
    status is the worst of the checks'.
    """
    from f0_health._checks import ServiceHealthChecker, SystemResourceChecker

    system = SystemResourceChecker(sample_duration, thresholds)
    results: list[HealthCheckResult] = []
    for name in checks:
        if name == "cpu":
            results.append(system.check_cpu_usage())
        elif name == "memory":
            results.append(system.check_memory_usage())
        elif name == "disk":
            results.append(system.check_disk_usage(list(disk_paths) if disk_paths else None))
        elif name == "process":
            results.append(ServiceHealthChecker().check_process_running(processes))
    if custom is not None:
        results.extend(custom.run_all())
    return {
        "status": worst(r.status for r in results).value,
        "checks": [r.to_dict() for r in results],
        "timestamp": time.time(),
    }


class HealthReporter:
    """Formats a report from :func:`run_checks`."""

    def format_health_report(self, report: dict[str, Any], format_type: str = "text") -> str:
        """``text`` (one line a check), ``markdown`` (a table) or ``json``."""
        if format_type == "json":
            return json.dumps(report, indent=2, sort_keys=True)
        checks = report["checks"]
        if format_type == "markdown":
            lines = [
                f"**Health: {report['status']}**",
                "",
                "| check | status | message |",
                "|---|---|---|",
            ]
            lines += [f"| {c['check_name']} | {c['status']} | {c['message']} |" for c in checks]
            return "\n".join(lines)
        if format_type != "text":
            msg = f"unknown report format {format_type!r} (text, markdown, json)"
            raise ValueError(msg)
        width = max((len(c["check_name"]) for c in checks), default=5)
        lines = [f"{c['status']:<9} {c['check_name']:<{width}}  {c['message']}" for c in checks]
        lines.append(f"overall: {report['status']}")
        return "\n".join(lines)


def load_check_function(spec: str, base_dir: Path | None = None) -> Any:
    """``module:function`` → the function; *module* is looked up in *base_dir* first.

    Raises ``ValueError`` with one clear line when it cannot be found.
    """
    module_name, sep, func_name = spec.partition(":")
    if not sep or not module_name or not func_name:
        msg = f"custom check {spec!r}: write it as module:function"
        raise ValueError(msg)
    candidate = (base_dir / f"{module_name.replace('.', '/')}.py") if base_dir else None
    try:
        module = _import(module_name, candidate)
    except Exception as exc:  # noqa: BLE001 - any import failure is the user's module's, reported in one line
        msg = f"custom check {spec!r}: cannot import {module_name!r}: {type(exc).__name__}: {exc}"
        raise ValueError(msg) from None
    fn = getattr(module, func_name, None)
    if not callable(fn):
        msg = f"custom check {spec!r}: module {module_name!r} has no function {func_name!r}"
        raise ValueError(msg)  # noqa: TRY004 - one error type for every bad --check/custom value
    return fn


def _import(module_name: str, candidate: Path | None) -> Any:
    """The module from the file *candidate* if it exists, else from ``sys.path``."""
    import importlib
    import importlib.util

    if candidate is None or not candidate.is_file():
        return importlib.import_module(module_name)
    loader_spec = importlib.util.spec_from_file_location(
        f"f0_health_check_{module_name}", candidate
    )
    if loader_spec is None or loader_spec.loader is None:
        msg = f"cannot load {candidate}"
        raise ImportError(msg)
    module = importlib.util.module_from_spec(loader_spec)
    loader_spec.loader.exec_module(module)
    return module


def status_of(report: dict[str, Any]) -> HealthStatus:
    """The report's overall status."""
    return HealthStatus(report["status"])
