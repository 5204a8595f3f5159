"""f0-plugin-stepengine: Framework0's octo step engine.

A graph of nodes (Python classes with ``step_entry``/``step_execute``/
``step_exit``/``step_advance``) and arrows, walked one node at a time, with
every state change written to the locked parameter file of f0-plugin-params.

Public API (loaded on first use)::

    from f0_stepengine import load_graph, StepEngine
    graph = load_graph("graph.yaml")
    result = StepEngine(graph=graph, params=ParamsFile.in_dir("run")).run()

Hooks: ``f0_register_commands`` adds ``f0 stepengine run|continue|status|validate|graph``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from f0 import hookimpl, lazy_getattr

if TYPE_CHECKING:
    import typer

    from f0_stepengine._dot import to_dot
    from f0_stepengine._engine import EXTRA_KEYS, EngineResult, StepEngine
    from f0_stepengine._errors import (
        EngineBusyError,
        GraphError,
        GraphValidationError,
        NothingToContinueError,
    )
    from f0_stepengine._graph import DEFAULT_MAX_STEPS, Arrow, Graph, Node, load_graph

__all__ = [
    "DEFAULT_MAX_STEPS",
    "EXTRA_KEYS",
    "Arrow",
    "EngineBusyError",
    "EngineResult",
    "Graph",
    "GraphError",
    "GraphValidationError",
    "Node",
    "NothingToContinueError",
    "StepEngine",
    "f0_register_commands",
    "load_graph",
    "to_dot",
]

_EXPORTS: dict[str, str] = {
    "to_dot": "f0_stepengine._dot",
    "EXTRA_KEYS": "f0_stepengine._engine",
    "EngineResult": "f0_stepengine._engine",
    "StepEngine": "f0_stepengine._engine",
    "EngineBusyError": "f0_stepengine._errors",
    "GraphError": "f0_stepengine._errors",
    "GraphValidationError": "f0_stepengine._errors",
    "NothingToContinueError": "f0_stepengine._errors",
    "DEFAULT_MAX_STEPS": "f0_stepengine._graph",
    "Arrow": "f0_stepengine._graph",
    "Graph": "f0_stepengine._graph",
    "Node": "f0_stepengine._graph",
    "load_graph": "f0_stepengine._graph",
}


__getattr__ = lazy_getattr(__name__, _EXPORTS)


@hookimpl
def f0_register_commands(app: typer.Typer) -> None:
    """Add ``f0 stepengine``."""
    from f0_stepengine._command import register

    register(app)
