"""Step code of the dask tests (copied next to each recipe as ``steps.py``).

Steps append one line per execution to ``params["log"]`` so tests can count
what really ran, wherever it ran.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any


def _log(params: dict[str, Any], line: str) -> None:
    log = params.get("log")
    if log:
        with Path(log).open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")


def put(context: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Set params["values"]; sleep params["sleep"] seconds in between (a long step)."""
    me = params.get("me", "put")
    _log(params, f"start {me} {os.getpid()}")
    time.sleep(params.get("sleep", 0))
    for key, value in params.get("values", {}).items():
        context.set(key, value)
    _log(params, f"end {me} {os.getpid()}")
    return {"me": me}


def add(context: Any, params: dict[str, Any]) -> None:
    """context[out] = sum of context[inputs]."""
    context.set(params["out"], sum(context.get(k) for k in params["inputs"]))


def flaky(context: Any, params: dict[str, Any]) -> None:
    """Fail until this step has run params["fail"] times (counted in params["counter"])."""
    counter = Path(params["counter"])
    runs = int(counter.read_text()) + 1 if counter.exists() else 1
    counter.write_text(str(runs))
    if runs <= params["fail"]:
        msg = f"flaky failure {runs}"
        raise RuntimeError(msg)
    context.set("flaky.runs", runs)


def boom(context: Any, params: dict[str, Any]) -> None:
    """Always fails."""
    context.set("boom.partial", True)  # discarded: a failed step changes nothing
    raise ValueError("boom")


def gate(context: Any, params: dict[str, Any]) -> None:
    """Fail while the file params["flag"] exists (so a resumed run can pass)."""
    if Path(params["flag"]).exists():
        raise RuntimeError("gate closed")
    context.set("gate.open", True)


def sleepy(context: Any, params: dict[str, Any]) -> None:
    """Sleep params["seconds"], then write a key (never reached past a timeout)."""
    time.sleep(params["seconds"])
    context.set("sleepy.done", True)


def where(context: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Report where this module runs and read a data file beside it."""
    here = Path(__file__).resolve().parent
    data = (here / "data" / "input.txt").read_text(encoding="utf-8").strip()
    (here / "written-by-step.txt").write_text("x", encoding="utf-8")
    context.set("where.data", data)
    return {"folder": str(here)}
