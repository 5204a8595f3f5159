"""Errors of the parameter file.

Each is an :class:`f0.F0Error` (the CLI prints one line and exits with its
``exit_code``) and also the built-in exception the Framework0 API promised:
a corrupt file is a ``ValueError``, a wrong type a ``TypeError``, a lock
that cannot be taken a ``TimeoutError``.
"""

from __future__ import annotations

from f0 import F0Error, UsageError

__all__ = [
    "ParamsError",
    "ParamsFileError",
    "ParamsKeyError",
    "ParamsLockTimeoutError",
    "ParamsTypeError",
    "ParamsUsageError",
]


class ParamsError(F0Error):
    """Base of the parameter file's errors (exit code 1 unless stated)."""

    exit_code = 1


class ParamsFileError(ParamsError, ValueError):
    """The file cannot be used: not JSON, not an object, not UTF-8, unreadable.

    The message names the file and, for JSON errors, ``line:col``. The file
    is left exactly as it was. Exit code 2.
    """

    exit_code = 2


class ParamsTypeError(ParamsError, TypeError):
    """A value of the wrong type: incrementing a non-integer, a group that is not an object."""


class ParamsKeyError(ParamsError, LookupError):
    """A group or key that is not in the file (reading or deleting it)."""


class ParamsUsageError(UsageError, ValueError):
    """A request that makes no sense (deleting a key of the default schema...). Exit code 2."""


class ParamsLockTimeoutError(ParamsError, TimeoutError):
    """The lock file could not be taken within the timeout.

    ``lock_file`` is its path, ``holder_pid`` the pid the holder wrote into
    it (None when unknown: a holder that is not f0, or an empty lock file).
    """

    def __init__(self, message: str, *, lock_file: str, holder_pid: int | None) -> None:
        super().__init__(message, where=lock_file)
        self.lock_file = lock_file
        self.holder_pid = holder_pid
