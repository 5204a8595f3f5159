"""Hooks: the typed facade over ``pm.hook``.

Nothing else in the kernel calls ``pm.hook`` directly: each hook call has one
method here, which turns "no provider" into a :class:`MissingProviderError`
naming the plugin to install.
"""

from __future__ import annotations

import stat
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from f0.errors import MissingProviderError, PluginError, RecipeError, UsageError

if TYPE_CHECKING:
    from collections.abc import Mapping

    import typer

    from f0.decisions import Decision
    from f0.endpoints import HttpEndpoint
    from f0.manager import F0PluginManager
    from f0.model import Problem, Recipe, RunInfo, RunResult, SchedulerOptions, Step
    from f0.protocols import BundleTarget, Scheduler, StepRunner
    from f0.records import RunRecord
    from f0.run_option import RunOption
    from f0.stores import ContextStore, RunStore

__all__ = [
    "COMMAND_HINTS",
    "DEFAULT_STORE_URL",
    "PROVIDER_HINTS",
    "RUN_OPTION_HINTS",
    "Hooks",
    "not_installed",
]

#: Where runs are recorded unless ``--store``/``F0_STORE`` says otherwise
#: (used only when a plugin provides the ``sqlite`` run store).
DEFAULT_STORE_URL = "sqlite:///.f0/f0.db"

#: What to install when nobody provides a key (first-party plugins only).
PROVIDER_HINTS: dict[str, dict[str, str]] = {
    "recipe": {".yaml": "f0-plugin-yaml", ".yml": "f0-plugin-yaml", ".json": "f0-plugin-yaml"},
    "step type": {
        "python": "f0-plugin-python",
        "shell": "f0-plugin-python",
        "params": "f0-plugin-params",
        "files": "f0-plugin-files",
        "template": "f0-plugin-templates",
        "validate": "f0-plugin-validate",
        "batch": "f0-plugin-batch",
        "http": "f0-plugin-http",
        "sql": "f0-plugin-sql",
        "health": "f0-plugin-health",
    },
    "scheduler": {"local": "f0-plugin-local", "dask": "f0-plugin-dask"},
    "context store": {
        "memory": "f0-plugin-context",
        "sqlite": "f0-plugin-store",
        "redis": "f0-plugin-redis",
    },
    "run store": {"sqlite": "f0-plugin-store", "redis": "f0-plugin-redis"},
}


#: Which distribution adds each first-party command, so ``f0 runs`` without
#: f0-plugin-store says what to install instead of "no such command".
COMMAND_HINTS: dict[str, str] = {
    "runs": "f0-plugin-store",
    "cache": "f0-plugin-store",
    "ctx": "f0-plugin-store",
    "serve": "f0-plugin-server",
    "params": "f0-plugin-params",
    "stepengine": "f0-plugin-stepengine",
    "stats": "f0-plugin-analytics",
    "report": "f0-plugin-analytics",
    "graph": "f0-plugin-analytics",
    "metrics": "f0-plugin-analytics",
    "bundle": "f0-plugin-bundle",
    "health": "f0-plugin-health",
    "schema": "f0-plugin-yaml",
    "init": "f0-plugin-yaml",
}

#: Which distribution adds each first-party ``f0 run`` option
#: (``f0_run_options``), so ``--summary`` without f0-plugin-terminal says what
#: to install instead of "no such option".
RUN_OPTION_HINTS: dict[str, str] = {
    "--summary": "f0-plugin-terminal",
    "--tb": "f0-plugin-terminal",
    "--context-server": "f0-plugin-server",
    "--dask-address": "f0-plugin-dask",
    "--dask-shared": "f0-plugin-dask",
    "--otel": "f0-plugin-otel",
    "--otel-exporter": "f0-plugin-otel",
    "--otel-endpoint": "f0-plugin-otel",
}

#: What ``f0 run`` prints after the run when no plugin shows it (no observer
#: from ``f0_run_observers``): the one that draws the progress and summary.
OUTPUT_PLUGIN = "f0-plugin-terminal"


def not_installed(what: str, dist: str) -> str:
    """``"WHAT comes from DIST, which is not installed (...); install it with: ..."``.

    The one wording for a command or option whose plugin is missing or disabled.
    """
    return (
        f"{what} comes from {dist}, which is not installed "
        f"(or is disabled by F0_DISABLE_PLUGINS/F0_LOAD_PLUGINS); "
        f"install it with: pip install {dist}"
    )


def _missing(kind: str, key: str, where: str | None = None) -> MissingProviderError:
    dist = PROVIDER_HINTS.get(kind, {}).get(key)
    hint = (
        f"; install it with: pip install {dist}"
        if dist
        else "; is the plugin that provides it installed? (see: f0 plugins)"
    )
    return MissingProviderError(f"no installed plugin provides {kind} {key!r}{hint}", where=where)


