"""The bundle targets behind ``f0_bundle_target``: ``dir``, ``zip`` and ``pyz``.

Each implements the kernel's :class:`f0.BundleTarget` protocol
(``build(recipe, output_dir)``). ``f0 bundle create`` asks the hook for the
format the user chose, then hands our own targets its options (and the CLI's
hooks, which find the plugins the recipe needs) through :meth:`configured`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from f0_bundle._create import FORMATS, Created, CreateOptions, create_bundle

if TYPE_CHECKING:
    from f0 import Recipe

__all__ = ["FORMATS", "PackTarget"]


@attrs.frozen(kw_only=True)
class PackTarget:
    """Writes a bundle in one of :data:`FORMATS`."""

    format: str
    options: CreateOptions = attrs.field(factory=CreateOptions)
    #: The CLI's :class:`f0.hooks.Hooks`; without it every installed plugin is vendored.
    hooks: Any = None

    def configured(self, options: CreateOptions, hooks: Any) -> PackTarget:
        """This target with *options*, asking *hooks* which plugins a recipe needs."""
        return attrs.evolve(self, options=options, hooks=hooks)

    def create(self, recipe: Recipe, output_dir: Path) -> Created:
        """Write the bundle of *recipe* under *output_dir*; return what was written."""
        return create_bundle(recipe, output_dir, self.format, self.options, self.hooks)

    def build(self, recipe: Recipe, output_dir: Path) -> Path:
        """Write the bundle of *recipe* under *output_dir*; return its path."""
        return self.create(recipe, output_dir).path
