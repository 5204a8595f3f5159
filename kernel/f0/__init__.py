"""f0: a plugin-first workflow orchestrator.

The public API for plugin and step authors. Everything not listed in
``__all__`` (and every ``f0._x`` module) is internal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from f0._markers import hookimpl, hookspec
from f0._version import __version__
from f0.lazy import lazy_getattr

if TYPE_CHECKING:
    from f0.attempt import frame_locals, run_attempt
    from f0.cli import command_group, hooks_of
    from f0.context import Context, StepClosedError, StepContext, normalize_value, value_digest
    from f0.errors import (
        F0Error,
        MissingProviderError,
        PluginError,
        RecipeError,
        RecipeValidationError,
        StepFailedError,
        UsageError,
    )
    from f0.hooks import DEFAULT_STORE_URL
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
    from f0.plan import Plan, build_plan
    from f0.protocols import BundleTarget, Scheduler, Session, StepEnv, StepRunner
    from f0.records import CacheEntry, RunRecord, RunSummary, StepRecord
    from f0.run_option import RunOption
    from f0.scriptlet import (
        BaseScriptlet,
        ComputeScriptlet,
        ExecutionContext,
        IOScriptlet,
        ScriptletCategory,
        ScriptletConfig,
        ScriptletResult,
        ScriptletState,
        register_scriptlet,
    )
    from f0.session import RunSession
    from f0.stores import ContextStore, RunStore
    from f0.validate import COMMON_STEP_KEYS

_EXPORTS: dict[str, str] = {
    "BaseScriptlet": "f0.scriptlet",
    "BundleTarget": "f0.protocols",
    "COMMON_STEP_KEYS": "f0.validate",
    "CacheEntry": "f0.records",
    "ComputeScriptlet": "f0.scriptlet",
    "Context": "f0.context",
    "ContextStore": "f0.stores",
    "DEFAULT_STORE_URL": "f0.hooks",
    "Delta": "f0.model",
    "ExecutionContext": "f0.scriptlet",
    "F0Error": "f0.errors",
    "IOScriptlet": "f0.scriptlet",
    "MissingProviderError": "f0.errors",
    "Plan": "f0.plan",
    "PluginError": "f0.errors",
    "Problem": "f0.model",
    "Recipe": "f0.model",
    "RecipeError": "f0.errors",
    "RecipeValidationError": "f0.errors",
    "RetryPolicy": "f0.model",
    "RunInfo": "f0.model",
    "RunOption": "f0.run_option",
    "RunRecord": "f0.records",
    "RunResult": "f0.model",
    "RunSession": "f0.session",
    "RunStatus": "f0.model",
    "RunStore": "f0.stores",
    "RunSummary": "f0.records",
    "Scheduler": "f0.protocols",
    "Session": "f0.protocols",
    "SchedulerOptions": "f0.model",
    "ScriptletCategory": "f0.scriptlet",
    "ScriptletConfig": "f0.scriptlet",
    "ScriptletResult": "f0.scriptlet",
    "ScriptletState": "f0.scriptlet",
    "Severity": "f0.model",
    "SourcePos": "f0.model",
    "Step": "f0.model",
    "StepClosedError": "f0.context",
    "StepContext": "f0.context",
    "StepEnv": "f0.protocols",
    "StepFailedError": "f0.errors",
    "StepOutcome": "f0.model",
    "StepRecord": "f0.records",
    "StepResult": "f0.model",
    "StepRunner": "f0.protocols",
    "StepStatus": "f0.model",
    "UsageError": "f0.errors",
    "build_plan": "f0.plan",
    "command_group": "f0.cli",
    "frame_locals": "f0.attempt",
    "hooks_of": "f0.cli",
    "normalize_value": "f0.context",
    "register_scriptlet": "f0.scriptlet",
    "run_attempt": "f0.attempt",
    "value_digest": "f0.context",
}


__all__ = [
    "COMMON_STEP_KEYS",
    "DEFAULT_STORE_URL",
    "BaseScriptlet",
    "BundleTarget",
    "CacheEntry",
    "ComputeScriptlet",
    "Context",
    "ContextStore",
    "Delta",
    "ExecutionContext",
    "F0Error",
    "IOScriptlet",
    "MissingProviderError",
    "Plan",
    "PluginError",
    "Problem",
    "Recipe",
    "RecipeError",
    "RecipeValidationError",
    "RetryPolicy",
    "RunInfo",
    "RunOption",
    "RunRecord",
    "RunResult",
    "RunSession",
    "RunStatus",
    "RunStore",
    "RunSummary",
    "Scheduler",
    "SchedulerOptions",
    "ScriptletCategory",
    "ScriptletConfig",
    "ScriptletResult",
    "ScriptletState",
    "Session",
    "Severity",
    "SourcePos",
    "Step",
    "StepClosedError",
    "StepContext",
    "StepEnv",
    "StepFailedError",
    "StepOutcome",
    "StepRecord",
    "StepResult",
    "StepRunner",
    "StepStatus",
    "UsageError",
    "__version__",
    "build_plan",
    "command_group",
    "frame_locals",
    "hookimpl",
    "hooks_of",
    "hookspec",
    "lazy_getattr",
    "normalize_value",
    "register_scriptlet",
    "run_attempt",
    "value_digest",
]


# Lazy exports keep `import f0` (and so `f0 --help`) cheap: a plugin that only
# needs `hookimpl` does not pay for the model, Context and friends.
__getattr__ = lazy_getattr(__name__, _EXPORTS)
