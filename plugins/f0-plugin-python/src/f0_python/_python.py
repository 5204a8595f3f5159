"""The ``python`` step type: call ``module.function`` (``spec/recipes.md`` §4).

Calling conventions, in order: a :class:`~f0_python.scriptlets.BaseScriptlet` subclass is
instantiated and ``execute(context, params)``-ed; any other class is
instantiated and ``run(context, params)``-ed; a function whose first two
parameters are ``context`` and ``params`` gets exactly those; any other
callable gets ``args`` spread (list → positional, mapping → keywords).
What it returns is read by :meth:`f0_python.scriptlets.ScriptletResult.from_value`.
"""

from __future__ import annotations

import functools
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from f0 import Problem, StepOutcome, frame_locals, normalize_value

from f0_python._codehash import code_digest_of
from f0_python._resolve import CLASS, CONTEXT_PARAMS, SCRIPTLET, ResolveError, Target, resolve
from f0_python.scriptlets import ScriptletResult

if TYPE_CHECKING:
    from f0 import Recipe, Step, StepContext, StepEnv

__all__ = ["PythonRunner", "call_target", "to_outcome"]

#: Frames from files in this folder are ours, not the user's.
_HERE = str(Path(__file__).resolve().parent)


class PythonRunner:
    """Runs ``type: python`` steps. Stateless, so it pickles to worker processes."""

    #: ``module``, ``function`` and ``args`` are common step keys.
    option_keys: frozenset[str] = frozenset()

    def prepare(self, step: Step, recipe: Recipe) -> list[Problem]:
        """Import the step's module (recipe folder first) and resolve its function."""
        missing = [k for k in ("module", "function") if not getattr(step, k)]
        if missing:
            keys = " and ".join(repr(k) for k in missing)
            msg = f"step {step.name!r}: python steps need {keys}"
            return [Problem(message=msg, pos=step.where(), code="E030")]
        assert step.module is not None  # noqa: S101 - narrowed by the check above
        assert step.function is not None  # noqa: S101
        try:
            resolve(recipe.base_dir, step.module, step.function)
        except ResolveError as exc:
            msg = f"step {step.name!r}: {exc}"
            return [Problem(message=msg, pos=step.where(exc.key), code=exc.code)]
        return []

    def code_digest(self, step: Step, recipe: Recipe) -> tuple[str | None, str | None]:
        """Digest of the code the step runs, and where it lives (``steps.py:clean``).

        Part of the step's fingerprint (cache and ``--resume``): the step's
        function, the functions of its module it calls and the module
        constants it reads (see :mod:`f0_python._codehash`), not the whole
        file, so fixing one function re-runs only the steps that use it.
        ``(None, None)`` when the code cannot be resolved (validation says why).
        """
        if not step.module or not step.function:
            return None, None
        try:
            target = resolve(recipe.base_dir, step.module, step.function)
        except ResolveError:
            return None, None
        where = _file_origin(target.path, recipe.base_dir) if target.path else step.module
        return code_digest_of(target.obj), f"{where}:{step.function}"

    def run(self, step: Step, context: StepContext, env: StepEnv) -> StepOutcome:
        """Call the step's code once and turn what happened into a :class:`f0.StepOutcome`."""
        if not step.module or not step.function:
            return StepOutcome(
                success=False, exit_code=1, error="python steps need 'module' and 'function'"
            )
        try:
            target = resolve(env.base_dir, step.module, step.function)
        except ResolveError as exc:
            return StepOutcome(success=False, exit_code=1, error=f"import failed: {exc}")
        try:
            value = call_target(target, context, step)
        except SystemExit as exc:  # sys.exit(n) in a step is its exit code, not the worker's
            value = _exit_value(exc)
        except Exception as exc:  # noqa: BLE001 - the step's exception is its failure
            return StepOutcome(
                success=False,
                exit_code=1,
                error=f"{type(exc).__name__}: {exc}",
                traceback=_user_traceback(exc),
                frame_locals=frame_locals(exc) if env.trace else None,
            )
        return to_outcome(value, step)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def __repr__(self) -> str:
        return "PythonRunner()"


def call_target(target: Target, context: StepContext, step: Step) -> Any:
    """Call *target* by its calling convention and return what it returned."""
    obj = target.obj
    if target.kind == SCRIPTLET:
        return obj().execute(context, step.params)
    if target.kind == CLASS:
        return obj().run(context, step.params)
    if target.kind == CONTEXT_PARAMS:
        return obj(context, step.params)
    args = step.args
    if isinstance(args, list):
        return obj(*args)
    if args:
        return obj(**args)
    return obj()


def to_outcome(value: Any, step: Step) -> StepOutcome:
    """Read a step's return *value* (recipes.md §4.5) into a :class:`f0.StepOutcome`.

    A mapping (or a ScriptletResult's non-empty ``data``) becomes the
    outcome's ``result``; it must be JSON, or the step fails.
    """
    res = ScriptletResult.from_value(value)
    data: Any = None
    if isinstance(value, Mapping):
        data = value
    elif isinstance(value, ScriptletResult) and value.data:
        data = value.data
    if data is not None:
        try:
            data = normalize_value(f"steps.{step.name}.result", data)
        except ValueError as exc:
            return StepOutcome(success=False, exit_code=1, error=f"step result: {exc}")
    exit_code = res.exit_code
    if isinstance(value, int) and not isinstance(value, bool):
        # success_criteria.exit_code names the code that means success.
        expected = _expected_exit_code(step)
        if value == expected:
            return StepOutcome(success=True, exit_code=value)
        error = f"exit code {value}" + (f", expected {expected}" if expected else "")
        return StepOutcome(success=False, exit_code=value, error=error)
    if res.success:
        return StepOutcome(success=True, exit_code=exit_code, result=data)
    error = res.error_details or res.message or f"exit code {exit_code}"
    return StepOutcome(
        success=False,
        exit_code=exit_code or 1,  # a failure must not look like exit code 0
        error=error,
        result=data,
        traceback=res.traceback,
    )


def _expected_exit_code(step: Step) -> int:
    expected = step.success_criteria.get("exit_code", 0)
    return expected if isinstance(expected, int) else 0


def _exit_value(exc: SystemExit) -> Any:
    code = exc.code
    if code is None or isinstance(code, int):
        return code or 0
    return ScriptletResult(success=False, exit_code=1, message=str(code))


def _user_traceback(exc: BaseException) -> str:
    # Start at the first frame of the user's code: our call frames are noise.
    tb = exc.__traceback__
    while tb is not None and Path(tb.tb_frame.f_code.co_filename).parent == Path(_HERE):
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(exc), exc, tb or exc.__traceback__))


@functools.lru_cache(maxsize=256)
def _file_origin(path: str, base_dir: Path) -> str:
    """*path* relative to *base_dir* (its bare name when outside): many steps share one module."""
    file = Path(path)
    try:
        return str(file.relative_to(base_dir))
    except ValueError:
        return file.name
