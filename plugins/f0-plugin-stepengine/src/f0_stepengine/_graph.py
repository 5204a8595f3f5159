"""The step graph: load a YAML/JSON file, check everything, import every node's class.

:func:`load_graph` reports every problem at once, each at its
``file:line:col``, and raises :class:`GraphValidationError` when one is an
error, so nothing runs on a broken graph: unknown nodes in arrows, no (or
two) start nodes, nodes the start cannot reach, node code that cannot be
imported, flags that are not 0/1.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs
from f0 import Problem, Severity, SourcePos

from f0_stepengine._document import Document, read_document
from f0_stepengine._errors import GraphValidationError

__all__ = [
    "DEFAULT_MAX_STEPS",
    "Arrow",
    "Graph",
    "Node",
    "import_node_module",
    "library_on_path",
    "load_graph",
]

#: Jumps after which a run stops with COMPLETE_ERROR (catches endless self-loops).
DEFAULT_MAX_STEPS = 10_000
NODES = "step_node_graph_dict"
ARROWS = "step_arrow_graph_dict"
_TOP_KEYS = frozenset({"name", "description", "library", "max_steps", NODES, ARROWS})
_NODE_KEYS = frozenset(
    {
        "module_name_string",
        "node_step_name_string",
        "class_name_string",
        "dg_node_attr_dict",
        "first_node_step_bool",
        "active_node_step_bool",
        "node_entry_breakpoint",
        "node_exit_breakpoint",
        "description",
    }
)
_ARROW_KEYS = frozenset(
    {"module_name_string", "arrow_step_name_string", "dg_edge_attr_dict", "active_arrow_step_bool"}
)
_LIFECYCLE_REQUIRED = ("step_execute", "step_advance")
_LIFECYCLE_OPTIONAL = ("step_entry", "step_exit")


@attrs.frozen(kw_only=True)
class Node:
    """One node of the graph (an entry of ``step_node_graph_dict``)."""

    name: str
    module: str
    class_name: str
    first: bool = False
    active: bool = True
    entry_breakpoint: bool = False
    exit_breakpoint: bool = False
    dot_attrs: Mapping[str, Any] = attrs.field(factory=dict)
    pos: SourcePos
    module_pos: SourcePos


@attrs.frozen(kw_only=True)
class Arrow:
    """An arrow ``source --key--> target`` (what ``step_advance`` of *source* may return)."""

    key: str
    source: str
    target: str
    active: bool = True
    dot_attrs: Mapping[str, Any] = attrs.field(factory=dict)
    pos: SourcePos


@attrs.frozen(kw_only=True)
class Graph:
    """A checked graph whose node classes are imported."""

    path: Path
    name: str
    library: Path
    max_steps: int
    nodes: Mapping[str, Node]
    #: ``{source node: {arrow key: Arrow}}``, in file order.
    arrows: Mapping[str, Mapping[str, Arrow]]
    #: ``{node name: its class}``.
    classes: Mapping[str, type]
    #: Warnings (unknown keys...); errors raise instead.
    problems: tuple[Problem, ...] = ()

    @property
    def start(self) -> Node:
        """The node with ``first_node_step_bool: 1``."""
        return next(n for n in self.nodes.values() if n.first)

    def first_active_arrow(self, node: str) -> Arrow | None:
        """The first active arrow out of *node* (how an inactive node is passed through)."""
        return next((a for a in self.arrows.get(node, {}).values() if a.active), None)


def load_graph(path: str | Path) -> Graph:
    """Load, check and import the graph at *path*.

    Raises :class:`GraphError` if the file cannot be read and
    :class:`GraphValidationError` with every problem if any is an error.
    """
    path = Path(path).absolute()
    checker = _Checker(read_document(path))
    graph = checker.check()
    if graph is None or any(p.is_error for p in checker.problems):
        raise GraphValidationError(_sorted(checker.problems))
    return graph


def _sorted(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.pos.line, p.pos.col) if p.pos else (0, 0))


class _Checker:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.problems: list[Problem] = []

    def error(self, pos: SourcePos, message: str, code: str) -> None:
        self.problems.append(Problem(message=message, pos=pos, code=code))

    def warn(self, pos: SourcePos, message: str, code: str) -> None:
        self.problems.append(
            Problem(message=message, pos=pos, code=code, severity=Severity.WARNING)
        )

    # -- the whole file ----------------------------------------------------
    def check(self) -> Graph | None:
        doc, data = self.doc, self.doc.data
        if not isinstance(data, dict):
            self.error(
                doc.value_pos(), "a graph file must be a mapping with step_node_graph_dict", "S002"
            )
            return None
        for key in data:
            if key not in _TOP_KEYS:
                self.warn(doc.key_pos(key), f"unknown key {key!r} (ignored)", "S005")
        library = self._library(data)
        max_steps = self._max_steps(data)
        nodes = self._nodes(data)
        if nodes is None:
            return None
        classes, unknown_arrows = self._import_all(nodes, library)
        arrows = self._file_arrows(data, nodes)
        for name, cls in classes.items():
            if name not in arrows:
                arrows[name] = self._class_arrows(nodes[name], cls, nodes)
        self._reachability(nodes, arrows, skip=unknown_arrows)
        if library is None or max_steps is None:
            return None
        title = data.get("name")
        return Graph(
            path=Path(doc.path),
            name=title if isinstance(title, str) and title else Path(doc.path).stem,
            library=library,
            max_steps=max_steps,
            nodes=nodes,
            arrows=arrows,
            classes=classes,
            problems=tuple(p for p in _sorted(self.problems) if not p.is_error),
        )

    def _library(self, data: dict[str, Any]) -> Path | None:
        base = Path(self.doc.path).parent
        value = data.get("library", ".")
        if not isinstance(value, str) or not value:
            self.error(self.doc.value_pos("library"), "'library' must be a folder name", "S045")
            return None
        library = (base / value).resolve()
        if not library.is_dir():
            self.error(
                self.doc.value_pos("library"), f"library folder {library} does not exist", "S045"
            )
            return None
        return library

    def _max_steps(self, data: dict[str, Any]) -> int | None:
        value = data.get("max_steps", DEFAULT_MAX_STEPS)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.error(
                self.doc.value_pos("max_steps"), "'max_steps' must be an integer >= 1", "S004"
            )
            return None
        return value

    # -- nodes -------------------------------------------------------------
    def _nodes(self, data: dict[str, Any]) -> dict[str, Node] | None:
        doc = self.doc
        raw = data.get(NODES)
        if not isinstance(raw, dict) or not raw:
            where = doc.value_pos(NODES) if NODES in data else doc.value_pos()
            self.error(where, f"{NODES} must be a mapping of node name -> node", "S002")
            return None
        nodes: dict[str, Node] = {}
        for name, entry in raw.items():
            node = self._node(str(name), entry)
            if node is not None:
                nodes[node.name] = node
        starts = [n for n in nodes.values() if n.first]
        if not starts and len(nodes) == len(raw):
            self.error(
                doc.key_pos(NODES), "no start node: set first_node_step_bool: 1 on one node", "S010"
            )
        for extra in starts[1:]:
            self.error(
                doc.value_pos(NODES, extra.name, "first_node_step_bool"),
                f"node {extra.name!r}: a second start node (the first is {starts[0].name!r})",
                "S011",
            )
        return nodes

    def _node(self, name: str, entry: Any) -> Node | None:
        doc = self.doc
        at = (NODES, name)
        if entry is None:
            entry = {}
        if not isinstance(entry, dict):
            self.error(doc.value_pos(*at), f"node {name!r} must be a mapping", "S003")
            return None
        for key in entry:
            if key not in _NODE_KEYS:
                self.warn(
                    doc.key_pos(*at, key), f"node {name!r}: unknown key {key!r} (ignored)", "S005"
                )
        given_name = entry.get("node_step_name_string", name)
        if given_name != name:
            self.error(
                doc.value_pos(*at, "node_step_name_string"),
                f"node {name!r}: node_step_name_string is {given_name!r}; it must equal the node's key",
                "S006",
            )
        module = entry.get("module_name_string", name)
        if not isinstance(module, str) or not module.replace(".", "").replace("_", "a").isalnum():
            self.error(
                doc.value_pos(*at, "module_name_string"),
                f"node {name!r}: module_name_string must be a module name, not {module!r}",
                "S003",
            )
            return None
        class_name = entry.get("class_name_string", module.rsplit(".", 1)[-1])
        if not isinstance(class_name, str) or not class_name.isidentifier():
            self.error(
                doc.value_pos(*at, "class_name_string"),
                f"node {name!r}: class_name_string must be a class name",
                "S003",
            )
            return None
        dot_attrs = entry.get("dg_node_attr_dict", {})
        if not isinstance(dot_attrs, dict):
            self.error(
                doc.value_pos(*at, "dg_node_attr_dict"),
                f"node {name!r}: dg_node_attr_dict must be a mapping",
                "S003",
            )
            dot_attrs = {}
        flags = {
            key: self._flag(entry, at, key, default)
            for key, default in (
                ("first_node_step_bool", False),
                ("active_node_step_bool", True),
                ("node_entry_breakpoint", False),
                ("node_exit_breakpoint", False),
            )
        }
        return Node(
            name=name,
            module=module,
            class_name=class_name,
            first=flags["first_node_step_bool"],
            active=flags["active_node_step_bool"],
            entry_breakpoint=flags["node_entry_breakpoint"],
            exit_breakpoint=flags["node_exit_breakpoint"],
            dot_attrs=dot_attrs,
            pos=doc.key_pos(*at),
            module_pos=doc.value_pos(*at, "module_name_string")
            if "module_name_string" in entry
            else doc.key_pos(*at),
        )

    def _flag(self, entry: dict[str, Any], at: tuple[Any, ...], key: str, default: bool) -> bool:
        value = entry.get(key, default)
        if value in (0, 1):  # True/False too
            return bool(value)
        self.error(self.doc.value_pos(*at, key), f"{key} must be 0 or 1, not {value!r}", "S004")
        return default

    # -- node code -----------------------------------------------------------
    def _import_all(
        self, nodes: dict[str, Node], library: Path | None
    ) -> tuple[dict[str, type], set[str]]:
        classes: dict[str, type] = {}
        failed: set[str] = set()
        for node in nodes.values():
            cls = self._import(node, library) if library is not None else None
            if cls is None:
                failed.add(node.name)
            else:
                classes[node.name] = cls
        return classes, failed

    def _import(self, node: Node, library: Path) -> type | None:
        where = f"node {node.name!r}"
        try:
            module = import_node_module(library, node.module)
        except ModuleNotFoundError as exc:
            missing = exc.name or node.module
            detail = (
                f"no module {node.module!r} (searched: {library}, then sys.path)"
                if missing == node.module
                else f"importing it failed: No module named {missing!r}"
            )
            self.error(
                node.module_pos, f"{where}: cannot import module {node.module!r}: {detail}", "S040"
            )
            return None
        except Exception as exc:  # noqa: BLE001 - any error in the node's module is reported
            at = _origin(exc)
            self.error(
                node.module_pos,
                f"{where}: importing module {node.module!r} failed: {type(exc).__name__}: {exc}{at}",
                "S040",
            )
            return None
        cls = getattr(module, node.class_name, None)
        if not isinstance(cls, type):
            self.error(
                node.module_pos,
                f"{where}: module {node.module!r} has no class {node.class_name!r}",
                "S041",
            )
            return None
        missing_methods = [m for m in _LIFECYCLE_REQUIRED if not callable(getattr(cls, m, None))]
        missing_methods += [
            m for m in _LIFECYCLE_OPTIONAL if hasattr(cls, m) and not callable(getattr(cls, m))
        ]
        if missing_methods:
            self.error(
                node.module_pos,
                f"{where}: class {node.class_name!r} has no method {', '.join(missing_methods)}",
                "S042",
            )
            return None
        return cls

    # -- arrows ---------------------------------------------------------------
    def _file_arrows(
        self, data: dict[str, Any], nodes: dict[str, Node]
    ) -> dict[str, dict[str, Arrow]]:
        doc = self.doc
        raw = data.get(ARROWS, {})
        arrows: dict[str, dict[str, Arrow]] = {}
        if raw is None:
            return arrows
        if not isinstance(raw, dict):
            self.error(
                doc.value_pos(ARROWS),
                f"{ARROWS} must be a mapping of source node -> arrows",
                "S023",
            )
            return arrows
        for source, entries in raw.items():
            source_name = str(source)
            if source_name not in nodes:
                self.error(
                    doc.key_pos(ARROWS, source),
                    f"arrows from unknown node {source_name!r}{_suggest(source_name, nodes)}",
                    "S020",
                )
                continue
            out = arrows.setdefault(source_name, {})
            if entries is None:
                continue
            if not isinstance(entries, dict):
                self.error(
                    doc.value_pos(ARROWS, source),
                    f"the arrows of {source_name!r} must be a mapping of arrow key -> arrow",
                    "S023",
                )
                continue
            for key, arrow in entries.items():
                made = self._arrow(source_name, str(key), arrow, nodes, (ARROWS, source, key), None)
                if made is not None:
                    out[made.key] = made
        return arrows

    def _class_arrows(self, node: Node, cls: type, nodes: dict[str, Node]) -> dict[str, Arrow]:
        raw = getattr(cls, ARROWS, None)
        out: dict[str, Arrow] = {}
        if raw is None:
            return out
        origin = f" (in {node.class_name}.{ARROWS})"
        if not isinstance(raw, dict):
            self.error(
                node.module_pos, f"node {node.name!r}: {ARROWS} must be a dict{origin}", "S023"
            )
            return out
        for key, arrow in raw.items():
            made = self._arrow(node.name, str(key), arrow, nodes, None, node.module_pos, origin)
            if made is not None:
                out[made.key] = made
        return out

    def _arrow(  # noqa: PLR0917 - private
        self,
        source: str,
        key: str,
        entry: Any,
        nodes: dict[str, Node],
        at: tuple[Any, ...] | None,
        fixed: SourcePos | None,
        origin: str = "",
    ) -> Arrow | None:
        def pos(*sub: Any) -> SourcePos:
            if at is None:
                assert fixed is not None  # noqa: S101 - one of the two is always given
                return fixed
            return self.doc.value_pos(*at, *sub)

        if isinstance(entry, str):  # shorthand: key: target
            entry = {"arrow_step_name_string": entry}
        if not isinstance(entry, dict):
            self.error(
                pos(),
                f"arrow {key!r} of {source!r} must be a mapping or a node name{origin}",
                "S023",
            )
            return None
        if at is not None:
            for name in entry:
                if name not in _ARROW_KEYS:
                    self.warn(
                        self.doc.key_pos(*at, name),
                        f"arrow {key!r}: unknown key {name!r} (ignored)",
                        "S005",
                    )
        target = entry.get("arrow_step_name_string")
        if not isinstance(target, str) or not target:
            self.error(
                pos(),
                f"arrow {key!r} of {source!r} needs arrow_step_name_string (the target node){origin}",
                "S023",
            )
            return None
        if target not in nodes:
            self.error(
                pos("arrow_step_name_string"),
                f"arrow {key!r} of {source!r} points to unknown node {target!r}{_suggest(target, nodes)}{origin}",
                "S021",
            )
            return None
        module = entry.get("module_name_string")
        if module is not None and module != nodes[target].module:
            self.error(
                pos("module_name_string"),
                f"arrow {key!r} of {source!r}: module_name_string {module!r} is not the module of "
                f"{target!r} ({nodes[target].module!r}){origin}",
                "S022",
            )
        active = entry.get("active_arrow_step_bool", 1)
        if active not in (0, 1):
            self.error(
                pos("active_arrow_step_bool"),
                f"active_arrow_step_bool must be 0 or 1, not {active!r}{origin}",
                "S004",
            )
            active = 1
        dot_attrs = entry.get("dg_edge_attr_dict", {})
        return Arrow(
            key=key,
            source=source,
            target=target,
            active=bool(active),
            dot_attrs=dot_attrs if isinstance(dot_attrs, dict) else {},
            pos=self.doc.key_pos(*at) if at is not None else pos(),
        )

    def _reachability(
        self, nodes: dict[str, Node], arrows: dict[str, dict[str, Arrow]], skip: set[str]
    ) -> None:
        starts = [n for n in nodes.values() if n.first]
        if len(starts) != 1 or skip - set(arrows):
            return  # no start, or arrows of a node we could not import are unknown
        seen = {starts[0].name}
        todo = [starts[0].name]
        while todo:
            for arrow in arrows.get(todo.pop(), {}).values():
                if arrow.target not in seen:
                    seen.add(arrow.target)
                    todo.append(arrow.target)
        for node in nodes.values():
            if node.name not in seen:
                self.error(
                    node.pos,
                    f"node {node.name!r} cannot be reached from the start node {starts[0].name!r}",
                    "S030",
                )


@contextlib.contextmanager
def library_on_path(library: Path) -> Iterator[None]:
    """Put *library* first on ``sys.path`` for the block (nodes may import siblings as they run)."""
    folder = str(library)
    sys.path.insert(0, folder)
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(folder)


def import_node_module(library: Path, name: str) -> Any:
    """Import module *name*, looked up in *library* first (on ``sys.path`` while importing).

    A module of that name imported earlier from another folder is dropped
    from ``sys.modules`` first, so two graphs with same-named nodes each get
    their own.
    """
    cached = sys.modules.get(name)
    if cached is not None:
        origin = getattr(cached, "__file__", None) or ""
        stale = origin and (
            not Path(origin).resolve().is_relative_to(library)
            or _stamp(origin) != _STAMPS.get(name, _stamp(origin))
        )
        if stale:
            for loaded in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
                del sys.modules[loaded]
    with library_on_path(library):
        importlib.invalidate_caches()
        module = importlib.import_module(name)
    origin = getattr(module, "__file__", None)
    if origin:
        _STAMPS[name] = _stamp(origin)
    return module


#: ``{module name: (mtime, size)}`` of node modules when imported; a changed file is re-imported.
_STAMPS: dict[str, tuple[int, int]] = {}


def _stamp(path: str) -> tuple[int, int]:
    try:
        info = Path(path).stat()
    except OSError:
        return (0, 0)
    return (info.st_mtime_ns, info.st_size)


def _origin(exc: BaseException) -> str:
    if isinstance(exc, SyntaxError) and exc.filename:
        return f" (at {exc.filename}:{exc.lineno})"
    tb = exc.__traceback__
    last = None
    while tb is not None:
        last = tb
        tb = tb.tb_next
    if last is None:
        return ""
    return f" (at {last.tb_frame.f_code.co_filename}:{last.tb_lineno})"


def _suggest(name: str, nodes: Mapping[str, Any]) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(nodes), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""
