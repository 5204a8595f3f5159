"""Finding the processing function: ``module`` in the recipe's folder first, then ``sys.path``."""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.util
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any, cast

__all__ = ["ResolveError", "call_partition", "resolve"]

_LOCK = threading.Lock()
_CACHE: dict[tuple[str, str, str, float], Callable[..., Any]] = {}


class ResolveError(ValueError):
    """The module cannot be imported or has no such function (*key* says which step key is at fault)."""

    def __init__(self, message: str, key: str = "module") -> None:
        super().__init__(message)
        self.key = key


def resolve(base_dir: Path, module: str, function: str) -> Callable[..., Any]:
    """``module.function``; a ``<base_dir>/<module>.py`` wins over an importable module.

    A file is loaded under a name unique to its path (two recipes' ``steps.py``
    stay apart) and reloaded when it changes.
    """
    path = base_dir.joinpath(*module.split(".")).with_suffix(".py")
    mtime = path.stat().st_mtime if path.is_file() else 0.0
    key = (str(path), module, function, mtime)
    with _LOCK:
        if key in _CACHE:
            return _CACHE[key]
        try:
            mod = _import(path, module) if mtime else importlib.import_module(module)
        except Exception as exc:  # noqa: BLE001 - importing the user's module may raise anything
            msg = f"cannot import module {module!r} (searched {base_dir}, then sys.path): {type(exc).__name__}: {exc}"
            raise ResolveError(msg) from None
        fn = getattr(mod, function, None)
        if not callable(fn):
            msg = f"module {module!r} has no function {function!r}"
            raise ResolveError(msg, "function")
        _CACHE[key] = fn
        return cast("Callable[..., Any]", fn)


def _import(path: Path, module: str) -> ModuleType:
    name = "f0_batch_user_" + hashlib.sha256(str(path).encode()).hexdigest()[:12]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        msg = f"cannot load {module!r} from {path}"
        raise ImportError(msg)
    mod = importlib.util.module_from_spec(spec)
    # The recipe's folder is importable while the module runs, so `import helpers` beside it works.
    folder = str(path.parent)
    sys.path.insert(0, folder)
    try:
        spec.loader.exec_module(mod)
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(folder)
    return mod


def call_partition(
    base_dir: str, module: str, function: str, items: list[Any], params: dict[str, Any]
) -> Any:
    """Run the function on one partition (top level, so a process pool can pickle it)."""
    return resolve(Path(base_dir), module, function)(items, params)
