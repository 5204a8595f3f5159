# ruff: noqa: INP001 - a top-level module kept for Framework0 imports
"""Framework0 compatibility: ``from octo_step_engine_parameters import octo_step_engine_parameters``.

The class, the module-level functions and the command line of the legacy
``octo_step_engine_parameters.py``, backed by :mod:`f0_params`::

    python -m octo_step_engine_parameters [PATH [GROUP [KEY [VALUE | -i | -d]]]]
"""

from __future__ import annotations

import sys

from f0_params import (
    dictionary_display,
    get_default_param_dict,
    get_default_param_file_name,
    get_default_param_lock_file_name,
    increment_json_dict,
    octo_step_engine_parameters,
    read_json_dict,
    update_json_dict,
)

__all__ = [
    "dictionary_display",
    "get_default_param_dict",
    "get_default_param_file_name",
    "get_default_param_lock_file_name",
    "increment_json_dict",
    "main",
    "octo_step_engine_parameters",
    "read_json_dict",
    "update_json_dict",
]


def main(argv: list[str] | None = None) -> int:
    """The legacy command line; returns the exit code."""
    from f0_params._cli import main as cli_main

    return cli_main(sys.argv[1:] if argv is None else argv, prog="octo_step_engine_parameters.py")


if __name__ == "__main__":
    sys.exit(main())
