"""The checks: system resources and processes (psutil), and custom functions."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from f0_health._model import (
    HealthCheckResult,
    HealthStatus,
    HealthThreshold,
    percent_threshold,
    worst,
)

__all__ = ["CustomHealthChecker", "ServiceHealthChecker", "SystemResourceChecker"]


def _timed(name: str, fn: Callable[[], HealthCheckResult]) -> HealthCheckResult:
    start = time.perf_counter()
    try:
        result = fn()
    except Exception as exc:  # noqa: BLE001 - a check that breaks is a result, not a crash
        return HealthCheckResult(
            check_name=name,
            status=HealthStatus.UNKNOWN,
            message=f"{name}: could not be measured: {type(exc).__name__}: {exc}",
            error=f"{type(exc).__name__}: {exc}",
            execution_time=time.perf_counter() - start,
        )
    return HealthCheckResult(
        check_name=result.check_name,
        status=result.status,
        message=result.message,
        metrics=result.metrics,
        error=result.error,
        execution_time=time.perf_counter() - start,
    )


def _usage(
    name: str, percent: float, threshold: HealthThreshold, what: str, metrics: Mapping[str, Any]
) -> HealthCheckResult:
    status = threshold.evaluate(percent)
    why = threshold.describe(status)
    message = f"{what} {percent:.1f}% used" + (f" ({why})" if why else "")
    return HealthCheckResult(check_name=name, status=status, message=message, metrics=metrics)


class SystemResourceChecker:
    """CPU, memory and disk usage against thresholds (default: warning > 80 %, critical > 95 %)."""

    def __init__(
        self,
        sample_duration: float = 1.0,
        thresholds: Mapping[str, HealthThreshold] | None = None,
    ) -> None:
        self.sample_duration = float(sample_duration)
        self.thresholds = {m: percent_threshold(m) for m in ("cpu", "memory", "disk")}
        self.thresholds.update(thresholds or {})

    def check_cpu_usage(self) -> HealthCheckResult:
        """CPU use over ``sample_duration`` seconds."""
        import psutil

        def measure() -> HealthCheckResult:
            percent = float(psutil.cpu_percent(interval=self.sample_duration))
            metrics = {
                "cpu_percent": percent,
                "cpu_count": psutil.cpu_count(),
                "load_average": list(os.getloadavg()),
            }
            return _usage("cpu", percent, self.thresholds["cpu"], "CPU", metrics)

        return _timed("cpu", measure)

    def check_memory_usage(self) -> HealthCheckResult:
        """Virtual memory in use."""
        import psutil

        def measure() -> HealthCheckResult:
            mem = psutil.virtual_memory()
            metrics = {
                "memory_percent": float(mem.percent),
                "total_bytes": mem.total,
                "available_bytes": mem.available,
            }
            return _usage(
                "memory", float(mem.percent), self.thresholds["memory"], "memory", metrics
            )

        return _timed("memory", measure)

    def check_disk_usage(
        self, paths: Iterable[str | os.PathLike[str]] | None = None
    ) -> HealthCheckResult:
        """Disk use of the file systems holding *paths* (default ``/``); the worst one counts."""
        import psutil

        def measure() -> HealthCheckResult:
            per_path: dict[str, float] = {}
            statuses = []
            for path in [os.fspath(p) for p in (paths or ["/"])]:
                percent = float(psutil.disk_usage(path).percent)
                per_path[path] = percent
                statuses.append(self.thresholds["disk"].evaluate(percent))
            fullest = max(per_path, key=per_path.__getitem__)
            result = _usage(
                "disk",
                per_path[fullest],
                self.thresholds["disk"],
                f"disk {fullest}",
                {"disk_percent": per_path},
            )
            return HealthCheckResult(
                check_name="disk",
                status=worst(statuses),
                message=result.message,
                metrics=result.metrics,
            )

        return _timed("disk", measure)


class ServiceHealthChecker:
    """Whether processes are running."""

    def check_process_running(self, names: Iterable[str]) -> HealthCheckResult:
        """HEALTHY when a process of each name runs; CRITICAL naming those that do not."""
        import psutil

        wanted = list(names)

        def measure() -> HealthCheckResult:
            counts = dict.fromkeys(wanted, 0)
            for proc in psutil.process_iter(["name", "cmdline"]):
                info = proc.info
                cmd = info.get("cmdline") or []
                candidates = {info.get("name") or "", Path(cmd[0]).name if cmd else ""}
                for name in wanted:
                    if name in candidates:
                        counts[name] += 1
            missing = [n for n, c in counts.items() if c == 0]
            if missing:
                message = f"not running: {', '.join(missing)}"
                return HealthCheckResult(
                    check_name="process",
                    status=HealthStatus.CRITICAL,
                    message=message,
                    metrics={"processes": counts},
                )
            message = "running: " + ", ".join(f"{n} ({c})" for n, c in counts.items())
            return HealthCheckResult(
                check_name="process",
                status=HealthStatus.HEALTHY,
                message=message,
                metrics={"processes": counts},
            )

        return _timed("process", measure)


CheckFn = Callable[[], Any]


class CustomHealthChecker:
    """Checks written as functions returning ``(HealthStatus, message)`` (or with metrics as a third item)."""

    def __init__(self) -> None:
        self._checks: dict[str, CheckFn] = {}

    def register_check(self, name: str, fn: CheckFn) -> None:
        """Add check *name*."""
        self._checks[name] = fn

    @property
    def names(self) -> list[str]:
        """The registered checks."""
        return list(self._checks)

    def run_custom_check(self, name: str) -> HealthCheckResult:
        """Run check *name*; an exception (or a malformed answer) is CRITICAL with the error."""
        fn = self._checks[name]
        start = time.perf_counter()
        try:
            answer = fn()
            status, message, metrics = _read_answer(answer)
        except Exception as exc:  # noqa: BLE001 - a failing check is CRITICAL (spec)
            error = f"{type(exc).__name__}: {exc}"
            return HealthCheckResult(
                check_name=name,
                status=HealthStatus.CRITICAL,
                message=f"{name}: check raised {error}",
                error=error,
                execution_time=time.perf_counter() - start,
            )
        return HealthCheckResult(
            check_name=name,
            status=status,
            message=message,
            metrics=metrics,
            execution_time=time.perf_counter() - start,
        )

    def run_all(self) -> list[HealthCheckResult]:
        """Every registered check, in registration order."""
        return [self.run_custom_check(name) for name in self._checks]


def _read_answer(answer: Any) -> tuple[HealthStatus, str, Mapping[str, Any]]:
    if not isinstance(answer, tuple | list) or len(answer) not in {2, 3}:
        msg = f"a check must return (status, message[, metrics]), not {answer!r}"
        raise TypeError(msg)
    status = HealthStatus(
        str(answer[0]).upper() if not isinstance(answer[0], HealthStatus) else answer[0]
    )
    metrics = answer[2] if len(answer) == 3 else {}  # noqa: PLR2004 - (status, message, metrics)
    if not isinstance(metrics, Mapping):
        msg = "a check's metrics must be a mapping"
        raise TypeError(msg)
    return status, str(answer[1]), metrics
