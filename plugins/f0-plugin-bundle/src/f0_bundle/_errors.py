"""The errors of f0-plugin-bundle: one line each, printed by the f0 CLI."""

from __future__ import annotations

from f0 import F0Error

__all__ = ["BundleError"]


class BundleError(F0Error):
    """A bundle could not be made, verified or run (exit code 1).

    Bad command-line input is an :class:`f0.UsageError` (exit code 2) instead.
    """

    exit_code = 1
