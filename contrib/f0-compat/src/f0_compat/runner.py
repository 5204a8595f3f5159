"""``orchestrator.runner``: Framework0's ``EnhancedRecipeRunner`` over ``f0 run``.

Each :meth:`EnhancedRecipeRunner.run_recipe` is one real ``f0 run --json``
(the installed f0: loader, validator, scheduler, timeouts, retries). The
legacy run options become recipe edits f0 understands: ``only``/``skip`` →
``enabled: false``; ``step_timeout``/``default_timeout`` → each step's
``timeout`` where it sets none; ``max_retries``/``retry_delay`` →
``retry_count`` and a fixed ``retry: {delay}``. When an option changes the
recipe, the edited copy is run from a temporary folder with the recipe's
own folder on ``PYTHONPATH``, so its step modules are still found.
"""

from __future__ import annotations

import copy
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from f0_compat.context import Context
from f0_compat.f0cli import f0_command
from f0_compat.recipes import load_recipe_file

__all__ = ["EnhancedRecipeRunner", "main", "run_recipe"]

_FAILED = {"FAILED", "TIMEOUT"}


class EnhancedRecipeRunner:
    """Runs recipes through ``f0 run``; returns Framework0-style Contexts.

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
        self._process: subprocess.Popen[str] | None = None
        self._cancelled = threading.Event()

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
        data = load_recipe_file(path)  # FileNotFoundError / ValueError before anything runs
        edited = _edit(
            data,
            only=None if only is None else _names(only),
            skip=_names(skip or ()),
            timeout=step_timeout if step_timeout is not None else self.default_timeout,
            max_retries=max_retries,
            retry_delay=retry_delay,
        )
        self._cancelled.clear()
        with tempfile.TemporaryDirectory(prefix="f0-compat-run-") as tmp:
            target = path
            if edited is not None:
                target = Path(tmp) / (path.stem + ".json")
                target.write_text(json.dumps(edited, default=str), encoding="utf-8")
            # Framework0 ran recipes with keys it did not know: --lenient keeps that.
            args = ["run", "--json", "--lenient", str(target)]
            args += ["--set", f"recipe.path={path}"] if edited is not None else []
            args += [] if self.store is None else ["--store", self.store]
            args += [] if self.workers is None else ["--workers", str(self.workers)]
            args += ["--continue-on-error"] if continue_on_error else []
            args += ["--debug"] if debug else ["--quiet"]
            extra = [str(path.resolve().parent)] if edited is not None else []
            code, stdout, stderr = self._run(args, extra, debug=debug)
        report = _last_json(stdout)
        if stderr and code != 2:  # noqa: PLR2004 - an invalid recipe's report goes into the error
            sys.stderr.write(stderr)  # what steps printed, warnings, debug logs
        if code == 2 or report is None:  # noqa: PLR2004 - f0's exit code for an invalid recipe
            detail = stderr.strip() or f"f0 run exited with code {code}"
            if code == 2:  # noqa: PLR2004
                msg = f"invalid recipe {path}:\n{detail}"
                raise ValueError(msg)
            msg = f"f0 run failed for {path}: {detail}"
            raise RuntimeError(msg)
        result = _execution_result(path, report, self._cancelled.is_set())
        with self._lock:
            self._history.append(result)
        context = Context.from_dict(report.get("context") or {})
        context.set("recipe.execution_result", result, who="runner")
        failed = [s for s in result["step_results"] if s["status"] in _FAILED]
        if failed and not continue_on_error:
            first = failed[0]
            msg = (
                f"step {first['step_name']} failed: {'; '.join(first['errors']) or first['status']}"
            )
            raise RuntimeError(msg)
        return context

    def _run(self, args: list[str], extra_path: list[str], *, debug: bool) -> tuple[int, str, str]:
        env = dict(os.environ)
        if debug:
            env["DEBUG"] = "1"  # Framework0's switch: src.core.logger loggers log debug too
        if extra_path:
            env["PYTHONPATH"] = os.pathsep.join(
                [*extra_path, *filter(None, [env.get("PYTHONPATH")])]
            )
        process = subprocess.Popen(
            [*f0_command(), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        with self._lock:
            self._process = process
        try:
            stdout, stderr = process.communicate()
        finally:
            with self._lock:
                self._process = None
        return process.returncode, stdout, stderr

    # -- the rest of the legacy API ----------------------------------------
    def cancel_execution(self) -> None:
        """Cancel the running recipe (f0 ends steps not finished CANCELLED)."""
        self._cancelled.set()
        with self._lock:
            process = self._process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGINT)

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
    data: dict[str, Any],
    *,
    only: set[str] | None,
    skip: set[str],
    timeout: float | None,
    max_retries: int,
    retry_delay: float,
) -> dict[str, Any] | None:
    """*data* with the run options applied, or None when they change nothing."""
    steps = data.get("steps")
    if not isinstance(steps, list):
        return None
    edited = copy.deepcopy(data)
    changed = False
    for step in edited["steps"]:
        if not isinstance(step, dict):
            continue
        name = step.get("name")
        if (only is not None and name not in only) or name in skip:
            changed = changed or step.get("enabled", True) is not False
            step["enabled"] = False
        if timeout is not None and step.get("timeout") is None:
            step["timeout"] = timeout
            changed = True
        own = step.get("retry_count", step.get("retries", 0))
        retries = max(own if isinstance(own, int) else 0, max_retries)
        if retries != own:
            step.pop("retries", None)
            step["retry_count"] = retries
            changed = True
        if retries and "retry" not in step:
            # Framework0 slept retry_delay between attempts: a fixed delay.
            step["retry"] = {"delay": retry_delay}
            changed = True
    return edited if changed else None


def _last_json(stdout: str) -> dict[str, Any] | None:
    for line in reversed(stdout.strip().splitlines()):
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            continue
        return value if isinstance(value, dict) else None
    return None


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
        "execution_metadata": {"engine": "f0 run"},
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
