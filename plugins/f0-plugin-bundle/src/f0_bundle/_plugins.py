"""Which f0 plugins a recipe needs to run: its loader, step types, scheduler, context store.

Providers are asked through the kernel's hooks (``hooks.step_runner(type)``
...) and mapped back to their distribution by the module of the object they
return. The loader is found by asking each installed plugin's
``f0_load_recipe`` for the recipe file, as the plugin manager would.
"""

from __future__ import annotations

import importlib.metadata as md
import inspect
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Protocol

from f0 import F0Error, SchedulerOptions

from f0_bundle._model import Unresolved

if TYPE_CHECKING:
    from f0 import Recipe

    from f0_bundle._dists import DistIndex

__all__ = ["DEFAULT_CONTEXT", "DEFAULT_SCHEDULER", "Providers", "needed_plugins"]

#: What ``f0 run`` uses unless told otherwise, and so what the launcher uses.
DEFAULT_SCHEDULER = "local"
DEFAULT_CONTEXT = "memory://"

Found = tuple[str | None, str, Unresolved | None]


class Providers(Protocol):
    """The provider calls of ``f0.hooks_of(ctx)`` this plugin makes."""

    def step_runner(self, step_type: str, /) -> object:
        """The runner of *step_type* (``MissingProviderError`` if none)."""
        ...

    def scheduler(self, name: str, options: SchedulerOptions, /) -> object:
        """The scheduler *name*."""
        ...

    def context_store(self, url: str, /) -> object:
        """The context store for *url*."""
        ...


def needed_plugins(recipe: Recipe, hooks: Providers, index: DistIndex) -> Iterator[Found]:
    """Yield ``(distribution, why, None)`` per need, or ``(None, "", problem)``."""
    assert recipe.path is not None  # noqa: S101 - analyze() checked it
    yield from _loaders(recipe, index)
    declared_types = list(_declared_types(index))
    for step_type in sorted({s.type for s in recipe.steps}):
        step = next(s for s in recipe.steps if s.type == step_type)
        pos = step.where("type")
        where = str(pos) if pos else f"{recipe.path}: steps[{step.name}].type"
        try:
            runner = hooks.step_runner(step_type)
        except F0Error as exc:
            yield (
                None,
                "",
                Unresolved(module=f"step type {step_type!r}", where=where, reason=exc.message),
            )
            continue
        # The plugins that declare the type (f0_step_types), and the one whose
        # object answers: a hook wrapper (a resilience layer) may answer instead.
        declared = [d for d, types in declared_types if step_type in types]
        for dist_name in declared:
            yield dist_name, f"step type {step_type}", None
        owner = _owner(runner, index)
        if owner not in declared:
            why = f"wraps step type {step_type}" if declared else f"step type {step_type}"
            yield owner, why, None
    where = f"{recipe.path}"
    try:
        scheduler = hooks.scheduler(DEFAULT_SCHEDULER, SchedulerOptions())
    except F0Error as exc:
        yield (
            None,
            "",
            Unresolved(module=f"scheduler {DEFAULT_SCHEDULER!r}", where=where, reason=exc.message),
        )
    else:
        yield _owner(scheduler, index), f"scheduler {DEFAULT_SCHEDULER}", None
    try:
        store = hooks.context_store(DEFAULT_CONTEXT)
    except F0Error as exc:
        yield (
            None,
            "",
            Unresolved(module=f"context store {DEFAULT_CONTEXT}", where=where, reason=exc.message),
        )
    else:
        owner = _owner(store, index)
        close = getattr(store, "close", None)
        if callable(close):
            close()
        yield owner, f"context store {DEFAULT_CONTEXT}", None


def _owner(obj: Any, index: DistIndex) -> str | None:
    """The distribution whose code *obj* is (None for built-ins of the kernel's own)."""
    top = type(obj).__module__.partition(".")[0]
    providers = index.providers(top)
    return providers[0] if providers else None


def _plugins(index: DistIndex) -> Iterator[tuple[str, Any]]:
    """``(distribution, plugin object)`` of every installed f0 plugin that loads."""
    plugins = index.f0_plugins()
    for ep in md.entry_points(group="f0"):
        if ep.name in plugins:
            try:
                yield plugins[ep.name], ep.load()
            except Exception:  # noqa: BLE001, S112 - the manager already reported it
                continue


def _call(plugin: Any, hook: str, known: dict[str, Any]) -> tuple[bool, Any]:
    """Call *plugin*'s implementation of *hook* with the arguments it names, as pluggy does.

    Returns ``(False, None)`` when it has none, ``(True, None)`` when it needs
    an argument we do not know (the hook gained one), else ``(True, result)``;
    an implementation that raises counts as answering None.
    """
    impl = getattr(plugin, hook, None)
    if not callable(impl):
        return False, None
    try:
        names = list(inspect.signature(impl).parameters)
    except (TypeError, ValueError):
        names = []
    if any(n not in known for n in names):
        return True, None
    try:
        return True, impl(**{n: known[n] for n in names})
    except Exception:  # noqa: BLE001 - not this plugin's business after all
        return True, None


def _declared_types(index: DistIndex) -> Iterator[tuple[str, frozenset[str]]]:
    for dist_name, plugin in _plugins(index):
        found, types = _call(plugin, "f0_step_types", {})
        if found and isinstance(types, list | tuple | set | frozenset):
            yield dist_name, frozenset(str(t) for t in types)


def _loaders(recipe: Recipe, index: DistIndex) -> Iterator[Found]:
    """Plugins whose ``f0_load_recipe`` loads this file.

    One whose implementation needs an argument we do not know is counted as a
    loader: better an extra wheel than a bundle that cannot read its recipe.
    """
    assert recipe.path is not None  # noqa: S101 - analyze() checked it
    text = recipe.path.read_text(encoding="utf-8")
    known = {"path": recipe.path, "text": text, "positions": False}
    why = f"loads {recipe.path.suffix or recipe.path.name} recipes"
    for dist_name, plugin in _plugins(index):
        impl = getattr(plugin, "f0_load_recipe", None)
        if not callable(impl):
            continue
        try:
            unknown = any(n not in known for n in inspect.signature(impl).parameters)
        except (TypeError, ValueError):
            unknown = False
        found, loaded = _call(plugin, "f0_load_recipe", known)
        if found and (loaded is not None or unknown):
            yield dist_name, why, None
