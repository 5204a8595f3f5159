"""Public names of ``f0`` that a plugin distribution provides (entry-point group ``f0.exports``).

The kernel imports no plugin, yet some public names live in one: the
scriptlet framework (``from f0 import BaseScriptlet``) is f0-plugin-python's
``f0_python.scriptlets``. A distribution declares such names in its
``pyproject.toml``, the entry point's name being the attribute of ``f0`` and
its value ``module:attr``::

    [project.entry-points."f0.exports"]
    BaseScriptlet = "f0_python.scriptlets:BaseScriptlet"

``f0.__getattr__`` asks :func:`provided` only for a name that is not one of
the kernel's own, and only on its first access (the value is then cached in
``f0``'s namespace): ``import f0`` and ``f0 --help`` neither read these entry
points nor import the providing module. The ``F0_*`` plugin variables
(``F0_DISABLE_PLUGIN_AUTOLOAD``...) do not apply: they choose whose hooks
run, while an exported name is a class or function user code imports.

:data:`PROVIDED` lists the names first-party distributions provide, so that
``from f0 import BaseScriptlet`` without f0-plugin-python says what to
install (a :class:`MissingProviderError` that is also an ``ImportError``).
These names are in ``f0.__all__``; a third-party distribution may export
further names, importable as ``from f0 import X`` but not listed there.
"""

from __future__ import annotations

import functools
import importlib
from typing import Any, Final

from f0.errors import MissingProviderError, PluginError

__all__ = ["ENTRY_POINT_GROUP", "PROVIDED", "MissingExportError", "provided"]

#: The entry-point group a distribution declares its public ``f0`` names in.
ENTRY_POINT_GROUP: Final = "f0.exports"

_SCRIPTLETS = (
    "BaseScriptlet",
    "ComputeScriptlet",
    "ExecutionContext",
    "IOScriptlet",
    "ScriptletCategory",
    "ScriptletConfig",
    "ScriptletResult",
    "ScriptletState",
    "get_scriptlet",
    "list_scriptlets",
    "register_scriptlet",
    "unregister_scriptlet",
)

#: Public ``f0`` names first-party distributions provide → the distribution to install.
PROVIDED: Final[dict[str, str]] = dict.fromkeys(_SCRIPTLETS, "f0-plugin-python")


class MissingExportError(MissingProviderError, ImportError):
    """A public ``f0`` name whose providing distribution is not installed.

    An ``ImportError`` too, so ``try: from f0 import X / except ImportError``
    treats it as the missing optional dependency it is.
    """


@functools.cache
def _declared() -> dict[str, tuple[str, str]]:
    """Every installed ``f0.exports`` entry point: name → (``module:attr``, distribution)."""
    from importlib_metadata import entry_points  # only when a provided name is first used

    found: dict[str, tuple[str, str]] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        dist = ep.dist.name if ep.dist is not None else "?"
        old = found.get(ep.name)
        if old is not None and old != (ep.value, dist):
            msg = (
                f"f0.{ep.name} is exported by both {old[1]} ({old[0]}) and {dist} ({ep.value}); "
                "uninstall one of them"
            )
            raise PluginError(msg, where=ENTRY_POINT_GROUP)
        found[ep.name] = (ep.value, dist)
    return found


def provided(name: str) -> Any:
    """The value a distribution exports as ``f0.<name>``.

    ``AttributeError`` when nobody declares *name* and it is not in
    :data:`PROVIDED`; :class:`MissingExportError` naming the distribution to
    install when it is.
    """
    if not name.startswith("_"):  # dunders and private names are never exported
        declared = _declared().get(name)
        if declared is not None:
            module, _, attr = declared[0].partition(":")
            value: Any = importlib.import_module(module.strip())
            for part in (attr.strip() or name).split("."):
                value = getattr(value, part)
            return value
        dist = PROVIDED.get(name)
        if dist is not None:
            msg = f"f0.{name} is provided by {dist}: install it with: pip install {dist}"
            raise MissingExportError(msg)
    msg = f"module 'f0' has no attribute {name!r}"
    raise AttributeError(msg)
