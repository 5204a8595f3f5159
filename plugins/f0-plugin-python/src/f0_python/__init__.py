"""f0-plugin-python: the ``python`` and ``shell`` step types.

Hooks: ``f0_step_runner(step_type)`` returns a runner for ``"python"`` and
``"shell"`` (``None`` for any other type) and ``f0_step_types()`` lists them.
The runners live in private modules, imported only when first asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from f0 import hookimpl

if TYPE_CHECKING:
    from f0 import StepRunner

__all__ = ["STEP_TYPES", "f0_step_runner", "f0_step_types"]

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
