"""f0: a plugin-first workflow orchestrator.

The public API for plugin and step authors. Everything not listed in
``__all__`` (and every ``f0._x`` module) is internal.

``__all__`` is the whole promise: the kernel's own names (``_EXPORTS``) and
the names a first-party plugin provides (``f0.exports.PROVIDED``: the
scriptlet framework, from f0-plugin-python). The latter resolve through the
``f0.exports`` entry points on first use; without their distribution,
``from f0 import BaseScriptlet`` (and ``from f0 import *``) raise an error
saying what to install. ``dir(f0)`` includes every name of ``__all__``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from f0._markers import hookimpl, hookspec
from f0._version import __version__
from f0.lazy import lazy_getattr

if TYPE_CHECKING:
    from f0.api import load_recipe, make_hooks, run, validate_recipe
    from f0.attempt import frame_locals, run_attempt
    from f0.cli import command_group, hooks_of
    from f0.context import (
        MISSING_DIGEST,
        Context,
        StepClosedError,
        StepContext,
        normalize_value,
        value_digest,
    )
    from f0.decisions import Decision, Fingerprint, recipe_key
    from f0.endpoints import HttpEndpoint, HttpRequest, HttpResponse
    from f0.errors import (
        F0Error,
        MissingProviderError,
        PluginError,
        RecipeError,
        RecipeValidationError,
        ResumeRefusedError,
        StepFailedError,
        StoreError,
        UsageError,
    )
    from f0.files import write_atomic
    from f0.hooks import DEFAULT_STORE_URL, Hooks
    from f0.limits import Limits
    from f0.log import RUN_IDS, add_run_ids, get_logger
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
    from f0.project import default_store_url, project_root
    from f0.protocols import AttemptWrapper, BundleTarget, Scheduler, Session, StepEnv, StepRunner
    from f0.records import CacheEntry, RunRecord, RunSummary, StepRecord
    from f0.run_option import RunOption
    from f0.scheduling import (
        MAX_RETRY_DELAY_S,
        REASON_CANCELLED,
        REASON_DISABLED,
        ready_order,
        reason_stopped,
        reason_unsatisfied,
        retry_delay,
    )
    from f0.session import RunSession
    from f0.stores import ContextStore, RunStore
    from f0.validate import COMMON_STEP_KEYS
    from f0.wording import did_you_mean, plural

_EXPORTS: dict[str, str] = {
    "AttemptWrapper": "f0.protocols",
    "BundleTarget": "f0.protocols",
    "COMMON_STEP_KEYS": "f0.validate",
    "CacheEntry": "f0.records",
    "Context": "f0.context",
    "ContextStore": "f0.stores",
    "DEFAULT_STORE_URL": "f0.hooks",
    "Decision": "f0.decisions",
    "Delta": "f0.model",
    "F0Error": "f0.errors",
    "Fingerprint": "f0.decisions",
    "MISSING_DIGEST": "f0.context",
    "Limits": "f0.limits",
    "MissingProviderError": "f0.errors",
    "Plan": "f0.plan",
    "PluginError": "f0.errors",
    "Problem": "f0.model",
    "Recipe": "f0.model",
    "RecipeError": "f0.errors",
    "RecipeValidationError": "f0.errors",
    "ResumeRefusedError": "f0.errors",
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
    "Severity": "f0.model",
    "SourcePos": "f0.model",
    "Step": "f0.model",
    "StepClosedError": "f0.context",
    "StepContext": "f0.context",
    "StepEnv": "f0.protocols",
    "StepFailedError": "f0.errors",
    "StoreError": "f0.errors",
    "StepOutcome": "f0.model",
    "StepRecord": "f0.records",
    "StepResult": "f0.model",
    "StepRunner": "f0.protocols",
    "StepStatus": "f0.model",
    "UsageError": "f0.errors",
    "build_plan": "f0.plan",
    "command_group": "f0.cli",
    "get_logger": "f0.log",
    # Added in 0.3: the active run's ids, for plugins that log or trace on their own.
    "RUN_IDS": "f0.log",
    "add_run_ids": "f0.log",
    "frame_locals": "f0.attempt",
    "hooks_of": "f0.cli",
    "normalize_value": "f0.context",
    "recipe_key": "f0.decisions",
    "run_attempt": "f0.attempt",
    "value_digest": "f0.context",
    "write_atomic": "f0.files",
    # Added in 0.2: the in-process API (the scriptlet registry: f0-plugin-python's, via f0.exports).
    "Hooks": "f0.hooks",
    "load_recipe": "f0.api",
    "make_hooks": "f0.api",
    "run": "f0.api",
    "validate_recipe": "f0.api",
    "did_you_mean": "f0.wording",
    "default_store_url": "f0.project",
    "project_root": "f0.project",
    "plural": "f0.wording",
    "MAX_RETRY_DELAY_S": "f0.scheduling",
    "REASON_CANCELLED": "f0.scheduling",
    "REASON_DISABLED": "f0.scheduling",
    "ready_order": "f0.scheduling",
    "reason_stopped": "f0.scheduling",
    "reason_unsatisfied": "f0.scheduling",
    "retry_delay": "f0.scheduling",
    "HttpEndpoint": "f0.endpoints",
    "HttpRequest": "f0.endpoints",
    "HttpResponse": "f0.endpoints",
}


# Sorted; includes f0.exports.PROVIDED (BaseScriptlet... from f0-plugin-python),
# which tests/kernel/test_exports.py checks.
__all__ = [
    "COMMON_STEP_KEYS",
    "DEFAULT_STORE_URL",
    "MAX_RETRY_DELAY_S",
    "MISSING_DIGEST",
    "REASON_CANCELLED",
    "REASON_DISABLED",
    "RUN_IDS",
    "AttemptWrapper",
    "BaseScriptlet",
    "BundleTarget",
    "CacheEntry",
    "ComputeScriptlet",
    "Context",
    "ContextStore",
    "Decision",
    "Delta",
    "ExecutionContext",
    "F0Error",
    "Fingerprint",
    "Hooks",
    "HttpEndpoint",
    "HttpRequest",
    "HttpResponse",
    "IOScriptlet",
    "Limits",
    "MissingProviderError",
    "Plan",
    "PluginError",
    "Problem",
    "Recipe",
    "RecipeError",
    "RecipeValidationError",
    "ResumeRefusedError",
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
    "StoreError",
    "UsageError",
    "__version__",
    "add_run_ids",
    "build_plan",
    "command_group",
    "default_store_url",
    "did_you_mean",
    "frame_locals",
    "get_logger",
    "get_scriptlet",
    "hookimpl",
    "hooks_of",
    "hookspec",
    "lazy_getattr",
    "list_scriptlets",
    "load_recipe",
    "make_hooks",
    "normalize_value",
    "plural",
    "project_root",
    "ready_order",
    "reason_stopped",
    "reason_unsatisfied",
    "recipe_key",
    "register_scriptlet",
    "retry_delay",
    "run",
    "run_attempt",
    "unregister_scriptlet",
    "validate_recipe",
    "value_digest",
    "write_atomic",
]


# Lazy exports keep `import f0` (and so `f0 --help`) cheap: a plugin that only
# needs `hookimpl` does not pay for the model, Context and friends. A name that
# is not the kernel's own is looked up in the `f0.exports` entry points.
def _provided(name: str) -> Any:
    from f0.exports import provided

    return provided(name)


__getattr__ = lazy_getattr(__name__, _EXPORTS, fallback=_provided)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
