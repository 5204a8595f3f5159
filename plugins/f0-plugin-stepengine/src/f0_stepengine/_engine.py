"""The step engine: walk a graph, one node at a time, with every transition in the parameter file.

For each node: ``ENTER``/``step_entry()`` -> ``EXECUTE``/``step_execute()`` ->
``EXIT``/``step_exit()`` -> ``ADVANCE``/``step_advance()`` -> ``JUMP`` along the
arrow whose key ``step_advance`` returned. ``global_parameters`` holds
``step_engine_state`` (INACTIVE -> STARTUP -> RUNNING -> COMPLETE_SUCCESS or
COMPLETE_ERROR), ``current_step_module``/``current_step_node``,
``current_step_state`` and ``run_step_count``; each change is written through
:class:`f0_params.ParamsFile` before the phase starts, so ``f0 params`` or
``f0 stepengine status`` in another process sees it live.

A breakpoint stops the run before a node's ``step_entry`` (``--break NODE`` or
``node_entry_breakpoint: 1``) or after its ``step_exit``
(``node_exit_breakpoint: 1``): the place is written to
``global_parameters.step_engine_breakpoint`` and the process ends.
``continue`` picks up there, in a new process, with fresh node objects (a
node's state lives in the parameter file, as in Framework0).
"""

from __future__ import annotations

import contextlib
import os
import traceback
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import attrs
from f0_params import GLOBAL_GROUP, EngineState, ParamsFile, StepState

from f0_stepengine._errors import EngineBusyError, NothingToContinueError
from f0_stepengine._graph import Graph, Node, library_on_path

__all__ = ["EXTRA_KEYS", "EngineResult", "StepEngine", "pid_alive"]

#: Keys f0 adds to ``global_parameters`` (the spec proposes ``last_error``).
EXTRA_KEYS = {
    "last_error": "",
    "step_engine_graph_path": "",
    "step_engine_breakpoint": "",
    "step_engine_pid": 0,
}
_ENTRY, _EXIT = "entry", "exit"


@attrs.frozen(kw_only=True)
class EngineResult:
    """How a run (or a continue) ended."""

    state: EngineState
    #: The node the run ended or paused at.
    node: str
    #: ``"NODE:entry"``/``"NODE:exit"`` when paused at a breakpoint, else "".
    breakpoint: str = ""
    #: Jumps made by this process.
    jumps: int = 0
    error: str = ""

    @property
    def paused(self) -> bool:
        """True when the run stopped at a breakpoint (and can be continued)."""
        return bool(self.breakpoint)

    @property
    def exit_code(self) -> int:
        """0 for success or a pause, 1 for COMPLETE_ERROR."""
        return 1 if self.state is EngineState.COMPLETE_ERROR else 0


class _NodeFailedError(Exception):
    pass


def _names(values: Iterable[str]) -> frozenset[str]:
    return frozenset(values)


