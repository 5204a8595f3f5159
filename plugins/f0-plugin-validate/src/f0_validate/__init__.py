"""f0-plugin-validate: the ``validate`` step type.

JSON Schema validation, completeness / consistency / accuracy checks,
business rules and a data profiler (IQR and z-score outliers). A failing
validation fails the step with every problem listed.

Hooks: ``f0_step_runner`` provides ``validate`` and ``f0_step_types`` lists it.
Python API (loaded on first use)::

    from f0_validate import ValidationResult, validate_schema, profile_dataset
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from f0 import hookimpl, lazy_getattr

if TYPE_CHECKING:
    from f0 import StepRunner

    from f0_validate._profile import profile_dataset
    from f0_validate._quality import check_accuracy, check_completeness, check_consistency
    from f0_validate._result import SEVERITIES, ValidationResult
    from f0_validate._rules import validate_rules
    from f0_validate._schema import schema_problem, validate_schema

__all__ = [
    "SEVERITIES",
    "STEP_TYPES",
    "ValidationResult",
    "check_accuracy",
    "check_completeness",
    "check_consistency",
    "f0_step_runner",
    "f0_step_types",
    "profile_dataset",
    "schema_problem",
    "validate_rules",
    "validate_schema",
]

#: The step types this plugin provides.
STEP_TYPES = ("validate",)

_EXPORTS: dict[str, str] = {
    "profile_dataset": "f0_validate._profile",
    "check_accuracy": "f0_validate._quality",
    "check_completeness": "f0_validate._quality",
    "check_consistency": "f0_validate._quality",
    "SEVERITIES": "f0_validate._result",
    "ValidationResult": "f0_validate._result",
    "validate_rules": "f0_validate._rules",
    "schema_problem": "f0_validate._schema",
    "validate_schema": "f0_validate._schema",
}

__getattr__ = lazy_getattr(__name__, _EXPORTS)


@hookimpl
def f0_step_runner(step_type: str) -> StepRunner | None:
    """The runner of ``type: validate`` steps; None for other types."""
    if step_type != "validate":
        return None
    from f0_validate._step import ValidateStepRunner

    return ValidateStepRunner()


@hookimpl
def f0_step_types() -> list[str]:
    """``["validate"]``."""
    return list(STEP_TYPES)
