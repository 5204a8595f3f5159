"""f0-plugin-python: the ``python`` and ``shell`` step types.

Hooks: ``f0_step_runner(step_type)`` returns a runner for ``"python"`` and
``"shell"`` (``None`` for any other type) and ``f0_step_types()`` lists them.
The runners live in private modules, imported only when first asked for.

The scriptlet framework (``BaseScriptlet``, ``ComputeScriptlet``,
``IOScriptlet``, ``ScriptletConfig``, ``ScriptletResult``, the registry...)
is the public module :mod:`f0_python.scriptlets`, exported here lazily and
through ``f0`` itself (the ``f0.exports`` entry points in this
distribution's ``pyproject.toml``: ``from f0 import BaseScriptlet``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from f0 import hookimpl, lazy_getattr

if TYPE_CHECKING:
    from f0 import StepRunner

    from f0_python.scriptlets import (
        BaseScriptlet,
        ComputeScriptlet,
        ExecutionContext,
        IOScriptlet,
        ScriptletCategory,
        ScriptletConfig,
        ScriptletResult,
        ScriptletState,
        get_scriptlet,
        list_scriptlets,
        register_scriptlet,
        unregister_scriptlet,
    )

__all__ = [
    "STEP_TYPES",
    "BaseScriptlet",
    "ComputeScriptlet",
    "ExecutionContext",
    "IOScriptlet",
    "ScriptletCategory",
    "ScriptletConfig",
    "ScriptletResult",
    "ScriptletState",
    "f0_step_runner",
    "f0_step_types",
    "get_scriptlet",
    "list_scriptlets",
    "register_scriptlet",
    "unregister_scriptlet",
]

#: The scriptlet names, imported from :mod:`f0_python.scriptlets` on first use
#: (``import f0_python`` runs on every ``f0`` start and must stay cheap).
_EXPORTS: dict[str, str] = dict.fromkeys(
    (
        "BaseScriptlet",
        "ComputeScriptlet",
        "ExecutionContext",
        "IOScriptlet",
        "ScriptletCategory",
        "ScriptletConfig",
        "ScriptletResult",
        "ScriptletState",
        "get_scriptlet",
        "list_scriptlets",
        "register_scriptlet",
        "unregister_scriptlet",
    ),
    "f0_python.scriptlets",
)
__getattr__ = lazy_getattr(__name__, _EXPORTS)

#: The step types this plugin provides.
STEP_TYPES = ("python", "shell")


@hookimpl
def f0_step_runner(step_type: str) -> StepRunner | None:
    """The runner for ``python`` or ``shell`` steps; None for other types."""
    if step_type == "python":
        from f0_python._python import PythonRunner

        return PythonRunner()
    if step_type == "shell":
        from f0_python._shell import ShellRunner

        return ShellRunner()
    return None


@hookimpl
def f0_step_types() -> list[str]:
    """``["python", "shell"]``."""
    return list(STEP_TYPES)