@attrs.define
class StepEngine:
    """Runs *graph* against the parameter file *params*.

    *breakpoints* are node names to stop before (on top of the graph's
    ``node_entry_breakpoint``/``node_exit_breakpoint``). *echo* receives one
    progress line per node. With *chdir* (the default) nodes run with the
    current directory set to the parameter file's folder, so Framework0
    nodes that use the default file name find it.
    """

    graph: Graph
    params: ParamsFile
    breakpoints: frozenset[str] = attrs.field(factory=frozenset, converter=_names)
    verbose: bool = False
    echo: Callable[[str], None] = lambda _: None
    chdir: bool = True
    _instances: dict[str, Any] = attrs.field(factory=dict, init=False)

    # -- entry points ----------------------------------------------------------
    def run(self) -> EngineResult:
        """Start a fresh run at the start node."""
        graph, start = self.graph, self.graph.start
        self._claim(
            {
                "step_engine_state": EngineState.STARTUP.value,
                "step_engine_library_path": str(graph.library),
                "step_engine_instance_path": str(self.params.path.parent),
                "step_engine_graph_path": str(graph.path),
                "first_step_module": start.module,
                "first_step_node": start.name,
                "current_step_module": start.module,
                "current_step_node": start.name,
                "current_step_state": StepState.INACTIVE.value,
                "run_step_count": 1,
                "last_error": "",
                "step_engine_breakpoint": "",
            }
        )
        self.params.merge(self._initial_parameters())
        self._set(step_engine_state=EngineState.RUNNING)
        return self._walk(start.name, _ENTRY, skip_break=False)

    def resume(self) -> EngineResult:
        """Continue a run paused at a breakpoint."""
        g = self.params.read()[GLOBAL_GROUP]
        where = str(g.get("step_engine_breakpoint") or "")
        node, _, phase = where.rpartition(":")
        if not where or node not in self.graph.nodes or phase not in {_ENTRY, _EXIT}:
            state = g.get("step_engine_state")
            msg = f"nothing to continue: the run is not paused at a breakpoint (step_engine_state is {state})"
            raise NothingToContinueError(msg, where=str(self.params.path))
        self._claim({"step_engine_state": EngineState.RUNNING.value, "step_engine_breakpoint": ""})
        self.params.merge(self._initial_parameters())
        return self._walk(node, phase, skip_break=True)

    # -- the loop -----------------------------------------------------------------
    def _walk(self, name: str, phase: str, *, skip_break: bool) -> EngineResult:
        jumps = 0
        with self._in_instance_dir():
            try:
                while True:
                    node = self.graph.nodes[name]
                    if phase == _ENTRY and node.active:
                        wanted = node.entry_breakpoint or name in self.breakpoints
                        if wanted and not skip_break:
                            return self._pause(node, _ENTRY, jumps)
                        self._lifecycle(node)
                        if node.exit_breakpoint:
                            return self._pause(node, _EXIT, jumps)
                    skip_break, phase = False, _ENTRY
                    key = self._advance(node)
                    self._set(current_step_state=StepState.JUMP)
                    arrow = self.graph.arrows.get(name, {}).get(key) if key else None
                    if arrow is None or not arrow.active:
                        return self._complete(node, key, jumps)
                    jumps += 1
                    self.echo(f"{name} -> {key} -> {arrow.target}")
                    self._check_jumps(jumps)
                    name = arrow.target
            except _NodeFailedError as exc:
                return self._fail(name, str(exc), jumps)
            except KeyboardInterrupt:
                self._fail(name, "interrupted (Ctrl-C)", jumps)
                raise

    def _check_jumps(self, jumps: int) -> None:
        if jumps >= self.graph.max_steps:
            msg = f"stopped after max_steps={self.graph.max_steps} jumps (an endless loop?)"
            raise _NodeFailedError(msg)

    def _lifecycle(self, node: Node) -> None:
        self._set(
            current_step_module=node.module,
            current_step_node=node.name,
            current_step_state=StepState.ENTER,
        )
        instance = self._instance(node)
        self._call(node, instance, "step_entry")
        self._set(current_step_state=StepState.EXECUTE)
        before = self._run_step_count()
        self._call(node, instance, "step_execute")
        if self._run_step_count() == before:  # the node did not count itself
            self.params.increment(GLOBAL_GROUP, "run_step_count")
        self._set(current_step_state=StepState.EXIT)
        self._call(node, instance, "step_exit")

    def _advance(self, node: Node) -> str | None:
        self._set(
            current_step_module=node.module,
            current_step_node=node.name,
            current_step_state=StepState.ADVANCE,
        )
        if not node.active:  # passed through: its first active arrow
            arrow = self.graph.first_active_arrow(node.name)
            return None if arrow is None else arrow.key
        method = getattr(self._instance(node), "step_advance")  # noqa: B009 - checked on load
        try:
            key = method()
        except Exception as exc:
            raise _NodeFailedError(_describe(node, "step_advance", exc)) from exc
        if key is not None and not isinstance(key, str):
            msg = f"node {node.name!r}: step_advance returned {key!r}, not an arrow key (a string) or None"
            raise _NodeFailedError(msg)
        return key or None

    def _call(self, node: Node, instance: Any, method_name: str) -> None:
        method = getattr(instance, method_name, None)
        if method is None:
            return
        try:
            code = method()
        except Exception as exc:
            raise _NodeFailedError(_describe(node, method_name, exc)) from exc
        if code is None or code == 0:
            return
        if isinstance(code, bool) or not isinstance(code, int):
            msg = f"node {node.name!r}: {method_name} returned {code!r}, not an int"
            raise _NodeFailedError(msg)
        msg = f"node {node.name!r}: {method_name} returned {code}"
        raise _NodeFailedError(msg)

    def _instance(self, node: Node) -> Any:
        instance = self._instances.get(node.name)
        if instance is None:
            cls = self.graph.classes[node.name]
            try:
                instance = cls(node.name, verbose_flag=self.verbose)
            except Exception as exc:
                raise _NodeFailedError(_describe(node, "__init__", exc)) from exc
            self._instances[node.name] = instance
        return instance

    # -- endings ------------------------------------------------------------------
    def _pause(self, node: Node, phase: str, jumps: int) -> EngineResult:
        where = f"{node.name}:{phase}"
        self._set(
            current_step_module=node.module,
            current_step_node=node.name,
            current_step_state=StepState.INACTIVE if phase == _ENTRY else StepState.EXIT,
            step_engine_breakpoint=where,
            step_engine_pid=0,
        )
        self.echo(f"paused at breakpoint {'before' if phase == _ENTRY else 'after'} {node.name!r}")
        return EngineResult(
            state=EngineState.RUNNING, node=node.name, breakpoint=where, jumps=jumps
        )

    def _complete(self, node: Node, key: str | None, jumps: int) -> EngineResult:
        if key and key not in self.graph.arrows.get(node.name, {}):
            self.echo(
                f"warning: node {node.name!r} returned arrow {key!r}, which it does not have; the run ends"
            )
        elif key:
            self.echo(f"arrow {key!r} of {node.name!r} is inactive; the run ends")
        self._set(
            step_engine_state=EngineState.COMPLETE_SUCCESS,
            current_step_state=StepState.INACTIVE,
            step_engine_pid=0,
        )
        self.echo(f"{node.name}: COMPLETE_SUCCESS")
        return EngineResult(state=EngineState.COMPLETE_SUCCESS, node=node.name, jumps=jumps)

    def _fail(self, name: str, error: str, jumps: int) -> EngineResult:
        self._set(step_engine_state=EngineState.COMPLETE_ERROR, last_error=error, step_engine_pid=0)
        self.echo(f"{name}: COMPLETE_ERROR: {error.splitlines()[0] if error else ''}")
        return EngineResult(state=EngineState.COMPLETE_ERROR, node=name, jumps=jumps, error=error)

    # -- helpers -------------------------------------------------------------------
    def _set(self, **values: Any) -> None:
        self.params.update_group(
            GLOBAL_GROUP,
            {
                k: v.value if isinstance(v, EngineState | StepState) else v
                for k, v in values.items()
            },
        )

    def _run_step_count(self) -> Any:
        data = self.params.peek() or {}
        return data.get(GLOBAL_GROUP, {}).get("run_step_count")

    def _initial_parameters(self) -> dict[str, dict[str, Any]]:
        merged: dict[str, dict[str, Any]] = {GLOBAL_GROUP: dict(EXTRA_KEYS)}
        for cls in self.graph.classes.values():
            for attr in ("step_node_params_dict_init", "step_node_results_dict_init"):
                for group, keys in _groups(getattr(cls, attr, None)):
                    merged.setdefault(group, {}).update(
                        {k: v for k, v in keys.items() if k not in merged.get(group, {})}
                    )
        return merged

    def _claim(self, values: dict[str, Any]) -> None:
        """Under one lock: refuse if a live engine owns the file, else write *values* and our pid."""
        with self.params.transaction() as data:
            g = data[GLOBAL_GROUP]
            pid = g.get("step_engine_pid")
            running = g.get("step_engine_state") in {EngineState.STARTUP, EngineState.RUNNING}
            mine = pid == os.getpid()
            if running and isinstance(pid, int) and pid > 0 and not mine and pid_alive(pid):
                msg = f"an engine (pid {pid}) is running on this parameter file"
                raise EngineBusyError(msg, where=str(self.params.path))
            g.update(values, step_engine_pid=os.getpid())

    @contextlib.contextmanager
    def _in_instance_dir(self) -> Iterator[None]:
        with library_on_path(self.graph.library):
            if not self.chdir:
                yield
                return
            with contextlib.chdir(self.params.path.parent):
                yield


def _groups(value: Any) -> Iterable[tuple[str, dict[str, Any]]]:
    if isinstance(value, dict):
        for group, keys in value.items():
            if isinstance(group, str) and isinstance(keys, dict):
                yield group, keys


def _describe(node: Node, method: str, exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
    return f"node {node.name!r}: {method} raised {type(exc).__name__}: {exc}{where}"


def pid_alive(pid: int) -> bool:
    """Whether process *pid* exists (on this machine)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True
