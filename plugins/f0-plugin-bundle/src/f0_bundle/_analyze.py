"""``f0 bundle analyze``: every file, module and distribution a recipe needs.

Step modules are resolved against the recipe folder (as the python step type
does); their imports are followed through the AST, transitively, inside that
folder. Imports from elsewhere are the standard library (ignored), an
installed distribution (pinned), or *unresolved* (reported; exit 1).
"""

from __future__ import annotations

import importlib.machinery
import os
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from f0_bundle._dists import KERNEL, SELF, DistIndex
from f0_bundle._files import RESERVED, data_files, local_module_files, module_refs
from f0_bundle._imports import ImportScanError, scan_imports
from f0_bundle._model import BundleFile, Need, Unresolved
from f0_bundle._plugins import needed_plugins

if TYPE_CHECKING:
    from f0 import Recipe

    from f0_bundle._plugins import Providers

__all__ = ["Analysis", "BundleFile", "Need", "Unresolved", "analyze"]


@attrs.frozen(kw_only=True)
class Analysis:
    """What :func:`analyze` found."""

    recipe_path: Path
    recipe_name: str
    recipe_dir: Path
    files: tuple[BundleFile, ...]
    #: Distributions imported by the code or serving the recipe (f0 plugins).
    needs: tuple[Need, ...]
    #: ``metadata.requirements`` of the recipe, as written.
    requirements: tuple[str, ...]
    unresolved: tuple[Unresolved, ...]
    warnings: tuple[str, ...]
    analysis_time: float

    @property
    def success(self) -> bool:
        """True when nothing is unresolved."""
        return not self.unresolved

    def to_json(self) -> dict[str, Any]:
        """The analysis as JSON data (the spec's ``RecipeAnalysisResult`` keys)."""
        return {
            "recipe_path": str(self.recipe_path),
            "recipe_name": self.recipe_name,
            "recipe_dir": str(self.recipe_dir),
            "required_files": [{"path": f.path, "kind": f.kind} for f in self.files],
            "dependencies": [
                {"name": n.name, "version": n.version, "f0": n.is_f0, "why": list(n.why)}
                for n in self.needs
            ],
            "requirements": list(self.requirements),
            "unresolved": [
                {"module": u.module, "where": u.where, "reason": u.reason} for u in self.unresolved
            ],
            "errors": [str(u) for u in self.unresolved],
            "warnings": list(self.warnings),
            "success": self.success,
            "analysis_time": round(self.analysis_time, 4),
        }


def analyze(recipe: Recipe, hooks: Providers | None, index: DistIndex | None = None) -> Analysis:
    """Analyse *recipe* (loaded from a file); *hooks* find the f0 plugins serving it."""
    started = time.perf_counter()
    if recipe.path is None:
        msg = "the recipe was not loaded from a file"
        raise ValueError(msg)
    state = _State(recipe.path.parent.resolve(), index or DistIndex())
    recipe_path = recipe.path.resolve()
    state.add_file(recipe_path.name, "recipe", recipe_path)
    for step in recipe.steps:
        if step.module:
            pos = step.where("module")
            where = str(pos) if pos else f"{recipe.path}: steps[{step.name}].module"
            state.need_module(step.module, where, optional=False)
        for value in (step.args, step.options):
            for rel, source, warning in data_files(value, state.root):
                if warning:
                    state.warnings.append(f"step {step.name!r}: {warning}")
                else:
                    state.add_file(rel, "data", source)
            for module in module_refs(value):  # "checks:inbox_backlog" in a step's keys
                if local_module_files(state.root, module) is not None:
                    state.need_module(module, f"{recipe.path}: steps[{step.name}]", optional=True)
    state.follow_imports()
    requirements = _requirements(recipe.metadata)
    if hooks is not None:
        for dist_name, why, problem in needed_plugins(recipe, hooks, state.index):
            if problem is not None:
                state.unresolved.append(problem)
            elif dist_name is not None:
                state.need_dist(dist_name, why)
    else:
        for dist_name in state.index.f0_plugins().values():
            if dist_name != SELF:
                state.need_dist(dist_name, "installed f0 plugin")
    state.need_dist(KERNEL, "kernel")
    clashes = sorted(p for p in state.files if p in RESERVED or p.startswith("wheels/"))
    state.unresolved.extend(
        Unresolved(
            module=p, where=str(state.root / p), reason="clashes with a file the bundle writes"
        )
        for p in clashes
    )
    return Analysis(
        recipe_path=recipe_path,
        recipe_name=recipe.name,
        recipe_dir=state.root,
        files=tuple(state.files[p] for p in sorted(state.files)),
        needs=tuple(state.needs_sorted()),
        requirements=requirements,
        unresolved=tuple(state.unresolved),
        warnings=tuple(dict.fromkeys(state.warnings)),
        analysis_time=time.perf_counter() - started,
    )


