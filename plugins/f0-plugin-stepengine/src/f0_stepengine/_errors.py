"""Errors of the step engine; each prints as one line per problem (F0Error)."""

from __future__ import annotations

from collections.abc import Iterable

from f0 import F0Error, Problem

__all__ = ["EngineBusyError", "GraphError", "GraphValidationError", "NothingToContinueError"]


class GraphError(F0Error):
    """A graph file that cannot be read at all (missing, not YAML/JSON). Exit code 2."""


class GraphValidationError(F0Error):
    """A graph with one or more errors; ``problems`` holds all of them. Exit code 2.

    Printed as one ``file:line:col: message`` line per problem (warnings too).
    """

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems) or "invalid graph")

    def __str__(self) -> str:
        return self.message


class EngineBusyError(F0Error):
    """Another engine process is running on the same parameter file. Exit code 1."""

    exit_code = 1


class NothingToContinueError(F0Error):
    """``continue`` on a parameter file that is not paused at a breakpoint. Exit code 2."""
