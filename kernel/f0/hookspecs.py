"""Every hook of f0: the contract plugins implement.

Three kinds of hook:

* *provider* hooks are ``firstresult=True`` and asked with a key (a file
  suffix, a step type, a scheduler name, a URL scheme). Return ``None`` fast
  when the key is not yours, and import heavy dependencies only after.
* *observer* hooks are called on every plugin and return ``None``.
* *collector* hooks are called on every plugin; results are concatenated.

Sections follow the run flow: load, validate, steps, schedule, store,
observe, deploy, CLI. Implement a hook with ``from f0 import hookimpl``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    import typer

    from f0.decisions import Decision
    from f0.endpoints import HttpEndpoint
    from f0.model import (
        Delta,
        Problem,
        Recipe,
        RunInfo,
        RunResult,
        SchedulerOptions,
        Step,
        StepResult,
    )
    from f0.protocols import AttemptWrapper, BundleTarget, Scheduler, StepRunner
    from f0.records import RunRecord
    from f0.run_option import RunOption
    from f0.stores import ContextStore, RunStore

from f0._markers import hookspec

# -- parsing ----------------------------------------------------------------


@hookspec(firstresult=True)
def f0_load_recipe(path: Path, text: str, positions: bool) -> Recipe | None:
    """Parse the recipe file *path*, whose content is *text*.

    Return ``None`` unless you handle files with ``path.suffix``. Return a
    :class:`~f0.model.Recipe` with a :class:`~f0.model.SourcePos` on every
    step and key, and every non-fatal problem (wrong type, unknown key) in
    ``Recipe.problems``; raise :class:`~f0.errors.RecipeError` with a position
    only when nothing can be read (syntax error, empty file).

    With *positions* False (the first load of every command) a loader may
    skip source positions to load faster, and must then return the recipe
    with ``positions=False``: when validation finds any problem, the kernel
    loads the file again with *positions* True to say where it is. Both loads
    must give the same steps, values and ``file_hash``.

    Provider: first non-None result wins. Added in 0.1; *positions* in 0.2.
    """


@hookspec
def f0_validate_recipe(recipe: Recipe) -> list[Problem] | None:
    """Check a loaded recipe; return the problems you find (or None).

    Called on every plugin before anything runs; all problems are reported
    together. The kernel's own checks (unique names, known dependencies, no
    cycles, known step types) are a built-in implementation of this hook.

    Collector: all results concatenated. Added in 0.1.
    """


# -- steps ------------------------------------------------------------------


@hookspec(firstresult=True)
def f0_step_runner(step_type: str) -> StepRunner | None:
    """Return the :class:`~f0.protocols.StepRunner` for steps of *step_type*.

    Return ``None`` unless you provide that type (``"python"``, ``"shell"``...).
    Called once per type per run; the result is cached.

    Provider: first non-None result wins. Added in 0.1.
    """


@hookspec
def f0_step_types() -> list[str] | None:
    """Return the step types you provide, for ``f0 plugins`` and error hints.

    Collector: all results concatenated. Added in 0.1.
    """


# -- scheduling -------------------------------------------------------------


@hookspec(firstresult=True)
def f0_scheduler(name: str, options: SchedulerOptions) -> Scheduler | None:
    """Return a :class:`~f0.protocols.Scheduler` called *name*, set up with *options*.

    Return ``None`` unless *name* is yours (``"local"``, ``"dask"``...).

    Provider: first non-None result wins. Added in 0.1.
    """


# -- context storage ----------------------------------------------------------


@hookspec(firstresult=True)
def f0_context_store(url: str) -> ContextStore | None:
    """Open the :class:`~f0.protocols.ContextStore` for *url*.

    Return ``None`` unless you own the URL's scheme (``memory://``,
    ``sqlite://``, ``redis://``...).

    Provider: first non-None result wins. Added in 0.1.
    """


@hookspec
def f0_context_seed(run: RunInfo) -> Mapping[str, Any] | None:
    """Return values the run's context starts from (or None), before the first step.

    Called once per run, before the context is filled and before cached or
    resumed steps are decided. Each plugin's values are written as one batch
    attributed to the plugin's name, then the ``recipe.*`` keys, then the
    ``--set`` values, so those win on the same key. Seeded values are inputs
    like any other (a cached step that read one reruns when it changes).
    Values must be JSON-serialisable. Raise an ``F0Error`` to stop the run
    before anything starts.

    Collector: every plugin's values are applied, in call order. Added in 0.2.
    """


# -- persistence ------------------------------------------------------------


@hookspec(firstresult=True)
def f0_run_store(url: str) -> RunStore | None:
    """Open the :class:`~f0.protocols.RunStore` for *url* (run history).

    Return ``None`` unless you own the URL's scheme.

    Provider: first non-None result wins. Added in 0.1.
    """


# -- cache and resume -----------------------------------------------------------


@hookspec(firstresult=True)
def f0_step_decisions(  # noqa: PLR0917 - one argument per input of the decision
    recipe: Recipe,
    order: tuple[Step, ...],
    initial: Mapping[str, Any],
    store: RunStore | None,
    resume: RunRecord | None,
    use_cache: bool,
    force: bool,
    step_runner: Callable[[str], StepRunner],
) -> Mapping[str, Decision] | None:
    """Decide what happens to every step of *recipe* before anything runs.

    Return a :class:`~f0.decisions.Decision` for every step of *order*
    (dependencies first): ``RUN`` with a reason a user reads in ``f0 plan``
    ("args changed: n 3 -> 4", "code of steps.py:clean changed", "upstream a
    runs"), ``CACHED`` or ``DONE`` with the recorded ``delta`` and ``result``
    to replay instead of running, or ``SKIP`` for a disabled step. Put the
    step's :class:`~f0.decisions.Fingerprint` on each decision when *store*
    is set: the kernel records it with the step (and, for a completed
    ``cache: true`` step, as a cache entry) so a later run can compare.

    *initial* is the context before the first step (``recipe.*``, plugin
    seeds, ``--set``). *store* is the run store (None: recording is off).
    *resume* is the recorded run of ``--resume`` (None: a fresh run): its
    completed, unchanged steps are DONE; raise
    :class:`~f0.errors.ResumeRefusedError` for a completed step that changed
    since, unless *force*. *use_cache* is False for ``--no-cache``.
    *step_runner* gives the runner of a step type (for its optional
    ``code_digest(step, recipe) -> (digest, origin)``).

    Without any implementation every enabled step RUNs, and ``--resume``
    fails asking for f0-plugin-cache.

    Provider: first non-None result wins. Added in 0.3.
    """


# -- observing (analytics, logs, live events) --------------------------------


@hookspec
def f0_run_started(run: RunInfo) -> None:
    """A run is about to schedule its first step.

    Observer: called on every plugin. Added in 0.1.
    """


@hookspec
def f0_step_started(run: RunInfo, step: Step, attempt: int) -> None:
    """Attempt number *attempt* (from 1) of *step* is starting.

    Called from the thread that runs the step; keep it quick.

    Observer: called on every plugin. Added in 0.1.
    """


@hookspec
def f0_attempt_wrappers(run: RunInfo, step: Step, attempt: int) -> list[AttemptWrapper] | None:
    """Return objects to wrap attempt *attempt* of *step* where it runs (or None).

    Asked in the ``f0`` process when the attempt's
    :class:`~f0.protocols.StepEnv` is made (only if some plugin implements
    it); the wrappers travel in ``StepEnv.wrappers`` and
    :func:`f0.run_attempt` calls each one's ``wrap_attempt`` around the step
    in the pool thread, worker process or Dask worker that runs it. So they
    must be picklable, and importable there. Tracing plugins open the
    attempt's span this way.

    Collector: all results concatenated; the first plugin's wrapper is
    outermost. Added in 0.3.
    """


@hookspec
def f0_step_finished(run: RunInfo, step: Step, result: StepResult, delta: Delta) -> None:
    """*step* has its final *result*; *delta* is what it changed (empty unless COMPLETED).

    Called once per step, in completion order, after the delta was applied
    to the run context. Keep it quick: it is on every step's path.

    Observer: called on every plugin. Added in 0.1.
    """


@hookspec
def f0_run_finished(run: RunInfo, result: RunResult) -> None:
    """The run is over; *result* holds every step's result and the final context.

    Observer: called on every plugin. Added in 0.1.
    """


# -- deployment -------------------------------------------------------------


@hookspec(firstresult=True)
def f0_bundle_target(name: str) -> BundleTarget | None:
    """Return the :class:`~f0.protocols.BundleTarget` called *name* (``"dir"``, ``"wheel"``...).

    Provider: first non-None result wins. Added in 0.1.
    """


# -- command line -------------------------------------------------------------


@hookspec
def f0_run_options() -> list[RunOption] | None:
    """Return the options you add to ``f0 run`` (``--context-server URL``...).

    Each :class:`~f0.model.RunOption` becomes an option of ``f0 run``; its
    value, when given, reaches observers as ``RunInfo.options[option.key]``
    and the scheduler as ``SchedulerOptions.extra[option.key]``. Two plugins
    adding the same name is an error.

    Collector: every plugin's options are added. Added in 0.2.
    """


@hookspec
def f0_run_observers(options: Mapping[str, Any]) -> list[object] | None:
    """Return objects to watch one ``f0 run`` started from the command line.

    Each object's ``f0_run_started``/``f0_step_*``/``f0_run_finished``
    methods (marked with ``hookimpl``) are registered for the length of that
    run only, so they can keep per-run state (a progress bar, a connection).
    *options* holds the kernel's output flags ``json``, ``quiet``,
    ``verbose`` and ``debug`` (booleans; ``debug`` added in 0.3) and every
    set plugin option (``f0_run_options``).
    Runs started in-process (the Python API, tests) do not call this hook.

    Collector: every plugin's observers are registered. Added in 0.2.
    """


@hookspec
def f0_register_commands(app: typer.Typer) -> None:
    """Add your commands to the ``f0`` CLI.

    Add one sub-app named after your plugin (``app.add_typer(sub, name="server")``)
    or top-level commands; a name that clashes with another plugin's is an
    error. Import heavy modules inside the command bodies so ``f0 --help``
    stays fast.

    Observer: called on every plugin. Added in 0.1.
    """


# -- serving ------------------------------------------------------------------


@hookspec
def f0_http_endpoints(
    run_store: str, open_run_store: Callable[[str], RunStore]
) -> list[HttpEndpoint] | None:
    """Return the HTTP endpoints you add to f0's server (``f0 serve``): ``/metrics``...

    Each :class:`~f0.endpoints.HttpEndpoint` is a path and a plain function
    from :class:`~f0.endpoints.HttpRequest` to
    :class:`~f0.endpoints.HttpResponse`; the server plugin mounts it with its
    own web framework, so neither plugin imports the other. Handlers run off
    the server's event loop and may block (read files, a database).

    *run_store* is the URL of the run store the server shows
    (``f0 serve --run-store``, default f0's); *open_run_store(url)* opens a
    run store through the ``f0_run_store`` providers (close what it returns).
    A path the server serves itself, or that two plugins add, is an error
    when the server starts.

    Collector: every plugin's endpoints are served. Added in 0.3.
    """
