"""f0-plugin-params: the locked JSON parameter file of Framework0's octo step engine.

Public API (importing a name loads its module on first use, so that
``import f0_params`` for the hooks stays cheap)::

    from f0_params import ParamsFile, read_json_dict, update_json_dict, increment_json_dict

Hooks: ``f0_register_commands`` adds ``f0 params``; ``f0_step_runner`` provides
the ``params`` step type and ``f0_step_types`` lists it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from f0 import hookimpl, lazy_getattr

if TYPE_CHECKING:
    import typer
    from f0 import StepRunner

    from f0_params._api import (
        dictionary_display,
        format_value,
        get_default_param_file_name,
        get_default_param_lock_file_name,
        increment_json_dict,
        octo_step_engine_parameters,
        read_json_dict,
        update_json_dict,
    )
    from f0_params._cli import parse_value
    from f0_params._errors import (
        ParamsError,
        ParamsFileError,
        ParamsKeyError,
        ParamsLockTimeoutError,
        ParamsTypeError,
        ParamsUsageError,
    )
    from f0_params._file import FAST_ENV, ParamsFile
    from f0_params._lock import DEFAULT_TIMEOUT, read_holder_pid
    from f0_params._schema import (
        DEFAULT_FILE_NAME,
        DEFAULT_LOCK_FILE_NAME,
        GLOBAL_GROUP,
        EngineState,
        StepState,
        get_default_param_dict,
        lock_path_for,
    )

__all__ = [
    "DEFAULT_FILE_NAME",
    "DEFAULT_LOCK_FILE_NAME",
    "DEFAULT_TIMEOUT",
    "FAST_ENV",
    "GLOBAL_GROUP",
    "STEP_TYPES",
    "EngineState",
    "ParamsError",
    "ParamsFile",
    "ParamsFileError",
    "ParamsKeyError",
    "ParamsLockTimeoutError",
    "ParamsTypeError",
    "ParamsUsageError",
    "StepState",
    "dictionary_display",
    "f0_register_commands",
    "f0_step_runner",
    "f0_step_types",
    "format_value",
    "get_default_param_dict",
    "get_default_param_file_name",
    "get_default_param_lock_file_name",
    "increment_json_dict",
    "lock_path_for",
    "octo_step_engine_parameters",
    "parse_value",
    "read_holder_pid",
    "read_json_dict",
    "update_json_dict",
]

#: The step types this plugin provides.
STEP_TYPES = ("params",)

_EXPORTS: dict[str, str] = {
    "dictionary_display": "f0_params._api",
    "format_value": "f0_params._api",
    "get_default_param_file_name": "f0_params._api",
    "get_default_param_lock_file_name": "f0_params._api",
    "increment_json_dict": "f0_params._api",
    "octo_step_engine_parameters": "f0_params._api",
    "read_json_dict": "f0_params._api",
    "update_json_dict": "f0_params._api",
    "parse_value": "f0_params._cli",
    "ParamsError": "f0_params._errors",
    "ParamsFileError": "f0_params._errors",
    "ParamsKeyError": "f0_params._errors",
    "ParamsLockTimeoutError": "f0_params._errors",
    "ParamsTypeError": "f0_params._errors",
    "ParamsUsageError": "f0_params._errors",
    "FAST_ENV": "f0_params._file",
    "ParamsFile": "f0_params._file",
    "DEFAULT_TIMEOUT": "f0_params._lock",
    "read_holder_pid": "f0_params._lock",
    "DEFAULT_FILE_NAME": "f0_params._schema",
    "DEFAULT_LOCK_FILE_NAME": "f0_params._schema",
    "GLOBAL_GROUP": "f0_params._schema",
    "EngineState": "f0_params._schema",
    "StepState": "f0_params._schema",
    "get_default_param_dict": "f0_params._schema",
    "lock_path_for": "f0_params._schema",
}


__getattr__ = lazy_getattr(__name__, _EXPORTS)


@hookimpl
def f0_register_commands(app: typer.Typer) -> None:
    """Add ``f0 params``."""
    from f0_params._command import register

    register(app)


@hookimpl
def f0_step_runner(step_type: str) -> StepRunner | None:
    """The runner of ``type: params`` steps; None for other types."""
    if step_type != "params":
        return None
    from f0_params._step import ParamsStepRunner

    return ParamsStepRunner()


@hookimpl
def f0_step_types() -> list[str]:
    """``["params"]``."""
    return list(STEP_TYPES)
