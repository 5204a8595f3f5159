"""Fixtures of the f0-plugin-batch tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from f0.hooks import Hooks
from f0.testing import FIRST_PARTY_PLUGINS, make_test_plugin_manager, run_recipe_file, write_project

#: Processing functions the recipes of these tests use (copied next to each recipe as work.py).
WORK = """
import os
import time
from pathlib import Path


def _mark(params, items):
    # One line per processed partition: the side effect the resume tests count.
    fd = os.open(params["log"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, f"{items[0]}\\n".encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def double(items, params):
    if "log" in params:
        _mark(params, items)
    return [x * 2 for x in items]


def total(items, params):
    return sum(items)


def gated(items, params):
    # Partitions from `gate_from` on wait for the file `gate`: the first run hangs there.
    if items[0] >= params["gate_from"]:
        while not Path(params["gate"]).exists():
            time.sleep(0.02)
    _mark(params, items)
    return [x * 2 for x in items]


def fragile(items, params):
    if any(x in params.get("bad", []) and not Path(params["fixed"]).exists() for x in items):
        raise ValueError(f"cannot take {items}")
    _mark(params, items)
    return items


def echo(items, params):
    return items


def not_json(items, params):
    return {1, 2}
"""


@pytest.fixture
def batch_hooks() -> Hooks:
    """The kernel, the first-party plugins and ``batch``."""
    return Hooks(make_test_plugin_manager(tuple(dict.fromkeys((*FIRST_PARTY_PLUGINS, "batch")))))


@pytest.fixture
def run(batch_hooks: Hooks, tmp_path: Path) -> Callable[..., Any]:
    """``run(recipe_text, files)``: write the recipe, work.py (and files) under tmp_path, run it."""

    def go(recipe: str, files: dict[str, str] | None = None, **options: Any) -> Any:
        write_project(tmp_path, {"recipe.yaml": recipe, "work.py": WORK, **(files or {})})
        return run_recipe_file(
            batch_hooks, tmp_path / "recipe.yaml", continue_on_error=True, **options
        )

    return go


def side_effects(log: Path) -> dict[int, int]:
    """How often each partition (named by its first item) was processed."""
    counts: dict[int, int] = {}
    if log.exists():
        for line in log.read_text().split():
            counts[int(line)] = counts.get(int(line), 0) + 1
    return counts
