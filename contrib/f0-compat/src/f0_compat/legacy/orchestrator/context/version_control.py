"""``orchestrator.context.version_control``: Framework0's ``VersionControl``."""

from __future__ import annotations

from f0_compat.context_persistence import VersionControl

__all__ = ["VersionControl"]
