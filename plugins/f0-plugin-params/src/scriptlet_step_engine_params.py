# ruff: noqa: INP001 - a top-level module kept for Framework0 imports
"""Framework0 compatibility: the ``scriptlet_step_engine_params.py`` helper.

The same forms as ``octo_step_engine_parameters.py`` except that PATH is
required::

    python -m scriptlet_step_engine_params PATH [GROUP [KEY [VALUE | -i | -d]]]
"""

from __future__ import annotations

import sys

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """The legacy command line; returns the exit code."""
    from f0_params._cli import main as cli_main

    return cli_main(
        sys.argv[1:] if argv is None else argv,
        prog="scriptlet_step_engine_params.py",
        path_required=True,
    )


if __name__ == "__main__":
    sys.exit(main())
