"""``f0 stepengine run|continue|status|validate|graph`` (typer); heavy imports in the bodies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from f0_params import ParamsFile

    from f0_stepengine._engine import EngineResult, StepEngine
    from f0_stepengine._graph import Graph

__all__ = ["register", "resolve_params"]

GRAPH_ARG = typer.Argument(..., help="Graph file (.yaml, .yml or .json).", show_default=False)
PARAMS_OPT = typer.Option(
    None,
    "--params",
    "-p",
    metavar="FILE|DIR",
    help="The parameter file, or the step instance directory holding "
    ".octo_step_engine_parameters.json (default: the current directory).",
)
BREAK_OPT = typer.Option(
    None, "--break", "-b", metavar="NODE", help="Stop before NODE's step_entry. Repeatable."
)
JSON_OPT = typer.Option(False, "--json", help="Print one JSON object on stdout.")
QUIET_OPT = typer.Option(False, "--quiet", "-q", help="No progress lines on stderr.")
FAST_OPT = typer.Option(
    False, "--fast", help="Do not fsync parameter writes (also F0_PARAMS_FAST=1)."
)


def resolve_params(value: Path | None, *, fast: bool = False) -> ParamsFile:
    """``--params``: a directory means its default file; nothing means the current directory."""
    from f0_params import ParamsFile, ParamsUsageError

    durable = False if fast else None
    if value is None:
        return ParamsFile.in_dir(Path(), durable=durable)
    if value.is_dir():
        return ParamsFile.in_dir(value, durable=durable)
    if not value.parent.is_dir():
        msg = "--params: the folder does not exist"
        raise ParamsUsageError(msg, where=str(value))
    return ParamsFile(value, durable=durable)


def _err(text: str) -> None:
    typer.echo(text, err=True)


def _load(graph_path: Path) -> Graph:
    from f0_stepengine._graph import load_graph

    graph = load_graph(graph_path)
    for problem in graph.problems:
        _err(str(problem))
    return graph


def _check_breaks(graph: Graph, breaks: list[str]) -> None:
    from f0 import UsageError

    for name in breaks:
        if name not in graph.nodes:
            msg = f"--break {name}: the graph has no node {name!r}"
            raise UsageError(msg, where=str(graph.path))


def _engine(
    graph: Graph, params: ParamsFile, breaks: list[str] | None, *, verbose: bool, quiet: bool
) -> StepEngine:
    """The engine ``run`` and ``continue`` drive (breakpoints already checked)."""
    from f0_stepengine._engine import StepEngine

    return StepEngine(
        graph=graph,
        params=params,
        breakpoints=breaks or [],
        verbose=verbose,
        echo=(lambda _: None) if quiet else _err,
    )


def _finish(result: EngineResult, params: ParamsFile, *, as_json: bool) -> None:
    from f0_params import GLOBAL_GROUP

    g = (params.peek() or {}).get(GLOBAL_GROUP, {})
    if as_json:
        out: dict[str, Any] = {
            "state": result.state.value,
            "node": result.node,
            "breakpoint": result.breakpoint,
            "jumps": result.jumps,
            "error": result.error,
            "params_file": str(params.path),
            "global_parameters": g,
        }
        typer.echo(json.dumps(out, ensure_ascii=False))
    elif result.paused:
        node, _, phase = result.breakpoint.rpartition(":")
        side = "before" if phase == "entry" else "after"
        folder = params.path.parent
        typer.echo(f"paused {side} node {node!r} (breakpoint)")
        typer.echo(f"  inspect or change parameters: f0 params {folder}")
        typer.echo(f"  resume:                       f0 stepengine continue --params {folder}")
    else:
        typer.echo(
            f"{result.state.value} at node {result.node!r} "
            f"({result.jumps} jumps, run_step_count {g.get('run_step_count')})"
        )
    if result.error:
        _err(f"{params.path}: COMPLETE_ERROR: {result.error.splitlines()[0]}")
        raise typer.Exit(result.exit_code)


def register(app: typer.Typer) -> None:
    """Add the ``stepengine`` command group to *app*."""
    group = typer.Typer(
        help="Framework0's octo step engine: run node/arrow graphs whose state lives in the "
        "locked parameter file (see `f0 params`).",
        no_args_is_help=True,
    )

    @group.command("run")
    def run(  # noqa: PLR0917 - typer maps parameters to options
        graph_path: Path = GRAPH_ARG,
        params_path: Path | None = PARAMS_OPT,
        breaks: list[str] | None = BREAK_OPT,
        as_json: bool = JSON_OPT,
        quiet: bool = QUIET_OPT,
        fast: bool = FAST_OPT,
        verbose: bool = typer.Option(
            False, "--verbose", help="Create nodes with verbose_flag=True."
        ),
    ) -> None:
        """Validate GRAPH, then run it from its start node.

        Exit code 0 when the run completes (COMPLETE_SUCCESS) or pauses at a
        breakpoint, 1 on COMPLETE_ERROR, 2 for an invalid graph or usage.
        """
        graph = _load(graph_path)
        _check_breaks(graph, breaks or [])
        params = resolve_params(params_path, fast=fast)
        engine = _engine(graph, params, breaks, verbose=verbose, quiet=quiet)
        _finish(engine.run(), params, as_json=as_json)

    @group.command("continue")
    def continue_(  # noqa: PLR0917 - typer maps parameters to options
        params_path: Path | None = PARAMS_OPT,
        graph_path: Path | None = typer.Option(
            None,
            "--graph",
            "-g",
            help="The graph file (default: the one the run started with, "
            "global_parameters.step_engine_graph_path).",
        ),
        breaks: list[str] | None = BREAK_OPT,
        as_json: bool = JSON_OPT,
        quiet: bool = QUIET_OPT,
        fast: bool = FAST_OPT,
        verbose: bool = typer.Option(
            False, "--verbose", help="Create nodes with verbose_flag=True."
        ),
    ) -> None:
        """Resume a run paused at a breakpoint, in this process."""
        from f0 import UsageError
        from f0_params import GLOBAL_GROUP

        params = resolve_params(params_path, fast=fast)
        if graph_path is None:
            recorded = (params.peek() or {}).get(GLOBAL_GROUP, {}).get("step_engine_graph_path")
            if not recorded:
                msg = "no run to continue here (no step_engine_graph_path); start one with f0 stepengine run"
                raise UsageError(msg, where=str(params.path))
            graph_path = Path(recorded)
        graph = _load(graph_path)
        _check_breaks(graph, breaks or [])
        engine = _engine(graph, params, breaks, verbose=verbose, quiet=quiet)
        _finish(engine.resume(), params, as_json=as_json)

    @group.command("status")
    def status(params_path: Path | None = PARAMS_OPT, as_json: bool = JSON_OPT) -> None:
        """Show the engine's state from the parameter file (never creates or changes it)."""
        from f0_params import GLOBAL_GROUP, dictionary_display, get_default_param_dict

        from f0_stepengine._engine import pid_alive

        params = resolve_params(params_path)
        data = params.peek()
        g = (data if data is not None else get_default_param_dict()).get(GLOBAL_GROUP, {})
        if as_json:
            out = {"params_file": str(params.path), "exists": data is not None, **g}
            typer.echo(json.dumps(out, ensure_ascii=False))
            return
        note = "" if data is not None else " (no parameter file yet)"
        typer.echo(f"{params.path}{note}")
        dictionary_display({GLOBAL_GROUP: g})
        pid = g.get("step_engine_pid")
        if g.get("step_engine_breakpoint"):
            typer.echo(
                f"paused at {g['step_engine_breakpoint']}; resume with: f0 stepengine continue"
            )
        elif isinstance(pid, int) and pid > 0:
            typer.echo(f"engine pid {pid}: {'running' if pid_alive(pid) else 'gone'}")

    @group.command("validate")
    def validate(graph_path: Path = GRAPH_ARG) -> None:
        """Check GRAPH (nodes, arrows, reachability, node code) without running anything."""
        graph = _load(graph_path)
        arrows = sum(len(a) for a in graph.arrows.values())
        typer.echo(f"{graph.path}: ok ({len(graph.nodes)} nodes, {arrows} arrows)")

    @group.command("graph")
    def dot(graph_path: Path = GRAPH_ARG) -> None:
        """Print GRAPH as Graphviz DOT (dg_node_attr_dict / dg_edge_attr_dict)."""
        from f0_stepengine._dot import to_dot

        typer.echo(to_dot(_load(graph_path)))

    app.add_typer(group, name="stepengine")
