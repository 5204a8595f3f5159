"""The F0Error tree.

Every error a user can cause is an :class:`F0Error`; the CLI prints it as one
line (``file:line:col: message``) and exits with its ``exit_code``. Anything
else that escapes is a bug and shows a traceback only with ``F0_DEBUG=1``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the CLI imports this module on start; keep it cheap
    from f0.model import Problem, SourcePos

__all__ = [
    "F0Error",
    "MissingProviderError",
    "PluginError",
    "RecipeError",
    "RecipeValidationError",
    "ResumeRefusedError",
    "StepFailedError",
    "StoreError",
    "UsageError",
]


class F0Error(Exception):
    """Base of every error f0 reports to a user.

    ``pos`` (a :class:`SourcePos`) or ``where`` (a key/argument name) say what
    is at fault; ``exit_code`` is what the CLI exits with.
    """

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        pos: SourcePos | None = None,
        where: str | None = None,
        plugin: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos
        self.where = where
        self.plugin = plugin

    def __str__(self) -> str:
        place = str(self.pos) if self.pos else self.where
        return f"{place}: {self.message}" if place else self.message


class UsageError(F0Error):
    """Bad command-line input (``--set`` without ``=``, a missing file...)."""


class RecipeError(F0Error):
    """A recipe that cannot be read at all (syntax error, empty file...)."""


class RecipeValidationError(F0Error):
    """A recipe with one or more ERROR problems; carries all of them."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        errors = [p for p in self.problems if p.is_error]
        first = errors[0] if errors else None
        super().__init__(
            "\n".join(str(p) for p in errors) or "invalid recipe",
            pos=None,
            where=first.where if first else None,
        )

    def __str__(self) -> str:
        return self.message


class MissingProviderError(F0Error):
    """No installed plugin provides what was asked (a file type, a scheme...).

    The message names the distribution to install where the kernel knows it.
    """


class PluginError(F0Error):
    """A plugin misbehaved (clashing command names, a broken provider...)."""


class StepFailedError(F0Error):
    """Raised by the compatibility runner when a step fails (legacy ``RuntimeError``)."""

    exit_code = 1


class ResumeRefusedError(F0Error):
    """A completed step of the run to resume changed since (use ``--force``).

    Raised by the plugin that decides steps (``f0_step_decisions``, in
    f0-plugin-cache); it lives here so callers catch it without that plugin.
    """


class StoreError(F0Error):
    """The run store cannot be read or written (damaged, locked, read-only...).

    Exit code 3, distinct from a failed run (1) and bad input (2), so scripts
    can tell "the history is broken" from "the work failed". The message names
    the store file and what to do (``f0 store check`` / ``f0 store repair``).
    ``result`` is the run's result when the run itself went on but could not
    be fully recorded.
    """

    exit_code = 3
    result: object = None