def _requirements(metadata: Mapping[str, Any]) -> tuple[str, ...]:
    value = metadata.get("requirements") or ()
    if not isinstance(value, list | tuple):
        value = [value]  # create reports a value that is not a requirement
    return tuple(str(v).strip() for v in value if str(v).strip())


class _State:
    def __init__(self, root: Path, index: DistIndex) -> None:
        self.root = root
        self.index = index
        self.files: dict[str, BundleFile] = {}
        self.needs: dict[str, list[str]] = {}
        self.unresolved: list[Unresolved] = []
        self.warnings: list[str] = []
        self._queue: list[tuple[str, Path, bool]] = []  # (module name, file, is package)
        self._scanned: set[Path] = set()

    def add_file(self, rel: str, kind: str, source: Path) -> None:
        if rel not in self.files or self.files[rel].kind == "data":
            self.files[rel] = BundleFile(path=rel, kind=kind, source=source)

    def need_dist(self, key: str, why: str) -> None:
        whys = self.needs.setdefault(key, [])
        if why not in whys:
            whys.append(why)

    def needs_sorted(self) -> Iterator[Need]:
        for key in sorted(self.needs):
            dist = self.index.get(key)
            if dist is not None:
                yield Need(
                    name=dist.name,
                    version=dist.version,
                    is_f0=dist.is_f0,
                    why=tuple(self.needs[key]),
                )

    def need_module(
        self, module: str, where: str, *, optional: bool, names: tuple[str, ...] = ()
    ) -> None:
        top = module.partition(".")[0]
        stdlib = top in sys.stdlib_module_names or top in sys.builtin_module_names
        providers = self.index.providers(top)
        local = local_module_files(self.root, module)
        if local is not None and not (local[1] and (stdlib or providers)):
            for rel, path, is_package, name in local[0]:
                self.add_file(rel, "module", path)
                self._queue.append((name, path, is_package))
            for name in names:  # `from pkg import sub`: sub may be a module of its own
                sub = local_module_files(self.root, f"{module}.{name}")
                for rel, path, is_package, sub_name in sub[0] if sub else ():
                    self.add_file(rel, "module", path)
                    self._queue.append((sub_name, path, is_package))
            return
        if stdlib:
            return
        if providers:
            for dist_name in providers:
                self.need_dist(dist_name, f"import {top} ({where})")
            return
        if (self.root / f"{top}.py").is_file() or (self.root / top / "__init__.py").is_file():
            self._unresolved(module, where, optional, "not found in the recipe folder")
            return
        self._unresolved(module, where, optional, _why_missing(top))

    def _unresolved(self, module: str, where: str, optional: bool, reason: str) -> None:
        if optional:
            self.warnings.append(f"{where}: optional import {module} not bundled: {reason}")
        else:
            self.unresolved.append(Unresolved(module=module, where=where, reason=reason))

    def follow_imports(self) -> None:
        while self._queue:
            name, path, is_package = self._queue.pop()
            if path in self._scanned:
                continue
            self._scanned.add(path)
            rel = path.relative_to(self.root).as_posix()
            try:
                refs = scan_imports(path, name, is_package=is_package)
            except ImportScanError as exc:
                where = f"{self.root / rel}:{exc.line}:{exc.col}"
                self.unresolved.append(Unresolved(module=name, where=where, reason=exc.message))
                continue
            for ref in refs:
                where = f"{self.root / rel}:{ref.line}:{ref.col}"
                self.need_module(ref.module, where, optional=ref.optional, names=ref.names)


def _why_missing(top: str) -> str:
    try:
        spec = importlib.machinery.PathFinder.find_spec(top)
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.origin:
        where = os.path.dirname(spec.origin)  # noqa: PTH120 - origin is a str
        return (
            f"found at {where}, outside the recipe folder and not part of an installed "
            "distribution; move it beside the recipe or install it as a package"
        )
    return "not in the recipe folder, the standard library or any installed distribution"
