"""Step code shared by the end-to-end recipes (copied next to each recipe as ``steps.py``)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from f0 import BaseScriptlet


def _log(params: dict[str, Any], name: str) -> None:
    # One line per execution: the tests read order and counts from this file.
    log = params.get("log") or os.environ.get("STEP_LOG")
    if log:
        with Path(log).open("a", encoding="utf-8") as handle:
            handle.write(name + "\n")


def put(context: Any, params: dict[str, Any]) -> None:
    """Set every key of params["values"]."""
    _log(params, params.get("me", "put"))
    for key, value in params.get("values", {}).items():
        context.set(key, value)


def add(context: Any, params: dict[str, Any]) -> None:
    """context[out] = sum of context[inputs]."""
    _log(params, params.get("me", params["out"]))
    context.set(params["out"], sum(context.get(k) for k in params["inputs"]))


def flaky(context: Any, params: dict[str, Any]) -> None:
    """Fail until attempt params["succeed_on"] (counted in a file)."""
    counter = Path(params["counter"])
    n = int(counter.read_text()) + 1 if counter.exists() else 1
    counter.write_text(str(n))
    if n < params["succeed_on"]:
        msg = f"attempt {n} failed"
        raise RuntimeError(msg)
    context.set("flaky.succeeded_on", n)


def slow(context: Any, params: dict[str, Any]) -> None:
    """Sleep, then write (used for timeouts and cancellation)."""
    _log(params, params.get("me", "slow"))
    if "started" in params:
        Path(params["started"]).write_text("started")
    time.sleep(params["seconds"])
    context.set(params.get("key", "slow.done"), True)
    if "finished" in params:
        Path(params["finished"]).write_text("finished")


def boom(context: Any, params: dict[str, Any]) -> None:
    """Always fails."""
    _log(params, params.get("me", "boom"))
    context.set("boom.partial", "should never be seen")
    msg = "boom"
    raise ValueError(msg)


def not_json(context: Any, params: dict[str, Any]) -> None:
    """Writes a value JSON cannot encode."""
    context.set("ok.before", 1)
    context.set("bad", object())


def returns_code(context: Any, params: dict[str, Any]) -> int:
    """Returns params["code"] as its exit code."""
    return int(params["code"])


def keyword_only(a: int, b: int) -> None:
    """A plain callable: called with **args."""
    Path(os.environ["KW_OUT"]).write_text(f"{a + b}\n")


class Greeter:
    """Duck-typed legacy scriptlet: run(self, context, params)."""

    def run(self, context: Any, params: dict[str, Any]) -> int:
        context.set("greeting", f"hello {params['who']}")
        return 0


class Porter(BaseScriptlet):
    """A Framework0 BaseScriptlet subclass."""

    def run(self, context: Any, params: dict[str, Any]) -> int:
        context.set("ported.name", self.__class__.__name__)
        context.set("ported.params", params)
        return 0
