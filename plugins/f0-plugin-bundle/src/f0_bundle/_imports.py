"""Static import discovery: the modules a Python file imports, read from its AST.

Nothing is imported or executed. Imports under ``if TYPE_CHECKING:`` are
skipped (they never run); imports inside a ``try`` that catches
``ImportError`` are *optional*: a missing one is a warning, not an error.
``importlib.import_module("name")`` with a literal name counts as an import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import attrs

__all__ = ["ImportRef", "ImportScanError", "scan_imports"]

_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


@attrs.frozen(kw_only=True)
class ImportRef:
    """One import statement's target, as an absolute dotted module name."""

    module: str
    line: int
    col: int
    #: Inside ``try: ... except ImportError``: the code copes without it.
    optional: bool = False
    #: For ``from M import a, b``: the names, any of which may be a submodule of M.
    names: tuple[str, ...] = ()


class ImportScanError(Exception):
    """The file cannot be parsed (syntax error) or a relative import leaves its package."""

    def __init__(self, message: str, *, line: int, col: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.col = col


def scan_imports(path: Path, module: str, *, is_package: bool) -> list[ImportRef]:
    """Every import in the file *path*, which is module *module*, in source order.

    Relative imports are resolved against *module* (a package's ``__init__``
    when *is_package*). Raises :class:`ImportScanError` for a syntax error.
    """
    source = path.read_bytes()
    try:
        tree = ast.parse(source, filename=str(path))
    except SyntaxError as exc:
        msg = f"syntax error: {exc.msg}"
        raise ImportScanError(msg, line=exc.lineno or 1, col=exc.offset or 1) from None
    except ValueError as exc:  # source with NUL bytes
        msg = f"cannot parse: {exc}"
        raise ImportScanError(msg, line=1, col=1) from None
    package = module if is_package else module.rpartition(".")[0]
    visitor = _Visitor(package)
    visitor.visit(tree)
    return visitor.found


class _Visitor(ast.NodeVisitor):
    def __init__(self, package: str) -> None:
        self.package = package
        self.found: list[ImportRef] = []
        self._optional = 0

    # -- context ---------------------------------------------------------------
    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):
            for child in node.orelse:  # the else branch runs at run time
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Try(self, node: ast.Try | ast.TryStar) -> None:
        guarded = any(_catches_import_error(h.type) for h in node.handlers)
        self._optional += guarded
        for child in node.body:
            self.visit(child)
        self._optional -= guarded
        for rest in (*node.handlers, *node.orelse, *node.finalbody):
            self.visit(rest)

    def visit_TryStar(self, node: ast.TryStar) -> None:
        self.visit_Try(node)

    # -- imports ---------------------------------------------------------------
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        names = tuple(a.name for a in node.names if a.name != "*")
        if node.level == 0:
            if node.module:
                self._add(node.module, node, names)
            return
        base = self._relative_base(node)
        self._add(f"{base}.{node.module}" if node.module else base, node, names)

    def visit_Call(self, node: ast.Call) -> None:
        if (
            _is_import_module(node.func)
            and len(node.args) == 1
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and not node.args[0].value.startswith(".")
        ):
            self._add(node.args[0].value, node)
        self.generic_visit(node)

    def _relative_base(self, node: ast.ImportFrom) -> str:
        parts = self.package.split(".") if self.package else []
        up = node.level - 1
        if not parts:
            msg = "relative import in a module that is not in a package"
            raise ImportScanError(msg, line=node.lineno, col=node.col_offset + 1)
        if up >= len(parts):
            msg = "relative import goes above the top-level package"
            raise ImportScanError(msg, line=node.lineno, col=node.col_offset + 1)
        return ".".join(parts[: len(parts) - up])

    def _add(self, module: str, node: ast.stmt | ast.expr, names: tuple[str, ...] = ()) -> None:
        self.found.append(
            ImportRef(
                module=module,
                line=node.lineno,
                col=node.col_offset + 1,
                optional=self._optional > 0,
                names=names,
            )
        )


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def _catches_import_error(handler_type: ast.expr | None) -> bool:
    if handler_type is None:  # bare except
        return True
    if isinstance(handler_type, ast.Tuple):
        return any(_catches_import_error(elt) for elt in handler_type.elts)
    name = handler_type.id if isinstance(handler_type, ast.Name) else None
    if isinstance(handler_type, ast.Attribute):
        name = handler_type.attr
    return name in _IMPORT_ERRORS


def _is_import_module(func: ast.expr) -> bool:
    if isinstance(func, ast.Attribute):
        return func.attr == "import_module" and (
            isinstance(func.value, ast.Name) and func.value.id == "importlib"
        )
    return isinstance(func, ast.Name) and func.id == "import_module"
