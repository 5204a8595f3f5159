"""The kernel's Python API: load, validate and run a recipe in this process.

``f0 validate`` and ``f0 run`` are command-line shells over the same steps;
a program (or a compatibility layer such as f0-compat) calls these instead
of starting the ``f0`` command::

    import f0

    recipe, problems = f0.load_recipe("recipe.yaml")       # as `f0 validate`
    result = f0.run("recipe.yaml", context={"n": 4})       # as `f0 run --set n=4`
    result.status, result.context["steps.report.status"]

Each call builds its plugin manager from the ``F0_*`` environment variables,
exactly as the command does, unless it is given ``hooks=`` (from
:func:`make_hooks`: build it once to make many calls cheaper, or to choose
plugins with a :class:`~f0.manager.PluginSelection`).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from f0.errors import RecipeValidationError, UsageError
from f0.hooks import Hooks
from f0.manager import PluginSelection, make_plugin_manager
from f0.model import Recipe

if TYPE_CHECKING:
    import threading

    from f0.model import Problem, RunResult
    from f0.stores import RunStore

__all__ = ["load_recipe", "make_hooks", "run", "validate_recipe"]

#: What :func:`run` accepts as the recipe: a file path or a loaded :class:`Recipe`.
RecipeSource = str | os.PathLike[str] | Recipe


def make_hooks(selection: PluginSelection | None = None) -> Hooks:
    """A :class:`~f0.hooks.Hooks` over a new plugin manager.

    *selection* None reads ``F0_LOAD_PLUGINS``, ``F0_DISABLE_PLUGINS``...
    from the environment, as the ``f0`` command does. Added in 0.2.
    """
    return Hooks(make_plugin_manager(selection or PluginSelection.from_env()))


def load_recipe(
    path: str | os.PathLike[str],
    *,
    strict: bool = False,
    lenient: bool = False,
    hooks: Hooks | None = None,
) -> tuple[Recipe, list[Problem]]:
    """Load and validate the recipe at *path*, as ``f0 validate`` does.

    Returns the recipe and every problem found (loader, plugins' checks,
    each step runner's ``prepare``), sorted by position; a problem carries
    its ``file:line:col`` in ``pos``. The recipe may be invalid: check
    ``any(p.is_error for p in problems)``. With *strict*, warnings are
    errors; with *lenient*, unknown keys are warnings (``--lenient``). A
    file that cannot be read or parsed at all raises the
    :class:`~f0.errors.F0Error` ``f0 validate`` would print
    (:class:`~f0.errors.UsageError` for a missing file,
    :class:`~f0.errors.RecipeError` with a position for bad YAML/JSON).
    Added in 0.2.
    """
    from f0.validate import load_and_validate

    recipe, _seed, problems = load_and_validate(
        hooks or make_hooks(), Path(path), strict=strict, lenient=lenient
    )
    return recipe, problems


def validate_recipe(
    recipe: Recipe, *, strict: bool = False, lenient: bool = False, hooks: Hooks | None = None
) -> list[Problem]:
    """Every problem in an already loaded (or built, or edited) *recipe*.

    The checks of :func:`load_recipe` after loading; step modules are
    resolved from ``recipe.base_dir``. Added in 0.2.
    """
    from f0.validate import validate_recipe as check

    return check(hooks or make_hooks(), recipe, strict=strict, lenient=lenient)


def _override_items(overrides: Mapping[str, Any] | Iterable[str]) -> list[str]:
    """``--set`` items from ``{"KEY": value}`` or ``["KEY=VALUE", ...]``."""
    if isinstance(overrides, str):
        return [overrides]
    if not isinstance(overrides, Mapping):
        return [str(item) for item in overrides]
    items = []
    for key, value in overrides.items():
        try:
            items.append(f"{key}={json.dumps(value, allow_nan=False)}")
        except (TypeError, ValueError) as exc:
            msg = f"override {key!r} is not a JSON value: {exc}"
            raise UsageError(msg, where="overrides") from None
    return items


def _valid_recipe(
    hooks: Hooks, source: RecipeSource, items: list[str], *, strict: bool, lenient: bool
) -> tuple[Recipe, dict[str, Any]]:
    """Load (or take) the recipe, apply overrides, validate; raise on errors."""
    from f0.overrides import apply_overrides
    from f0.validate import load_and_validate
    from f0.validate import validate_recipe as check

    if isinstance(source, Recipe):
        recipe, seed = apply_overrides(source, items, lenient=lenient)
        problems = check(hooks, recipe, strict=strict, lenient=lenient)
    else:
        recipe, seed, problems = load_and_validate(
            hooks, Path(source), sets=items, strict=strict, lenient=lenient
        )
    if any(p.is_error for p in problems):
        raise RecipeValidationError(problems)
    return recipe, seed


def run(
    recipe: RecipeSource,
    *,
    context: Mapping[str, Any] | None = None,
    overrides: Mapping[str, Any] | Iterable[str] = (),
    store: str | RunStore | None = None,
    scheduler: str = "local",
    workers: int | None = None,
    processes: bool = False,
    continue_on_error: bool = False,
    context_url: str = "memory://",
    strict: bool = False,
    lenient: bool = False,
    use_cache: bool = True,
    options: Mapping[str, Any] | None = None,
    observers: Iterable[object] = (),
    cancel: threading.Event | None = None,
    hooks: Hooks | None = None,
) -> RunResult:
    """Validate and run *recipe* (a path or a :class:`Recipe`) in this process, as ``f0 run``.

    * *context*: values put into the context before the first step.
    * *overrides*: ``--set`` items, as ``{"STEP.ARG": value}`` (or
      ``["STEP.ARG=JSON", ...]``); ``STEP.ARG`` overrides argument ARG of a
      step whose ``args`` is a mapping, any other key seeds the context (and
      wins over *context*).
    * *store*: ``None`` is ``f0 run``'s default run store
      (``.f0/f0.db`` in the recipe's project root when f0-plugin-store is
      installed, else none); ``"none"`` records nothing; a URL; or an open
      :class:`~f0.stores.RunStore` (left open).
    * *scheduler*, *workers*, *processes*, *continue_on_error*,
      *context_url*, *strict*, *lenient*, *use_cache*: ``--scheduler``,
      ``--workers``, ``--processes``, ``--continue-on-error``, ``--context``,
      ``--strict``, ``--lenient``, not ``--no-cache``.
    * *options*: plugins' ``f0 run`` options by key (``{"context_server": URL}``).
    * *observers*: plugin objects registered for this run only (objects with
      ``@hookimpl`` methods such as ``f0_step_finished``).
    * *cancel*: set this event (from any thread) to cancel the run: no new
      step starts, steps not finished end CANCELLED.

    Raises :class:`~f0.errors.RecipeValidationError` (every problem) before
    anything runs, or another :class:`~f0.errors.F0Error` for a missing file
    or provider; a failed step does not raise: see ``result.status``.
    Nothing is printed. Added in 0.2.
    """
    from f0.engine import run_recipe
    from f0.model import SchedulerOptions

    hooks = hooks or make_hooks()
    seed_values = dict(context or {})
    loaded, seed = _valid_recipe(
        hooks, recipe, _override_items(overrides), strict=strict, lenient=lenient
    )
    seed_values.update(seed)
    extra = {k: v for k, v in (options or {}).items() if v is not None and v is not False}
    sched_options = SchedulerOptions(
        workers=workers,
        continue_on_error=continue_on_error,
        pool="process" if processes else "thread",
        extra=extra,
    )
    with contextlib.ExitStack() as cleanup:
        if store is None or isinstance(store, str):
            run_store = hooks.open_run_store(store, near=loaded.base_dir)
            if run_store is not None:
                cleanup.callback(run_store.close)
        else:
            run_store = store
        for observer in observers:
            hooks.pm.register(observer)
            cleanup.callback(hooks.pm.unregister, observer)
        return run_recipe(
            hooks,
            loaded,
            scheduler=scheduler,
            options=sched_options,
            context_url=context_url,
            seed=seed_values,
            store=run_store,
            use_cache=use_cache,
            cancel_event=cancel,
        )
