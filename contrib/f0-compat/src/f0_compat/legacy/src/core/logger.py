"""``src.core.logger``: Framework0's ``get_logger(name, debug=...)`` on structlog."""

from __future__ import annotations

from f0_compat.logger import get_logger, is_debug

__all__ = ["get_logger", "is_debug"]
