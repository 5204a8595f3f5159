"""The parameter file's names, default schema and state names (spec: params_engine.md §1-2)."""

from __future__ import annotations

import copy
import enum
from pathlib import Path
from typing import Any

__all__ = [
    "DEFAULT_FILE_NAME",
    "DEFAULT_LOCK_FILE_NAME",
    "GLOBAL_GROUP",
    "EngineState",
    "StepState",
    "get_default_param_dict",
    "lock_path_for",
]

#: The parameter file of a step instance directory.
DEFAULT_FILE_NAME = ".octo_step_engine_parameters.json"
#: Its lock file, next to it; created when missing, never deleted.
DEFAULT_LOCK_FILE_NAME = ".octo_step_engine_parameters.lock"
#: The group holding the engine's own state.
GLOBAL_GROUP = "global_parameters"


class EngineState(enum.StrEnum):
    """Values of ``global_parameters.step_engine_state``."""

    INACTIVE = "INACTIVE"
    STARTUP = "STARTUP"
    RUNNING = "RUNNING"
    COMPLETE_SUCCESS = "COMPLETE_SUCCESS"
    COMPLETE_ERROR = "COMPLETE_ERROR"


class StepState(enum.StrEnum):
    """Values of ``global_parameters.current_step_state``."""

    INACTIVE = "INACTIVE"
    ENTER = "ENTER"
    EXECUTE = "EXECUTE"
    EXIT = "EXIT"
    ADVANCE = "ADVANCE"
    JUMP = "JUMP"


_DEFAULTS: dict[str, Any] = {
    GLOBAL_GROUP: {
        "step_engine_library_path": "",
        "step_engine_instance_path": "",
        "step_engine_state": EngineState.INACTIVE.value,
        "current_step_module": "",
        "current_step_node": "",
        "current_step_state": StepState.INACTIVE.value,
        "first_step_module": "",
        "first_step_node": "",
        "run_step_count": 1,
    }
}


def get_default_param_dict() -> dict[str, Any]:
    """A fresh copy of the default schema (mutating it never changes later defaults)."""
    return copy.deepcopy(_DEFAULTS)


def lock_path_for(path: Path) -> Path:
    """The lock file that goes with parameter file *path*.

    ``x.json`` -> ``x.lock`` (so the default file gets the default lock name);
    any other name gets ``.lock`` appended.
    """
    if path.suffix == ".json":
        return path.with_suffix(".lock")
    return path.with_name(path.name + ".lock")
