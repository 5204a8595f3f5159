"""Recipes and result comparison for the dask tests."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

STEPS = Path(__file__).with_name("dask_steps.py")
#: A measured time inside a message ("half-open in 59.6s"): differs between any two runs.
_SECONDS = re.compile(r"\b\d+\.\d+s\b")


def write_recipe(folder: Path, body: str, name: str = "recipe.yaml") -> Path:
    """Write *body* as a recipe in *folder*, with dask_steps.py beside it as steps.py."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(STEPS, folder / "steps.py")
    recipe = folder / name
    recipe.write_text(body, encoding="utf-8")
    return recipe


def comparable(result: dict[str, Any], folder: Path) -> dict[str, Any]:
    """An ``f0 run --json`` result without what differs between any two runs (ids, times).

    The recipe's *folder* reads ``<recipe folder>``: each run has its own copy;
    a time with decimals inside a text ("half-open in 59.6s") reads ``<N.N>s``.
    """
    context = {
        key: value
        for key, value in result["context"].items()
        if key != "recipe.started_at" and not key.endswith(".duration")
    }
    steps = {
        name: {k: v for k, v in step.items() if k != "duration_s"}
        for name, step in result["steps"].items()
    }
    same = {"status": result["status"], "steps": steps, "context": context}
    text = json.dumps(same).replace(str(folder), "<recipe folder>")
    return json.loads(_SECONDS.sub("<N.N>s", text))
