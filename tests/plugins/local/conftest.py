"""Fixtures of the local scheduler tests: the real plugin, a scripted step type."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from f0 import Recipe, RunResult, SchedulerOptions
from f0.engine import run_recipe
from f0.hooks import Hooks
from f0.manager import PluginSelection, make_plugin_manager

# The step type lives in a plain top-level module so that worker processes can
# unpickle it by name; --import-mode=importlib does not put this folder on the path.
_HERE = str(Path(__file__).parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

import local_steps  # noqa: E402
from local_steps import CancelAfter, ScriptPlugin  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from f0 import Step


@pytest.fixture(autouse=True)
def _clean_registries() -> Iterator[None]:
    yield
    for event in local_steps.EVENTS.values():
        event.set()  # release any step thread a test abandoned
    local_steps.EVENTS.clear()
    local_steps.BARRIERS.clear()
    local_steps.LOG.clear()
    local_steps.HISTORY.clear()


@pytest.fixture
def script() -> ScriptPlugin:
    return ScriptPlugin()


@pytest.fixture
def hooks(script: ScriptPlugin) -> Hooks:
    pm = make_plugin_manager(PluginSelection(autoload=False, load=("local", "context")))
    pm.register(script, name="script-steps")
    pm.register(CancelAfter(), name="cancel-after")
    return Hooks(pm)


@pytest.fixture
def run(hooks: Hooks) -> Callable[..., RunResult]:
    """``run(*steps, scheduler=..., context_url=..., **SchedulerOptions fields)``."""

    def run(
        *steps: Step, scheduler: str = "local", context_url: str = "memory://", **options: Any
    ) -> RunResult:
        recipe = Recipe(name="t", steps=steps)
        return run_recipe(
            hooks,
            recipe,
            scheduler=scheduler,
            options=SchedulerOptions(**options),
            context_url=context_url,
        )

    return run
