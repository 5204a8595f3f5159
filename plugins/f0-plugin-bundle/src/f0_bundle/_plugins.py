"""Which f0 plugins a recipe needs to run: its loader, step types, scheduler, context store.

Providers are asked through the kernel's hooks (``hooks.step_runner(type)``
...) and mapped back to their distribution by the module of the object they
return. The loader is found by asking each installed plugin's
``f0_load_recipe`` for the recipe file, as the plugin manager would.
"""

from __future__ import annotations

import importlib.metadata as md
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
        yield _owner(runner, index), f"step type {step_type}", None
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


def _loaders(recipe: Recipe, index: DistIndex) -> Iterator[Found]:
    assert recipe.path is not None  # noqa: S101 - analyze() checked it
    text = recipe.path.read_text(encoding="utf-8")
    plugins = index.f0_plugins()
    for ep in md.entry_points(group="f0"):
        if ep.name not in plugins:
            continue
        try:
            plugin = ep.load()
        except Exception:  # noqa: BLE001, S112 - the manager already reported it
            continue
        load = getattr(plugin, "f0_load_recipe", None)
        if not callable(load):
            continue
        try:
            loaded = load(path=recipe.path, text=text)
        except Exception:  # noqa: BLE001, S112 - not this plugin's format after all
            continue
        if loaded is not None:
            yield plugins[ep.name], f"loads {recipe.path.suffix or recipe.path.name} recipes", None
