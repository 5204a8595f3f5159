"""Health statuses, thresholds and check results (``spec/scriptlets.md`` §2, Health)."""

from __future__ import annotations

import enum
import time
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

__all__ = [
    "DEFAULT_CRITICAL",
    "DEFAULT_WARNING",
    "EXIT_CODES",
    "HealthCheckResult",
    "HealthStatus",
    "HealthThreshold",
    "percent_threshold",
    "worst",
]

#: Proposed default thresholds of the spec: cpu/memory/disk warning above 80 %, critical above 95 %.
DEFAULT_WARNING = 80.0
DEFAULT_CRITICAL = 95.0


class HealthStatus(enum.StrEnum):
    """How healthy something is."""

    HEALTHY = "HEALTHY"
    WARNING = "WARNING"
    CRITICAL = "CRITICAL"
    UNKNOWN = "UNKNOWN"


#: Worst-first ranking: CRITICAL > UNKNOWN > WARNING > HEALTHY (an unmeasurable
#: check is worse than a warning: nobody knows it is fine).
_RANK = {
    HealthStatus.HEALTHY: 0,
    HealthStatus.WARNING: 1,
    HealthStatus.UNKNOWN: 2,
    HealthStatus.CRITICAL: 3,
}
#: ``f0 health`` exit codes (the Nagios plugin convention).
EXIT_CODES = {
    HealthStatus.HEALTHY: 0,
    HealthStatus.WARNING: 1,
    HealthStatus.CRITICAL: 2,
    HealthStatus.UNKNOWN: 3,
}


def worst(statuses: Iterable[HealthStatus]) -> HealthStatus:
    """The worst of *statuses* (HEALTHY for none)."""
    return max(statuses, key=_RANK.__getitem__, default=HealthStatus.HEALTHY)


@attrs.frozen(kw_only=True)
class HealthThreshold:
    """Bounds of one metric: CRITICAL outside a critical bound, else WARNING outside a warning bound."""

    metric_name: str
    warning_min: float | None = None
    warning_max: float | None = None
    critical_min: float | None = None
    critical_max: float | None = None
    enabled: bool = True

    def evaluate(self, value: float) -> HealthStatus:
        """The status of *value* (HEALTHY when disabled). Bounds are inclusive: 80.0 is not above 80."""
        if not self.enabled:
            return HealthStatus.HEALTHY
        if _outside(value, self.critical_min, self.critical_max):
            return HealthStatus.CRITICAL
        if _outside(value, self.warning_min, self.warning_max):
            return HealthStatus.WARNING
        return HealthStatus.HEALTHY

    def describe(self, status: HealthStatus) -> str:
        """Which bound *status* crossed, for messages (``critical above 95%``)."""
        if status is HealthStatus.CRITICAL:
            return _bounds("critical", self.critical_min, self.critical_max)
        if status is HealthStatus.WARNING:
            return _bounds("warning", self.warning_min, self.warning_max)
        return ""


def _outside(value: float, low: float | None, high: float | None) -> bool:
    return (low is not None and value < low) or (high is not None and value > high)


def _bounds(kind: str, low: float | None, high: float | None) -> str:
    parts = [
        f"above {high:g}%" if high is not None else "",
        f"below {low:g}%" if low is not None else "",
    ]
    return f"{kind} " + " or ".join(p for p in parts if p)


def percent_threshold(
    metric: str, warning: float = DEFAULT_WARNING, critical: float = DEFAULT_CRITICAL
) -> HealthThreshold:
    """A usage threshold: WARNING above *warning* %, CRITICAL above *critical* %."""
    return HealthThreshold(metric_name=metric, warning_max=warning, critical_max=critical)


@attrs.frozen(kw_only=True)
class HealthCheckResult:
    """The outcome of one check."""

    check_name: str
    status: HealthStatus
    message: str
    metrics: Mapping[str, Any] = attrs.field(factory=dict)
    execution_time: float = 0.0
    timestamp: float = attrs.field(factory=time.time)
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        data = attrs.asdict(self)
        data["status"] = self.status.value
        data["metrics"] = dict(self.metrics)
        return data
