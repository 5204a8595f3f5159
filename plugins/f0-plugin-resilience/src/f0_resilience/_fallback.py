"""``FallbackStrategy`` (``spec/scriptlets.md`` §2): try alternatives when the primary fails."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

__all__ = ["FallbackStrategy"]


@attrs.frozen(kw_only=True)
class _Fallback:
    operation: Callable[..., Any]
    condition: Callable[[BaseException], bool] | None
    priority: int
    description: str
    order: int


class FallbackStrategy:
    """Fallbacks are tried lowest ``priority`` first (ties: in the order added)."""

    def __init__(self, name: str = "default") -> None:
        self.name = name
        self._fallbacks: list[_Fallback] = []

    def add_fallback(
        self,
        operation: Callable[..., Any],
        condition: Callable[[BaseException], bool] | None = None,
        priority: int = 1,
        description: str = "",
    ) -> None:
        """Add *operation*; with *condition*, used only when ``condition(error)`` is true."""
        self._fallbacks.append(
            _Fallback(
                operation=operation,
                condition=condition,
                priority=priority,
                description=description or getattr(operation, "__name__", "fallback"),
                order=len(self._fallbacks),
            )
        )

    def execute_with_fallback(
        self, primary: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> dict[str, Any]:
        """``{"success", "result", "used_fallback", "fallback_description", "error"}``; never raises.

        Fallbacks get the same arguments as *primary*. ``error`` is the
        primary's error (as text) when a fallback was used, or the last error
        when everything failed.
        """
        try:
            value = primary(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - the primary's failure is what fallbacks are for
            error: BaseException = exc
        else:
            return {
                "success": True,
                "result": value,
                "used_fallback": False,
                "fallback_description": None,
                "error": None,
            }
        primary_error = f"{type(error).__name__}: {error}"
        for fb in sorted(self._fallbacks, key=lambda f: (f.priority, f.order)):
            if fb.condition is not None and not fb.condition(error):
                continue
            try:
                value = fb.operation(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - try the next fallback
                error = exc
                continue
            return {
                "success": True,
                "result": value,
                "used_fallback": True,
                "fallback_description": fb.description,
                "error": primary_error,
            }
        return {
            "success": False,
            "result": None,
            "used_fallback": False,
            "fallback_description": None,
            "error": f"{type(error).__name__}: {error}",
        }