def _scheme(url: str) -> str:
    return url.split("://", 1)[0] if "://" in url else url


def _check_recipe_file(path: Path) -> None:
    """A UsageError unless *path* is a file small enough to read (``F0_MAX_RECIPE_BYTES``).

    The size is checked before anything is read, so a huge file is refused
    at once, whatever plugin would parse it.
    """
    from f0.limits import Limits

    try:
        st = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        msg = "recipe file does not exist"
        raise UsageError(msg, where=str(path)) from None
    except OSError as exc:  # ENAMETOOLONG, ELOOP, EACCES...
        msg = f"cannot read recipe: {exc.strerror or exc}"
        raise UsageError(msg, where=_short(path)) from None
    if not stat.S_ISREG(st.st_mode):
        msg = "recipe path is not a file"
        raise UsageError(msg, where=str(path))
    limits = Limits.from_env()
    if st.st_size > limits.max_bytes:
        raise RecipeError(limits.too_many_bytes(st.st_size), where=str(path))


def _short(path: Path) -> str:
    # A path too long for the system is also too long to print whole.
    text = str(path)
    return text if len(text) <= 200 else f"{text[:100]}...{text[-60:]}"  # noqa: PLR2004


class Hooks:
    """One typed method per hook call."""

    def __init__(self, pm: F0PluginManager) -> None:
        self.pm = pm
        self._runners: dict[str, StepRunner] = {}

    # -- parsing -----------------------------------------------------------
    def load_recipe(self, path: Path | str, *, positions: bool = False) -> Recipe:
        """Read and parse the recipe at *path* (a ``UsageError`` if it is not a readable file).

        A file over ``F0_MAX_RECIPE_BYTES`` (:class:`f0.Limits`) is refused
        before it is read, whatever plugin would parse it.

        With *positions* False the loader may skip source positions (see
        ``f0_load_recipe``); :func:`f0.validate.load_and_validate` loads
        again with positions when there is a problem to report.
        """
        path = Path(path)
        _check_recipe_file(path)
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            msg = f"recipe is not UTF-8 text (byte {exc.start})"
            raise RecipeError(msg, where=str(path)) from None
        except OSError as exc:
            msg = f"cannot read recipe: {exc.strerror}"
            raise UsageError(msg, where=str(path)) from None
        recipe = self.pm.hook.f0_load_recipe(path=path, text=text, positions=positions)
        if recipe is None:
            raise _missing("recipe", path.suffix.lower() or path.name, where=str(path))
        return recipe  # type: ignore[no-any-return]

    def validate_recipe(self, recipe: Recipe) -> list[Problem]:
        """Every problem every plugin finds in *recipe*."""
        problems: list[Problem] = []
        for found in self.pm.hook.f0_validate_recipe(recipe=recipe):
            problems.extend(found or ())
        return problems

    # -- providers ---------------------------------------------------------
    def step_runner(self, step_type: str) -> StepRunner:
        """The runner for *step_type*, cached."""
        runner = self._runners.get(step_type)
        if runner is None:
            runner = self.pm.hook.f0_step_runner(step_type=step_type)
            if runner is None:
                raise _missing("step type", step_type)
            self._runners[step_type] = runner
        return runner

    def step_types(self) -> list[str]:
        """Every step type the installed plugins declare."""
        types: list[str] = []
        for found in self.pm.hook.f0_step_types():
            types.extend(found or ())
        return sorted(set(types))

    def scheduler(self, name: str, options: SchedulerOptions) -> Scheduler:
        """The scheduler called *name*."""
        scheduler = self.pm.hook.f0_scheduler(name=name, options=options)
        if scheduler is None:
            raise _missing("scheduler", name, where="--scheduler")
        return scheduler  # type: ignore[no-any-return]

    def context_store(self, url: str) -> ContextStore:
        """The context store for *url*."""
        store = self.pm.hook.f0_context_store(url=url)
        if store is None:
            raise _missing("context store", _scheme(url), where="--context")
        return store  # type: ignore[no-any-return]

    def run_store(self, url: str) -> RunStore:
        """The run store for *url*."""
        store = self.pm.hook.f0_run_store(url=url)
        if store is None:
            raise _missing("run store", _scheme(url), where="--store")
        return store  # type: ignore[no-any-return]

    def open_run_store(self, url: str | None, *, near: Path | None = None) -> RunStore | None:
        """The run store for *url*; for None the default store, if any plugin provides it.

        The default store is ``.f0/f0.db`` in the project root above *near*
        (the recipe's folder; see :func:`f0.project.default_store_url`).
        ``none`` turns recording off. An explicit URL nobody provides is a
        :class:`MissingProviderError`; the default one quietly means "no store".
        """
        if url is not None and url.strip().lower() == "none":
            return None
        try:
            if url:
                return self.run_store(url)
            from f0.project import default_store_url

            return self.run_store(default_store_url(near, env=False) if near else DEFAULT_STORE_URL)
        except MissingProviderError:
            if url is not None:
                raise
            return None

    def bundle_target(self, name: str) -> BundleTarget:
        """The bundle target called *name*."""
        target = self.pm.hook.f0_bundle_target(name=name)
        if target is None:
            raise _missing("bundle target", name)
        return target  # type: ignore[no-any-return]

    def context_seed(self, run: RunInfo) -> list[tuple[str, dict[str, Any]]]:
        """Every plugin's ``f0_context_seed`` values, as ``(plugin name, values)``, in call order."""
        found: list[tuple[str, dict[str, Any]]] = []
        caller = self.pm.hook.f0_context_seed
        # Called one by one (like run_options) to attribute each batch to its plugin.
        for impl in reversed(caller.get_hookimpls()):
            values: Mapping[str, Any] | None = impl.function(  # type: ignore[assignment]
                **({"run": run} if "run" in impl.argnames else {})
            )
            if values:
                found.append((impl.plugin_name, dict(values)))
        return found

    def step_decisions(
        self,
        recipe: Recipe,
        order: tuple[Step, ...],
        *,
        initial: Mapping[str, Any],
        store: RunStore | None,
        resume: RunRecord | None = None,
        use_cache: bool = True,
        force: bool = False,
    ) -> dict[str, Decision]:
        """RUN / CACHED / DONE / SKIP for every step of *order* (``f0_step_decisions``).

        With no plugin deciding, every enabled step RUNs; resuming then is a
        :class:`MissingProviderError` naming f0-plugin-cache.
        """
        from f0.decisions import NO_CACHE_PLUGIN, run_everything

        found = self.pm.hook.f0_step_decisions(
            recipe=recipe,
            order=order,
            initial=initial,
            store=store,
            resume=resume,
            use_cache=use_cache,
            force=force,
            step_runner=self.step_runner,
        )
        if found is None:
            if resume is not None:
                msg = (
                    "resuming a run needs a plugin that decides which steps to replay; "
                    "install it with: pip install f0-plugin-cache"
                )
                raise MissingProviderError(msg, where="--resume")
            return run_everything(order, no_cache_reason=NO_CACHE_PLUGIN)
        decisions = dict(found)
        missing = [s.name for s in order if s.name not in decisions]
        if missing:
            msg = f"f0_step_decisions gave no decision for step(s) {', '.join(missing)}"
            raise PluginError(msg)
        return decisions

    # -- observers ---------------------------------------------------------
    def run_started(self, run: RunInfo) -> None:
        """Tell every plugin a run starts."""
        self.pm.hook.f0_run_started(run=run)

    def run_finished(self, run: RunInfo, result: RunResult) -> None:
        """Tell every plugin a run is over."""
        self.pm.hook.f0_run_finished(run=run, result=result)

    # -- CLI ---------------------------------------------------------------
    def run_options(self) -> list[tuple[str, RunOption]]:
        """Every plugin's ``f0 run`` options, as ``(plugin name, option)``."""
        found: list[tuple[str, RunOption]] = []
        for impl in self.pm.hook.f0_run_options.get_hookimpls():
            options: list[RunOption] = impl.function() or []  # type: ignore[assignment]
            found.extend((impl.plugin_name, option) for option in options)
        return found

    def run_observers(self, options: Mapping[str, Any]) -> list[object]:
        """Every plugin's observers for one command-line run."""
        found: list[object] = []
        for observers in self.pm.hook.f0_run_observers(options=options):
            found.extend(observers or ())
        return found

    def register_commands(self, app: typer.Typer) -> None:
        """Let every plugin add its commands to *app*."""
        self.pm.hook.f0_register_commands(app=app)

    # -- serving -------------------------------------------------------------
    def http_endpoints(self, run_store: str | None = None) -> list[tuple[str, HttpEndpoint]]:
        """Every plugin's HTTP endpoints for f0's server, as ``(plugin name, endpoint)``.

        *run_store* is the URL of the run store they show (default f0's).
        """
        url = run_store or DEFAULT_STORE_URL
        found: list[tuple[str, HttpEndpoint]] = []
        # Called one by one (like run_options) to attribute each endpoint to its plugin.
        for impl in reversed(self.pm.hook.f0_http_endpoints.get_hookimpls()):
            kwargs = {"run_store": url, "open_run_store": self.run_store}
            endpoints: list[HttpEndpoint] = (
                impl.function(  # type: ignore[assignment]
                    **{name: kwargs[name] for name in impl.argnames if name in kwargs}
                )
                or []
            )
            found.extend((impl.plugin_name, endpoint) for endpoint in endpoints)
        return found
