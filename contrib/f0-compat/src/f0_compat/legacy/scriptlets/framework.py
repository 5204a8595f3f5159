"""``scriptlets.framework``: Framework0's scriptlet API over f0's scriptlet classes."""

from __future__ import annotations

from f0_compat.scriptlets import (
    SCRIPTLET_REGISTRY,
    BaseScriptlet,
    ComputeScriptlet,
    ExecutionContext,
    IOScriptlet,
    ScriptletCategory,
    ScriptletConfig,
    ScriptletResult,
    ScriptletState,
    create_compute_scriptlet,
    create_io_scriptlet,
    create_scriptlet,
    debug_trace,
    get_scriptlet_class,
    load_scriptlet_from_module,
    register_scriptlet,
    resource_monitor,
    retry_on_failure,
    validate_scriptlet_compliance,
)

__all__ = [
    "SCRIPTLET_REGISTRY",
    "BaseScriptlet",
    "ComputeScriptlet",
    "ExecutionContext",
    "IOScriptlet",
    "ScriptletCategory",
    "ScriptletConfig",
    "ScriptletResult",
    "ScriptletState",
    "create_compute_scriptlet",
    "create_io_scriptlet",
    "create_scriptlet",
    "debug_trace",
    "get_scriptlet_class",
    "load_scriptlet_from_module",
    "register_scriptlet",
    "resource_monitor",
    "retry_on_failure",
    "validate_scriptlet_compliance",
]
