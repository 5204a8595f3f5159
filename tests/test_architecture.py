"""The layering promises of the microkernel, checked on the source (AST, no imports).

* The kernel (``kernel/f0``) imports no plugin.
* A plugin or contrib distribution imports the kernel only through its
  public package (``from f0 import ...``), and another distribution only
  through its public modules, never a private ``_name``.
* The kernel's module-level imports form a DAG (no import cycles at run time).
"""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
KERNEL = ROOT / "kernel" / "f0"
DISTRIBUTIONS = sorted(
    [
        *ROOT.glob("plugins/f0-*/src"),
        *ROOT.glob("contrib/f0-*/src"),
        ROOT / "examples/plugin-template/src",
    ]
)


def imports(tree: ast.AST) -> list[tuple[str, int]]:
    """Every imported module name (``from a.b import c`` -> ``a.b``) with its line."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node.lineno))
        elif isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
    return found


def module_name(path: Path, src: Path) -> str:
    parts = path.relative_to(src).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_there_is_something_to_check():
    assert len(DISTRIBUTIONS) >= 8
    assert (KERNEL / "hookspecs.py").exists()


def test_the_kernel_imports_no_plugin():
    offences = [
        f"{path.relative_to(ROOT)}:{line}: imports {name}"
        for path in KERNEL.rglob("*.py")
        for name, line in imports(ast.parse(path.read_text(encoding="utf-8")))
        if name.split(".")[0].startswith("f0_")
    ]
    assert offences == []


@pytest.mark.parametrize("src", DISTRIBUTIONS, ids=lambda p: p.parent.name)
def test_a_distribution_uses_public_apis_only(src):
    own = {p.name for p in src.iterdir() if p.is_dir() or p.suffix == ".py"}
    own = {name.removesuffix(".py") for name in own}
    offences = []
    for path in src.rglob("*.py"):
        for name, line in imports(ast.parse(path.read_text(encoding="utf-8"))):
            top, *rest = name.split(".")
            where = f"{path.relative_to(ROOT)}:{line}"
            if top == "f0" and rest:
                offences.append(f"{where}: imports {name} (plugins use `from f0 import ...`)")
            elif top.startswith("f0_") and top not in own and any(p.startswith("_") for p in rest):
                offences.append(f"{where}: imports {name}, private to another distribution")
    assert offences == []


def runtime_imports(tree: ast.Module) -> set[str]:
    """Modules imported when the module itself is imported (not in functions or TYPE_CHECKING)."""
    found: set[str] = set()
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.If):
            if "TYPE_CHECKING" not in ast.unparse(node.test):
                pending.extend(node.body)
            pending.extend(node.orelse)
        elif isinstance(node, ast.Try):
            pending.extend([*node.body, *node.orelse, *node.finalbody])
            for handler in node.handlers:
                pending.extend(handler.body)
        elif isinstance(node, ast.ImportFrom | ast.Import):
            found.update(name for name, _ in imports(node))
    return found


def test_kernel_module_imports_form_a_dag():
    src = KERNEL.parent
    modules = {module_name(p, src): p for p in KERNEL.rglob("*.py")}
    graph = {
        name: {
            dep
            for dep in runtime_imports(ast.parse(path.read_text(encoding="utf-8")))
            if dep in modules and dep != name
        }
        for name, path in modules.items()
    }
    try:
        order = list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as exc:
        pytest.fail(f"import cycle in the kernel: {' -> '.join(exc.args[1])}")
    assert set(order) == set(modules)
