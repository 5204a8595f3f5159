"""Value objects of an analysis: a file to bundle, a distribution needed, an unresolved need."""

from __future__ import annotations

from pathlib import Path

import attrs

__all__ = ["BundleFile", "Need", "Unresolved"]


@attrs.frozen(kw_only=True)
class BundleFile:
    """A file of the recipe folder that goes into the bundle."""

    #: POSIX path relative to the recipe folder (= the bundle root).
    path: str
    #: ``recipe``, ``module`` or ``data``.
    kind: str
    source: Path


@attrs.frozen(kw_only=True)
class Need:
    """An installed distribution the recipe needs, and why."""

    name: str
    version: str
    is_f0: bool
    why: tuple[str, ...]


@attrs.frozen(kw_only=True)
class Unresolved:
    """Something the recipe needs that cannot be found (``where`` is file:line:col)."""

    module: str
    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.module}: {self.reason}"
