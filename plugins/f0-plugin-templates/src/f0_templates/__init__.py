"""f0-plugin-templates: the ``template`` step type.

Renders Jinja2 templates, inline or from files, in a sandboxed environment
where an undefined variable is an error, into files or context keys.

Hooks: ``f0_step_runner`` provides ``template`` and ``f0_step_types`` lists it.
Python API (Jinja2 loads on first use)::

    from f0_templates import render_string, TemplateRenderError
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from f0 import hookimpl, lazy_getattr

if TYPE_CHECKING:
    from f0 import StepRunner

    from f0_templates._render import TemplateRenderError, make_environment, render_string

__all__ = [
    "STEP_TYPES",
    "TemplateRenderError",
    "f0_step_runner",
    "f0_step_types",
    "make_environment",
    "render_string",
]

#: The step types this plugin provides.
STEP_TYPES = ("template",)

_EXPORTS: dict[str, str] = {
    "TemplateRenderError": "f0_templates._render",
    "make_environment": "f0_templates._render",
    "render_string": "f0_templates._render",
}

__getattr__ = lazy_getattr(__name__, _EXPORTS)


@hookimpl
def f0_step_runner(step_type: str) -> StepRunner | None:
    """The runner of ``type: template`` steps; None for other types."""
    if step_type != "template":
        return None
    from f0_templates._step import TemplateStepRunner

    return TemplateStepRunner()


@hookimpl
def f0_step_types() -> list[str]:
    """``["template"]``."""
    return list(STEP_TYPES)
