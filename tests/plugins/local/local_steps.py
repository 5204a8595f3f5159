"""A scripted step type for the local scheduler's tests (no f0-plugin-python needed).

A step of type ``"script"`` runs the operations in ``step.options["ops"]``, in
order, each a ``(name, argument)`` pair:

``("set", {k: v})``            write keys through the step's context
``("copy", (src, dst))``       ``dst = src + 1`` (reads another step's write)
``("sleep", s)``               sleep *s* seconds
``("fail_before", n)``         fail while ``env.attempt < n``
``("fail", msg)``              fail with *msg*
``("raise", msg)``             raise RuntimeError(msg)
``("barrier", name)``          wait on ``BARRIERS[name]`` (threads only)
``("wait", name)``             wait (max 10 s) for ``EVENTS[name]`` (threads only)
``("signal", name)``           set ``EVENTS[name]`` (threads only)
``("log", name)``              append (step, name) to ``LOG`` (threads only)
``("touch", path)``            create the file *path* (processes too)
``("pid", path)``              write ``os.getpid()`` into *path*
``("history", key)``          store ``[(who, after), ...]`` of *key* in ``HISTORY`` (threads)
``("late_set", key)``          after the ops before it, try one more write; record
                                in ``LOG`` whether the context refused it

The runner class is at module level so process workers can unpickle it.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

from f0 import Recipe, Step, StepClosedError, StepOutcome, hookimpl

BARRIERS: dict[str, threading.Barrier] = {}
EVENTS: dict[str, threading.Event] = {}
LOG: list[tuple[str, str]] = []
HISTORY: dict[str, list[tuple[str | None, Any]]] = {}
_LOG_LOCK = threading.Lock()


def log(step: str, what: str) -> None:
    with _LOG_LOCK:
        LOG.append((step, what))


class ScriptRunner:
    """Runs the ops of a ``script`` step."""

    option_keys = frozenset({"ops"})

    def prepare(self, step: Step, recipe: Recipe) -> list[Any]:
        return []

    def run(self, step: Step, context: Any, env: Any) -> StepOutcome:
        for op, arg in step.options.get("ops", ()):
            if op == "set":
                for key, value in arg.items():
                    context.set(key, value)
            elif op == "copy":
                src, dst = arg
                context.set(dst, context.get(src) + 1)
            elif op == "sleep":
                time.sleep(arg)
            elif op == "fail_before":
                if env.attempt < arg:
                    return StepOutcome(success=False, exit_code=3, error=f"attempt {env.attempt}")
            elif op == "fail":
                return StepOutcome(success=False, exit_code=2, error=arg)
            elif op == "raise":
                raise RuntimeError(arg)
            elif op == "barrier":
                BARRIERS[arg].wait()
            elif op == "wait":
                EVENTS[arg].wait(10)
            elif op == "signal":
                EVENTS[arg].set()
            elif op == "log":
                log(step.name, arg)
            elif op == "touch":
                Path(arg).write_text("written", encoding="utf-8")
            elif op == "pid":
                Path(arg).write_text(str(os.getpid()), encoding="utf-8")
            elif op == "history":
                HISTORY[arg] = [(e["who"], e["after"]) for e in context.get_history(arg)]
            elif op == "late_set":
                try:
                    context.set(arg, "late")
                except StepClosedError:
                    log(step.name, "write refused")
                else:
                    log(step.name, "write accepted")
            else:
                msg = f"unknown op {op!r}"
                raise ValueError(msg)
        return StepOutcome(success=True, result={"step": step.name})


class Unpicklable(ScriptRunner):
    """A runner that cannot go to a worker process."""

    def __init__(self) -> None:
        self.lock = threading.Lock()


class ScriptPlugin:
    """Provides the ``script`` (and ``unpicklable``) step types; records observer calls."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, Any]] = []
        self._lock = threading.Lock()

    @hookimpl
    def f0_step_runner(self, step_type: str) -> Any:
        if step_type == "script":
            return ScriptRunner()
        if step_type == "unpicklable":
            return Unpicklable()
        return None

    @hookimpl
    def f0_step_started(self, run: Any, step: Step, attempt: int) -> None:
        with self._lock:
            self.events.append(("started", step.name, attempt))

    @hookimpl
    def f0_step_finished(self, run: Any, step: Step, result: Any, delta: Any) -> None:
        with self._lock:
            self.events.append(("finished", step.name, result.status.value))

    def started(self) -> list[str]:
        return [name for kind, name, _ in self.events if kind == "started"]

    def finished(self) -> list[str]:
        return [name for kind, name, _ in self.events if kind == "finished"]


def step(name: str, idx: int, *ops: tuple[str, Any], **fields: Any) -> Step:
    """A ``script`` step running *ops*."""
    fields.setdefault("type", "script")
    return Step(name=name, idx=idx, options={"ops": list(ops)}, **fields)


class CancelAfter:
    """Provides the scheduler ``local-cancel-after``: the real local scheduler,
    with ``session.cancel()`` called from a timer thread after
    ``options.extra["cancel_after"]`` seconds (default 0.3)."""

    @hookimpl
    def f0_scheduler(self, name: str, options: Any) -> Any:
        if name != "local-cancel-after":
            return None
        import f0_local  # the plugin under test

        return _Cancelling(
            f0_local.f0_scheduler(name="local", options=options),
            options.extra.get("cancel_after", 0.3),
        )


class _Cancelling:
    def __init__(self, inner: Any, delay: float) -> None:
        self.inner = inner
        self.delay = delay

    def run(self, session: Any) -> None:
        timer = threading.Timer(self.delay, session.cancel)
        timer.start()
        try:
            self.inner.run(session)
        finally:
            timer.cancel()
