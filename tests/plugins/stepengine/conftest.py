"""Fixtures of the f0-plugin-stepengine tests."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from f0.manager import F0PluginManager
from f0.testing import CliOutcome, invoke_cli, make_test_plugin_manager

# A node class that records, in its own group, the engine state it sees in the
# parameter file during each lifecycle method (so the test sees what a watcher
# in another process would have seen).
RECORDING_NODE = """
from f0_params import ParamsFile

class {name}:
    step_node_params_dict_init = {{"{name}": {{"seen": [], "visits": 0}}}}

    def __init__(self, name, verbose_flag=False):
        self.name = name
        self.params = ParamsFile()

    def _see(self, method):
        g = self.params.read()["global_parameters"]
        with self.params.transaction() as data:
            data["{name}"]["seen"].append([method, g["step_engine_state"], g["current_step_state"], g["current_step_node"]])
        return 0

    def step_entry(self):
        return self._see("step_entry")

    def step_execute(self):
        self.params.increment("{name}", "visits")
        return self._see("step_execute")

    def step_exit(self):
        return self._see("step_exit")

    def step_advance(self):
        self._see("step_advance")
        return {advance}
"""


def node_module(name: str, advance: str = "None") -> str:
    """Source of a recording node *name* whose step_advance returns the expression *advance*."""
    return RECORDING_NODE.format(name=name, advance=advance)


@pytest.fixture
def se_pm() -> F0PluginManager:
    return make_test_plugin_manager(("params", "stepengine"))


@pytest.fixture
def se_cli(se_pm: F0PluginManager) -> Callable[..., CliOutcome]:
    def run(*args: str) -> CliOutcome:
        return invoke_cli(se_pm, *args)

    return run


@pytest.fixture
def project(tmp_path: Path) -> Callable[[Mapping[str, str]], Path]:
    """Write ``{relative path: text}`` (dedented) under tmp_path/project; make tmp_path/run."""

    def write(files: Mapping[str, str]) -> Path:
        root = tmp_path / "project"
        for rel, text in files.items():
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        (tmp_path / "run").mkdir(exist_ok=True)
        return root

    return write
