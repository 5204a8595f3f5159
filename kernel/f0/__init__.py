"""f0: a plugin-first workflow orchestrator.

The public API for plugin and step authors. Everything not listed in
``__all__`` (and every ``f0._x`` module) is internal.
"""

from __future__ import annotations

from f0._markers import hookimpl, hookspec
from f0.context import Context, StepClosedError, StepContext, normalize_value
from f0.errors import (
    F0Error,
    MissingProviderError,
    PluginError,
    RecipeError,
    RecipeValidationError,
    StepFailedError,
    UsageError,
)
from f0.model import (
    Delta,
    Problem,
    Recipe,
    RetryPolicy,
    RunInfo,
    RunResult,
    RunStatus,
    SchedulerOptions,
    Severity,
    SourcePos,
    Step,
    StepOutcome,
    StepResult,
    StepStatus,
)
from f0.attempt import run_attempt
from f0.plan import Plan, build_plan
from f0.validate import COMMON_STEP_KEYS
from f0.protocols import BundleTarget, ContextStore, RunStore, Scheduler, StepEnv, StepRunner
from f0.scriptlet import BaseScriptlet
from f0.session import RunSession

__version__ = "0.1.0"

__all__ = [
    "COMMON_STEP_KEYS",
    "BaseScriptlet",
    "BundleTarget",
    "Context",
    "ContextStore",
    "Delta",
    "F0Error",
    "MissingProviderError",
    "Plan",
    "PluginError",
    "Problem",
    "Recipe",
    "RecipeError",
    "RecipeValidationError",
    "RetryPolicy",
    "RunInfo",
    "RunResult",
    "RunSession",
    "RunStatus",
    "RunStore",
    "Scheduler",
    "SchedulerOptions",
    "Severity",
    "SourcePos",
    "Step",
    "StepClosedError",
    "StepContext",
    "StepEnv",
    "StepFailedError",
    "StepOutcome",
    "StepResult",
    "StepRunner",
    "StepStatus",
    "UsageError",
    "__version__",
    "build_plan",
    "hookimpl",
    "hookspec",
    "normalize_value",
    "run_attempt",
]
