"""``orchestrator.context.context``: the module Framework0's ``Context`` was defined in."""

from __future__ import annotations

from f0_compat.context import Context

__all__ = ["Context"]
