"""``orchestrator.runner``: Framework0's ``EnhancedRecipeRunner`` over ``f0.run``.

Each :meth:`EnhancedRecipeRunner.run_recipe` is one real f0 run in this
process (``f0.run``: the loader, validator, local scheduler, timeouts and
retries of ``f0 run``), as Framework0's runner ran recipes in-process. The
legacy run options become edits of the loaded recipe: ``only``/``skip`` →
``enabled: false``; ``step_timeout``/``default_timeout`` → each step's
``timeout`` where it sets none; ``max_retries``/``retry_delay`` → the
step's retries and a fixed delay between attempts.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs
import f0

from f0_compat.context import Context
from f0_compat.recipes import load_recipe_file

__all__ = ["EnhancedRecipeRunner", "main", "run_recipe"]

_FAILED = {"FAILED", "TIMEOUT"}


class EnhancedRecipeRunner:
    """Runs recipes with ``f0.run``; returns Framework0-style Contexts.

    *default_timeout* bounds every step that sets no ``timeout`` (and gets no
    ``step_timeout``). *store* is ``f0 run --store`` (``"none"``: record nothing,
    as Framework0 did; ``None``: f0's default ``.f0/f0.db``). *workers* is
    ``f0 run --workers``: 1 (the default) runs steps one at a time in
    ``idx``/dependency order, as Framework0's runner did; None lets f0 run
    independent steps in parallel.
    """

    def __init__(
        self,
        default_timeout: float | None = None,
        store: str | None = "none",
        workers: int | None = 1,
    ) -> None:
        if default_timeout is not None and not default_timeout > 0:
            msg = f"default_timeout must be > 0, not {default_timeout!r}"
            raise ValueError(msg)
        self.default_timeout = default_timeout
        self.store = store
        self.workers = workers
        self._history: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._cancelled = threading.Event()
        self._hooks: f0.Hooks | None = None

    def _get_hooks(self) -> f0.Hooks:
        # f0's plugins, loaded once per runner (as one `f0 run` loads them).
        with self._lock:
            if self._hooks is None:
                self._hooks = f0.make_hooks()
            return self._hooks

    def run_recipe(  # noqa: PLR0917 - the legacy positional signature
        self,
        recipe_path: str | Path,
        debug: bool = False,
        only: Iterable[str] | None = None,
        skip: Iterable[str] | None = None,
        continue_on_error: bool = False,
        step_timeout: float | None = None,
        max_retries: int = 0,
        retry_delay: float = 1.0,
    ) -> Context:
        """Run *recipe_path* and return the final context.

        ``FileNotFoundError`` if the recipe is missing, ``ValueError`` if it is
        invalid (nothing runs), ``RuntimeError("step <name> failed: ...")``
        when a step fails and *continue_on_error* is False. The context holds
        ``recipe.execution_result`` (the legacy ``RecipeExecutionResult`` dict).
        """
        path = Path(recipe_path)
        _check_options(step_timeout, max_retries, retry_delay)
        load_recipe_file(path)  # FileNotFoundError / ValueError before anything runs
        # DEBUG=1 from the start: step modules imported while validating create their loggers.
        with _debug_env(debug):
            return self._run(
                path, only, skip, continue_on_error, step_timeout, max_retries, retry_delay
            )

    def _run(  # noqa: PLR0917 - run_recipe's options
        self,
        path: Path,
        only: Iterable[str] | None,
        skip: Iterable[str] | None,
        continue_on_error: bool,
        step_timeout: float | None,
        max_retries: int,
        retry_delay: float,
    ) -> Context:
        hooks = self._get_hooks()
        try:
            recipe, problems = f0.load_recipe(path, lenient=True, hooks=hooks)
        except f0.F0Error as exc:
            msg = f"invalid recipe {path}:\n{exc}"
            raise ValueError(msg) from None
        errors = [str(p) for p in problems if p.is_error]
        if errors:
            msg = f"invalid recipe {path}:\n" + "\n".join(errors)
            raise ValueError(msg)
        edited = _edit(
            recipe,
            only=None if only is None else _names(only),
            skip=_names(skip or ()),
            timeout=step_timeout if step_timeout is not None else self.default_timeout,
            max_retries=max_retries,
            retry_delay=retry_delay,
        )
        self._cancelled.clear()
        try:
            result = f0.run(
                edited,
                store=self.store,
                workers=self.workers,
                continue_on_error=continue_on_error,
                lenient=True,  # Framework0 ran recipes with keys it did not know
                cancel=self._cancelled,
                hooks=hooks,
            )
        except f0.RecipeValidationError as exc:
            msg = f"invalid recipe {path}:\n{exc}"
            raise ValueError(msg) from None
        except f0.F0Error as exc:
            msg = f"f0 could not run {path}: {exc}"
            raise RuntimeError(msg) from None
        report = result.to_json()
        execution = _execution_result(path, report, self._cancelled.is_set())
        with self._lock:
            self._history.append(execution)
        context = Context.from_dict(result.context)
        context.set("recipe.execution_result", execution, who="runner")
        failed = [s for s in execution["step_results"] if s["status"] in _FAILED]
        if failed and not continue_on_error:
            first = failed[0]
            msg = (
                f"step {first['step_name']} failed: {'; '.join(first['errors']) or first['status']}"
            )
            raise RuntimeError(msg)
        return context

    # -- the rest of the legacy API ----------------------------------------
    def cancel_execution(self) -> None:
        """Cancel the running recipe: no new step starts, unfinished steps end CANCELLED."""
        self._cancelled.set()

    def is_execution_cancelled(self) -> bool:
        """True once :meth:`cancel_execution` was called during the current run."""
        return self._cancelled.is_set()

    def get_execution_history(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Result dicts of the runs so far, newest last (the last *limit* only)."""
        with self._lock:
            history = list(self._history)
        return history[-limit:] if limit else history

    def get_execution_statistics(self) -> dict[str, Any]:
        """Recipes run, steps run and failed, total and average run time."""
        history = self.get_execution_history()
        total = sum(r["execution_time_seconds"] for r in history)
        return {
            "recipes_executed": len(history),
            "steps_executed": sum(r["completed_steps"] + r["failed_steps"] for r in history),
            "steps_failed": sum(r["failed_steps"] for r in history),
            "total_execution_time": total,
            "average_execution_time": total / len(history) if history else 0.0,
        }


_DEBUG_LOCK = threading.Lock()


@contextlib.contextmanager
def _debug_env(debug: bool) -> Iterator[None]:
    """``DEBUG=1`` for the run (Framework0's switch: ``src.core.logger`` loggers log debug)."""
    if not debug:
        yield
        return
    with _DEBUG_LOCK:
        before = os.environ.get("DEBUG")
        os.environ["DEBUG"] = "1"
    try:
        yield
    finally:
        with _DEBUG_LOCK:
            if before is None:
                os.environ.pop("DEBUG", None)
            else:
                os.environ["DEBUG"] = before


def _check_options(step_timeout: float | None, max_retries: int, retry_delay: float) -> None:
    if step_timeout is not None and not step_timeout > 0:
        msg = f"step_timeout must be > 0, not {step_timeout!r}"
        raise ValueError(msg)
    if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
        msg = f"max_retries must be a whole number >= 0, not {max_retries!r}"
        raise ValueError(msg)
    if not retry_delay >= 0:
        msg = f"retry_delay must be >= 0, not {retry_delay!r}"
        raise ValueError(msg)


def _names(value: Iterable[str] | str) -> set[str]:
    """A set of step names from a list or a comma-separated string."""
    if isinstance(value, str):
        return {n.strip() for n in value.split(",") if n.strip()}
    return {str(n) for n in value}


def _edit(
    recipe: f0.Recipe,
    *,
    only: set[str] | None,
    skip: set[str],
    timeout: float | None,
    max_retries: int,
    retry_delay: float,
) -> f0.Recipe:
    """*recipe* with the run options applied (the same object when they change nothing)."""
    raw_steps = recipe.raw.get("steps") if isinstance(recipe.raw, Mapping) else None
    own_retry = {
        str(s.get("name")): "retry" in s
        for s in (raw_steps if isinstance(raw_steps, list) else [])
        if isinstance(s, dict)
    }
    steps = []
    changed = False
    for step in recipe.steps:
        changes: dict[str, Any] = {}
        if step.enabled and ((only is not None and step.name not in only) or step.name in skip):
            changes["enabled"] = False
        if timeout is not None and step.timeout is None:
            changes["timeout"] = timeout
        retries = max(step.retry.retries, max_retries)
        if retries and not own_retry.get(step.name, False):
            # Framework0 slept retry_delay between attempts: a fixed delay, no jitter.
            policy = f0.RetryPolicy(retries=retries, delay=retry_delay, factor=1.0, jitter=0.0)
            if policy != step.retry:
                changes["retry"] = policy
        elif retries != step.retry.retries:
            changes["retry"] = attrs.evolve(step.retry, retries=retries)
        changed = changed or bool(changes)
        steps.append(attrs.evolve(step, **changes) if changes else step)
    return attrs.evolve(recipe, steps=steps) if changed else recipe


def _execution_result(path: Path, report: dict[str, Any], cancelled: bool) -> dict[str, Any]:
    """The legacy ``RecipeExecutionResult.to_dict()`` from ``f0 run --json``."""
    steps = report.get("steps") or {}
    step_results = []
    for index, (name, step) in enumerate(steps.items()):
        status = str(step.get("status"))
        error = step.get("error")
        step_results.append(
            {
                "step_name": name,
                "step_index": index,
                "status": status,
                "success": status in {"COMPLETED", "CACHED"},
                "execution_time_seconds": step.get("duration_s", 0.0),
                "errors": [str(error)] if error and status in _FAILED else [],
                "warnings": [str(error)] if error and status not in _FAILED else [],
                "metadata": {"attempts": step.get("attempts", 0)},
            }
        )
    completed = sum(s["success"] for s in step_results)
    failed = sum(s["status"] in _FAILED for s in step_results)
    total = len(step_results)
    context = report.get("context") or {}
    started = context.get("recipe.started_at")
    now = time.time()
    start = float(started) if isinstance(started, int | float) else now
    status = {"PARTIAL": "PARTIAL", "CANCELLED": "CANCELLED"}.get(str(report.get("status")), "")
    status = status or ("CANCELLED" if cancelled else "FAILED" if failed else "COMPLETED")
    return {
        "recipe_path": str(path),
        "run_id": report.get("run_id"),
        "status": status,
        "start_time": start,
        "end_time": now,
        "execution_time_seconds": max(0.0, now - start),
        "total_steps": total,
        "completed_steps": completed,
        "failed_steps": failed,
        "skipped_steps": total - completed - failed,
        "success_rate": completed / total * 100 if total else 0.0,
        "overall_success": failed == 0 and status == "COMPLETED",
        "step_results": step_results,
        "context_keys_created": sorted(context),
        "global_errors": [],
        "global_warnings": [],
        "execution_metadata": {"engine": "f0.run"},
    }


def run_recipe(recipe_path: str | Path, **options: Any) -> Context:
    """``EnhancedRecipeRunner().run_recipe(recipe_path, **options)``."""
    return EnhancedRecipeRunner().run_recipe(recipe_path, **options)


def main(argv: list[str] | None = None) -> int:
    """``--recipe FILE [--debug] [--only a,b] [--skip c] ...``: exit 0 ok, 1 failed, 2 invalid."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m orchestrator.runner",
        description="Run a Framework0 recipe with f0 (same as: f0 run FILE).",
    )
    parser.add_argument("--recipe", required=True, metavar="FILE", help="recipe file")
    parser.add_argument("--debug", action="store_true", help="debug output (also DEBUG=1)")
    parser.add_argument("--only", metavar="A,B", help="run only these steps")
    parser.add_argument("--skip", metavar="C,D", help="skip these steps")
    parser.add_argument("--continue-on-error", action="store_true")
    parser.add_argument("--timeout", type=float, metavar="S", help="timeout of steps that set none")
    parser.add_argument("--max-retries", type=int, default=0, metavar="N")
    parser.add_argument("--retry-delay", type=float, default=1.0, metavar="S")
    parser.add_argument("--json", action="store_true", help="print the result dict as JSON")
    args = parser.parse_args(argv)
    if args.debug:
        os.environ["DEBUG"] = "1"  # this process only: what every src.core.logger logger reads
    runner = EnhancedRecipeRunner()
    code = 0
    try:
        context = runner.run_recipe(
            args.recipe,
            debug=args.debug or os.environ.get("DEBUG") == "1",
            only=args.only and _names(args.only),
            skip=args.skip and _names(args.skip),
            continue_on_error=args.continue_on_error,
            step_timeout=args.timeout,
            max_retries=args.max_retries,
            retry_delay=args.retry_delay,
        )
        result = context.get("recipe.execution_result")
        code = 0 if result["failed_steps"] == 0 and result["status"] == "COMPLETED" else 1
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)  # noqa: T201 - a command line
        return 2
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)  # noqa: T201
        history = runner.get_execution_history(1)
        result = history[-1] if history else None
        code = 1
    if result is not None:
        if args.json:
            print(json.dumps(result))  # noqa: T201
        else:
            for step in result["step_results"]:
                print(f"{step['step_name']}: {step['status']}")  # noqa: T201
            print(  # noqa: T201
                f"{result['status']}: {result['completed_steps']}/{result['total_steps']} steps completed"
            )
    return code
