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


def lazy_exports(init: Path) -> set[str]:
    """Modules ``f0/__init__.py`` exports names from lazily (its ``_EXPORTS`` table)."""
    tree = ast.parse(init.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.AnnAssign) and ast.unparse(node.target) == "_EXPORTS":
            return {value.value for value in node.value.values if isinstance(value, ast.Constant)}  # type: ignore[union-attr]
    return set()


def test_kernel_imports_form_a_dag():
    """Every import counts: module level, in functions, under TYPE_CHECKING, lazy exports."""
    src = KERNEL.parent
    modules = {module_name(p, src): p for p in KERNEL.rglob("*.py")}
    graph = {
        name: {
            dep
            for dep, _ in imports(ast.parse(path.read_text(encoding="utf-8")))
            if dep in modules and dep != name
        }
        for name, path in modules.items()
    }
    graph["f0"] |= lazy_exports(KERNEL / "__init__.py")
    assert len(graph["f0"]) > 10
    try:
        order = list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as exc:
        pytest.fail(f"import cycle in the kernel: {' -> '.join(exc.args[1])}")
    assert set(order) == set(modules)
    # The package is the top layer: kernel modules import from the defining module.
    assert [name for name, deps in graph.items() if "f0" in deps] == []
