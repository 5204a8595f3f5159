"""Lazy module attributes: the one way f0 packages keep ``import`` cheap.

A plugin's ``__init__`` is imported on every ``f0`` start, so its public
names are resolved on first use instead (PEP 562)::

    _EXPORTS = {"ParamsFile": "f0_params._file"}
    __getattr__ = lazy_getattr(__name__, _EXPORTS)
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_getattr"]


def lazy_getattr(
    module_name: str,
    exports: Mapping[str, str],
    *,
    fallback: Callable[[str], Any] | None = None,
) -> Callable[[str], Any]:
    """A module ``__getattr__`` importing ``exports[name]`` (a module path) on first access.

    The value is cached in the module's namespace, so each name is looked up
    once; unknown names raise ``AttributeError`` like a normal module, or go
    to *fallback* (which returns the value or raises; ``f0`` itself uses it
    for the names plugins provide, see :mod:`f0.exports`).
    """

    def __getattr__(name: str) -> Any:  # noqa: N807 - it is the module's __getattr__
        source = exports.get(name)
        if source is not None:
            value = getattr(importlib.import_module(source), name)
        elif fallback is not None:
            value = fallback(name)
        else:
            msg = f"module {module_name!r} has no attribute {name!r}"
            raise AttributeError(msg)
        setattr(sys.modules[module_name], name, value)
        return value

    return __getattr__
