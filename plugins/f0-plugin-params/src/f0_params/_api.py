"""The Framework0 API: functions named as in params_engine.md §3, and the octo class.

Every function takes ``(default_dict, file_name, lock_file_name, ...)`` first,
like the legacy methods, and delegates to a :class:`ParamsFile`. Relative file
names resolve against the current directory at each call.
"""

from __future__ import annotations

import json
import sys
from typing import IO, Any

from f0_params._errors import ParamsTypeError
from f0_params._file import ParamsFile
from f0_params._lock import DEFAULT_TIMEOUT
from f0_params._schema import DEFAULT_FILE_NAME, DEFAULT_LOCK_FILE_NAME, get_default_param_dict

__all__ = [
    "dictionary_display",
    "format_value",
    "get_default_param_dict",
    "get_default_param_file_name",
    "get_default_param_lock_file_name",
    "increment_json_dict",
    "octo_step_engine_parameters",
    "read_json_dict",
    "update_json_dict",
]


def get_default_param_file_name() -> str:
    """``".octo_step_engine_parameters.json"``."""
    return DEFAULT_FILE_NAME


def get_default_param_lock_file_name() -> str:
    """``".octo_step_engine_parameters.lock"``."""
    return DEFAULT_LOCK_FILE_NAME


def _file(
    default_dict: dict[str, Any],
    file_name: str,
    lock_file_name: str,
    timeout: float,
    durable: bool | None,
) -> ParamsFile:
    return ParamsFile(
        file_name, lock_file_name, defaults=default_dict, timeout=timeout, durable=durable
    )


def read_json_dict(
    default_dict: dict[str, Any],
    file_name: str,
    lock_file_name: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    durable: bool | None = None,
) -> dict[str, Any]:
    """The whole file; created with *default_dict* when missing or empty.

    Keys of *default_dict* missing from the file are filled in and written
    back; existing values are never overwritten. A corrupt file raises
    ``ValueError`` (:class:`~f0_params.ParamsFileError`) naming it.
    """
    return _file(default_dict, file_name, lock_file_name, timeout, durable).read()


def update_json_dict(  # noqa: PLR0917 - the legacy positional signature
    default_dict: dict[str, Any],
    file_name: str,
    lock_file_name: str,
    main_key: str,
    sub_key: str,
    sub_value: Any,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    durable: bool | None = None,
) -> dict[str, Any]:
    """Under one lock: set ``[main_key][sub_key] = sub_value``; return the whole dict.

    The group is created when missing; a *main_key* naming a non-object
    raises ``TypeError``.
    """
    params = _file(default_dict, file_name, lock_file_name, timeout, durable)
    return params.update(main_key, sub_key, sub_value)


def increment_json_dict(  # noqa: PLR0917 - the legacy positional signature
    default_dict: dict[str, Any],
    file_name: str,
    lock_file_name: str,
    main_key: str,
    sub_key: str,
    increment_bool: bool,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    durable: bool | None = None,
) -> dict[str, Any]:
    """Under one lock: ``True`` adds 1, ``False`` subtracts 1; return the whole dict.

    A missing group or key counts as 0. A non-integer value (a bool
    included) raises ``TypeError`` and leaves the file unchanged. N
    processes incrementing at once end exactly N higher.
    """
    if not isinstance(increment_bool, bool):
        msg = f"increment_bool must be True or False, not {increment_bool!r}"
        raise ParamsTypeError(msg)
    params = _file(default_dict, file_name, lock_file_name, timeout, durable)
    return params.increment(main_key, sub_key, 1 if increment_bool else -1)


def format_value(value: Any) -> str:
    """A value as the CLI prints it: strings raw, everything else as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def dictionary_display(param_dictionary: dict[str, Any], file: IO[str] | None = None) -> None:
    """Print one line per group, then an indented ``sub_key : value`` line per key.

    A top-level value that is not a group prints as ``name : value``.
    """
    out = file if file is not None else sys.stdout
    for group, section in param_dictionary.items():
        if isinstance(section, dict):
            out.write(f"{group}\n")
            for key, value in section.items():
                out.write(f"    {key} : {format_value(value)}\n")
        else:
            out.write(f"{group} : {format_value(section)}\n")


class octo_step_engine_parameters:  # noqa: N801 - the Framework0 class name
    """The Framework0 class: the same functions as methods.

    ``octo_step_engine_parameters()`` takes no arguments and touches no file.
    """

    def get_default_param_dict(self) -> dict[str, Any]:
        """A fresh copy of the default schema."""
        return get_default_param_dict()

    def get_default_param_file_name(self) -> str:
        """``".octo_step_engine_parameters.json"``."""
        return DEFAULT_FILE_NAME

    def get_default_param_lock_file_name(self) -> str:
        """``".octo_step_engine_parameters.lock"``."""
        return DEFAULT_LOCK_FILE_NAME

    def read_json_dict(
        self, default_dict: dict[str, Any], file_name: str, lock_file_name: str
    ) -> dict[str, Any]:
        """See :func:`read_json_dict`."""
        return read_json_dict(default_dict, file_name, lock_file_name)

    def update_json_dict(  # noqa: PLR0917 - the legacy positional signature
        self,
        default_dict: dict[str, Any],
        file_name: str,
        lock_file_name: str,
        main_key: str,
        sub_key: str,
        sub_value: Any,
    ) -> dict[str, Any]:
        """See :func:`update_json_dict`."""
        return update_json_dict(
            default_dict, file_name, lock_file_name, main_key, sub_key, sub_value
        )

    def increment_json_dict(  # noqa: PLR0917 - the legacy positional signature
        self,
        default_dict: dict[str, Any],
        file_name: str,
        lock_file_name: str,
        main_key: str,
        sub_key: str,
        increment_bool: bool,
    ) -> dict[str, Any]:
        """See :func:`increment_json_dict`."""
        return increment_json_dict(
            default_dict, file_name, lock_file_name, main_key, sub_key, increment_bool
        )

    def dictionary_display(self, param_dictionary: dict[str, Any]) -> None:
        """See :func:`dictionary_display`."""
        dictionary_display(param_dictionary)
