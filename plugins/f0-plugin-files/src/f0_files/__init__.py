"""f0-plugin-files: the ``files`` step type.

Read, write, copy, move, delete, transform and validate text, JSON, CSV and
YAML files, every path confined to a base directory, every write atomic with
a ``.bak`` backup and rollback.

Hooks: ``f0_step_runner`` provides ``files`` and ``f0_step_types`` lists it.
Python API (loaded on first use)::

    from f0_files import confine, read_file, write_file, PathEscapeError
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from f0 import hookimpl, lazy_getattr

if TYPE_CHECKING:
    from f0 import StepRunner

    from f0_files._atomic import Transaction, atomic_write_bytes
    from f0_files._formats import FORMATS, FileFormatError, detect_format, read_file, write_file
    from f0_files._paths import PathEscapeError, confine

__all__ = [
    "FORMATS",
    "STEP_TYPES",
    "FileFormatError",
    "PathEscapeError",
    "Transaction",
    "atomic_write_bytes",
    "confine",
    "detect_format",
    "f0_step_runner",
    "f0_step_types",
    "read_file",
    "write_file",
]

#: The step types this plugin provides.
STEP_TYPES = ("files",)

_EXPORTS: dict[str, str] = {
    "Transaction": "f0_files._atomic",
    "atomic_write_bytes": "f0_files._atomic",
    "FORMATS": "f0_files._formats",
    "FileFormatError": "f0_files._formats",
    "detect_format": "f0_files._formats",
    "read_file": "f0_files._formats",
    "write_file": "f0_files._formats",
    "PathEscapeError": "f0_files._paths",
    "confine": "f0_files._paths",
}

__getattr__ = lazy_getattr(__name__, _EXPORTS)


@hookimpl
def f0_step_runner(step_type: str) -> StepRunner | None:
    """The runner of ``type: files`` steps; None for other types."""
    if step_type != "files":
        return None
    from f0_files._step import FilesStepRunner

    return FilesStepRunner()


@hookimpl
def f0_step_types() -> list[str]:
    """``["files"]``."""
    return list(STEP_TYPES)
