"""Deprecated: ``f0.scriptlet`` moved to f0-plugin-python as :mod:`f0_python.scriptlets`.

Kept so code written against the old module path (``from f0.scriptlet
import register_scriptlet``, as f0-plugin-python's README once showed) runs
unchanged, with a ``DeprecationWarning``; ``from f0 import ...`` is the
promised route. The names resolve through the ``f0.exports`` entry points
(:mod:`f0.exports`), so the kernel imports no plugin.
"""

from __future__ import annotations

import warnings
from typing import Any

from f0.exports import PROVIDED, provided

warnings.warn(
    "f0.scriptlet is deprecated: use `from f0 import BaseScriptlet` (or f0_python.scriptlets)",
    DeprecationWarning,
    stacklevel=2,
)


def __getattr__(name: str) -> Any:
    if name not in PROVIDED:
        msg = f"module 'f0.scriptlet' has no attribute {name!r}"
        raise AttributeError(msg)
    return provided(name)
