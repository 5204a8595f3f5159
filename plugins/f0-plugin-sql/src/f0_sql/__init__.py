"""f0-plugin-sql: the ``sql`` step type and database operations for step code.

Public API (loaded on first use, so ``import f0_sql`` for the hooks does not
import SQLAlchemy)::

    from f0_sql import DatabaseOperationsManager, DatabaseOperationsError

Hooks: ``f0_step_runner`` provides the ``sql`` step type and
``f0_step_types`` lists it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from f0 import hookimpl, lazy_getattr

if TYPE_CHECKING:
    from f0 import StepRunner

    from f0_sql._errors import DatabaseOperationsError
    from f0_sql._ops import OPERATIONS, DatabaseOperationsManager, jsonable, resolve_url

__all__ = [
    "OPERATIONS",
    "STEP_TYPES",
    "DatabaseOperationsError",
    "DatabaseOperationsManager",
    "f0_step_runner",
    "f0_step_types",
    "jsonable",
    "resolve_url",
]

#: The step types this plugin provides.
STEP_TYPES = ("sql",)

_EXPORTS: dict[str, str] = {
    "DatabaseOperationsError": "f0_sql._errors",
    "DatabaseOperationsManager": "f0_sql._ops",
    "OPERATIONS": "f0_sql._ops",
    "jsonable": "f0_sql._ops",
    "resolve_url": "f0_sql._ops",
}

__getattr__ = lazy_getattr(__name__, _EXPORTS)


@hookimpl
def f0_step_runner(step_type: str) -> StepRunner | None:
    """The runner of ``type: sql`` steps; None for other types."""
    if step_type != "sql":
        return None
    from f0_sql._step import SqlStepRunner

    return SqlStepRunner()


@hookimpl
def f0_step_types() -> list[str]:
    """``["sql"]``."""
    return list(STEP_TYPES)
