"""f0-plugin-bundle: self-contained, verified recipe bundles.

Hooks:

``f0_bundle_target(name)``
    a target for ``dir``, ``zip`` and ``pyz`` bundles (the kernel's
    ``BundleTarget`` protocol: ``build(recipe, output_dir) -> Path``).
``f0_register_commands(app)``
    ``f0 bundle analyze | create | verify | run``.

Importing this module is cheap: the work loads when a command runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from f0 import hookimpl

if TYPE_CHECKING:
    import typer
    from f0 import BundleTarget

__all__ = ["FORMATS", "f0_bundle_target", "f0_register_commands"]

#: The bundle targets this plugin provides.
FORMATS = ("dir", "zip", "pyz")


@hookimpl
def f0_bundle_target(name: str) -> BundleTarget | None:
    """A target for *name* in :data:`FORMATS`; None for any other name."""
    if name not in FORMATS:
        return None
    from f0_bundle._targets import PackTarget

    return PackTarget(format=name)


@hookimpl
def f0_register_commands(app: typer.Typer) -> None:
    """Add ``f0 bundle``."""
    from f0_bundle._cli import register

    register(app)
