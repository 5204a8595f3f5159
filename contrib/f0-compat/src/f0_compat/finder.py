"""The import hook that serves Framework0's module paths, last of all finders.

Framework0 code imports ``orchestrator.context``, ``scriptlets.framework``,
``src.core.logger``... Those top-level names are common: a user's project
may well have its own ``scriptlets`` or ``src`` package. So the shims are not
installed as top-level packages. They live in ``f0_compat/legacy/`` and a
:class:`LegacyFinder` at the **end** of :data:`sys.meta_path` serves them
only when no other finder can find the name:

* ``import orchestrator`` with no ``orchestrator`` on ``sys.path``: ours.
* a user's own ``orchestrator`` package (or plain folder) anywhere on
  ``sys.path``: theirs, always.
* ``import scriptlets.framework`` when the user's ``scriptlets`` package has
  no ``framework`` module: ours fills that one gap (their other modules stay
  theirs). This is what a Framework0 project looks like after the move: its
  own scriptlets in ``scriptlets/``, Framework0's ``framework.py`` gone.

The ``f0_compat_legacy.pth`` file installed with the distribution calls
:func:`install_from_site` at interpreter start (``F0_COMPAT_DISABLE=1``
turns that off); :func:`enable` and :func:`disable` do it by hand. Standard
library only, and as little of it as possible at import: this runs in every
Python process of the environment (``importlib.abc`` alone, for a base
class a finder does not need, cost ~24 ms of every start; ``pathlib`` and
``importlib.util`` are imported when a legacy name is first looked up).
"""

from __future__ import annotations

import os
import sys
from _thread import _local as thread_local  # threading.local itself, without threading's import

TYPE_CHECKING = False  # not typing's: importing typing costs ~8 ms of every start
if TYPE_CHECKING:
    from collections.abc import Sequence
    from importlib.machinery import ModuleSpec
    from pathlib import Path
    from types import ModuleType

__all__ = [
    "DISABLE_ENV",
    "LEGACY_PACKAGES",
    "LegacyFinder",
    "disable",
    "enable",
    "enabled",
    "install_from_site",
    "legacy_file",
]

#: The Framework0 top-level names the finder may serve.
LEGACY_PACKAGES = frozenset({"orchestrator", "scriptlets", "src", "tools", "server"})
#: Where the shim modules live (``legacy/orchestrator/context/__init__.py``...);
#: ``LEGACY_ROOT`` is the same folder as a ``Path`` (made on first use).
_LEGACY_DIR = os.path.join(os.path.dirname(os.path.realpath(__file__)), "legacy")  # noqa: PTH118, PTH120
#: Set to ``1`` to keep the ``.pth`` file from installing the finder.
DISABLE_ENV = "F0_COMPAT_DISABLE"


def legacy_file(fullname: str) -> tuple[Path, bool] | None:
    """The shim file for module *fullname* and whether it is a package, or None."""
    parts = fullname.split(".")
    if parts[0] not in LEGACY_PACKAGES or not all(p.isidentifier() for p in parts):
        return None
    from pathlib import Path  # see the module docstring

    base = Path(_LEGACY_DIR).joinpath(*parts)
    init = base / "__init__.py"
    if init.is_file():
        return init, True
    module = base.with_suffix(".py")
    if module.is_file():
        return module, False
    return None


class LegacyFinder:
    """Finds a Framework0 module name only when no other finder does (a meta path finder)."""

    def __init__(self) -> None:
        self._asking = thread_local()

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> ModuleSpec | None:
        """A spec for our shim of *fullname*, unless anything else provides it."""
        if fullname.partition(".")[0] not in LEGACY_PACKAGES:
            return None
        if getattr(self._asking, "busy", False):
            return None
        found = legacy_file(fullname)
        if found is None or self._found_elsewhere(fullname, path, target):
            return None
        file, is_package = found
        import importlib.util  # see the module docstring

        return importlib.util.spec_from_file_location(
            fullname,
            file,
            submodule_search_locations=[str(file.parent)] if is_package else None,
        )

    def _found_elsewhere(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None
    ) -> bool:
        # The finders before us already said no (we are asked after them); a
        # finder added after us (an editable install's) gets its say first.
        try:
            index = sys.meta_path.index(self)
        except ValueError:
            return False
        self._asking.busy = True
        try:
            for finder in sys.meta_path[index + 1 :]:
                find = getattr(finder, "find_spec", None)
                if find is not None and find(fullname, path, target) is not None:
                    return True
        finally:
            self._asking.busy = False
        return False

    def __repr__(self) -> str:
        return f"<LegacyFinder {sorted(LEGACY_PACKAGES)} from {_LEGACY_DIR}>"


_FINDER = LegacyFinder()


def enable() -> None:
    """Put the finder at the end of :data:`sys.meta_path` (idempotent)."""
    if _FINDER not in sys.meta_path:
        sys.meta_path.append(_FINDER)


def disable() -> None:
    """Remove the finder; modules already imported stay in :data:`sys.modules`."""
    while _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)


def enabled() -> bool:
    """True while the finder is on :data:`sys.meta_path`."""
    return _FINDER in sys.meta_path


def __getattr__(name: str) -> Path:
    """``LEGACY_ROOT``: the shim folder as a ``Path``, made on first use."""
    if name == "LEGACY_ROOT":
        from pathlib import Path  # see the module docstring

        return Path(_LEGACY_DIR)
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)


def install_from_site() -> None:
    """What the ``.pth`` file runs: :func:`enable` unless ``F0_COMPAT_DISABLE=1``."""
    if os.environ.get(DISABLE_ENV, "") != "1":
        enable()
