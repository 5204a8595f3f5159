"""BaseScriptlet: port Framework0 scriptlets to f0 unchanged (placeholder, being written)."""

from __future__ import annotations

from typing import Any

__all__ = ["BaseScriptlet"]


class BaseScriptlet:
    """Base class of a Framework0-style scriptlet: override ``run(context, params)``."""

    def run(self, context: Any, params: dict[str, Any]) -> int:
        """Do the step's work; return 0 on success."""
        raise NotImplementedError
