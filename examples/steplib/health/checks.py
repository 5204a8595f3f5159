"""Custom health checks of the health example: functions returning (status, message[, metrics])."""

from __future__ import annotations

from pathlib import Path

from f0_health import HealthStatus


def inbox_backlog():
    """WARNING when more than 100 files wait in inbox/ (CRITICAL above 1000)."""
    inbox = Path(__file__).with_name("inbox")
    count = sum(1 for _ in inbox.iterdir()) if inbox.is_dir() else 0
    if count > 1000:
        return HealthStatus.CRITICAL, f"{count} files waiting in inbox/", {"files": count}
    if count > 100:
        return HealthStatus.WARNING, f"{count} files waiting in inbox/", {"files": count}
    return HealthStatus.HEALTHY, f"{count} files waiting in inbox/", {"files": count}
