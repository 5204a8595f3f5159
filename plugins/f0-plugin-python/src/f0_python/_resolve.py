"""Find a step's code: ``module`` from the recipe's folder first, then ``sys.path``.

One process may run many recipes (tests, a server, ``f0 run`` twice in one
interpreter) whose folders each hold a ``steps.py``. Python keeps one
``sys.modules["steps"]``, so before importing for folder X we evict modules
that this resolver imported from *other* recipe folders, and any module of the
wanted name that lives elsewhere. Targets already resolved keep working: a
function holds its own module's globals.

The recipe folder sits at ``sys.path[0]`` only while its module is imported
(so ``import helpers`` beside ``steps.py`` works at import time), never after.
Resolution is serialised by one lock and cached per (folder, module, function);
a cached entry is re-imported when its file's mtime or size changes.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.machinery
import inspect
import os
import sys
import threading
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from f0 import Limits

from f0_python.scriptlets import BaseScriptlet

if TYPE_CHECKING:
    from types import ModuleType

__all__ = ["ResolveError", "Target", "clear_cache", "resolve"]

#: How a target is called (see ``_python.call_target``).
SCRIPTLET: Final = "scriptlet"
CLASS: Final = "class"
CONTEXT_PARAMS: Final = "context_params"
PLAIN: Final = "plain"

_LOCK = threading.RLock()
_CACHE: dict[tuple[str, str, str], Target] = {}
#: Modules this resolver imported from a recipe folder: name -> that folder.
_LOCAL: dict[str, str] = {}
#: Imports abandoned at F0_IMPORT_TIMEOUT: module name -> the thread still in it.
_STUCK: dict[str, threading.Thread] = {}


class ResolveError(Exception):
    """The step's module or function cannot be used; ``key`` is the step key at fault."""

    def __init__(self, message: str, *, key: str, code: str) -> None:
        super().__init__(message)
        self.key = key
        self.code = code


class Target:
    """A resolved step target: the object, how to call it, and the file it came from."""

    __slots__ = ("kind", "obj", "path", "stamp")

    def __init__(
        self, obj: Any, kind: str, path: str | None, stamp: tuple[int, int] | None
    ) -> None:
        self.obj = obj
        self.kind = kind
        self.path = path
        self.stamp = stamp

    def fresh(self) -> bool:
        """False when the module's file changed since it was imported."""
        return self.path is None or _stamp(self.path) == self.stamp


def resolve(base_dir: Path, module: str, function: str) -> Target:
    """The callable *function* of *module*, resolved from *base_dir* first.

    ``ResolveError`` (with a message fit for a user) when the module cannot
    be imported, raises while importing, or lacks a usable *function*.
    """
    folder = str(base_dir)
    key = (folder, module, function)
    hit = _CACHE.get(key)  # lock-free fast path: dict reads are atomic
    if hit is not None and hit.fresh():
        return hit
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None and hit.fresh():
            return hit
        mod = _import(folder, module, reload=hit is not None)
        target = _target(mod, module, function)
        _CACHE[key] = target
        return target


def clear_cache() -> None:
    """Forget every resolved target (modules stay in ``sys.modules``)."""
    with _LOCK:
        _CACHE.clear()


# -- importing ----------------------------------------------------------------


def _import(folder: str, module: str, *, reload: bool) -> ModuleType:
    top = module.partition(".")[0]
    # Files written since the last import (a test's tmp_path, an edited
    # recipe) are invisible to the finders' directory caches until this.
    importlib.invalidate_caches()
    try:
        spec = importlib.machinery.PathFinder.find_spec(top, [folder])
    except (ImportError, ValueError):
        spec = None
    _evict_foreign(folder)
    existing = sys.modules.get(top)
    if (
        existing is not None
        and spec is not None
        and _shadows(spec, top)
        and not _same_origin(existing, spec)
    ):
        _evict(top)  # a module of that name from elsewhere: the recipe's own wins
    if reload:
        _evict(module)
    before = set(sys.modules)
    try:
        if spec is None:
            return _import_limited(module)
        sys.path.insert(0, folder)
        try:
            return _import_limited(module)
        finally:
            _remove_path(folder)
    except ModuleNotFoundError as exc:
        if exc.name and (exc.name == module or module.startswith(exc.name + ".")):
            hint = _suggest(top, _local_names(folder)) if exc.name == top else ""
            msg = (
                f"cannot import module {module!r} (searched: {folder}, then sys.path): {exc}{hint}"
            )
            raise ResolveError(msg, key="module", code="E031") from None
        raise ResolveError(_import_failed(module, exc), key="module", code="E031") from None
    except ResolveError:
        raise
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - any error of user code
        # The user's module raised (or called sys.exit) at import time.
        raise ResolveError(_import_failed(module, exc), key="module", code="E031") from None
    finally:
        _record_local(folder, set(sys.modules) - before | {top})


def _import_limited(module: str) -> ModuleType:
    """``importlib.import_module(module)``, given at most ``F0_IMPORT_TIMEOUT`` seconds.

    The import runs in a daemon thread: a module that blocks at import time
    (waiting on a socket, an endless loop) is reported by name instead of
    hanging ``f0 validate``, and is abandoned (a daemon never keeps the
    process alive). What the module raises, even ``KeyboardInterrupt`` or
    ``SystemExit``, is reported as its import failure, never taken for the
    user pressing Ctrl-C.
    """
    timeout = Limits.from_env().import_timeout
    stuck = _STUCK.get(module)
    if stuck is not None and stuck.is_alive():
        # Its import lock is still held: a second try would only wait as long again.
        raise ResolveError(_too_slow(module, timeout), key="module", code="E034")
    box: list[tuple[bool, Any]] = []

    def target() -> None:
        try:
            box.append((True, importlib.import_module(module)))
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
            box.append((False, exc))

    thread = threading.Thread(target=target, name=f"f0-import-{module}", daemon=True)
    thread.start()
    thread.join(timeout)
    if not box:
        _STUCK[module] = thread
        raise ResolveError(_too_slow(module, timeout), key="module", code="E034")
    ok, value = box[0]
    if ok:
        return value  # type: ignore[no-any-return]
    if not isinstance(value, Exception):  # KeyboardInterrupt, SystemExit... raised by the module
        raise ResolveError(_import_failed(module, value), key="module", code="E031") from None
    raise value


def _too_slow(module: str, timeout: float) -> str:
    return (
        f"importing module {module!r} did not finish within {timeout:g} s "
        "(F0_IMPORT_TIMEOUT): does it wait for something at import time? "
        "If it is only slow, set F0_IMPORT_TIMEOUT higher"
    )


def _remove_path(folder: str) -> None:
    if sys.path and sys.path[0] == folder:
        del sys.path[0]
    elif folder in sys.path:  # the module moved sys.path around; drop our entry anyway
        sys.path.remove(folder)


def _evict_foreign(folder: str) -> None:
    # Modules from other recipe folders must not answer this recipe's imports.
    for name, owner in list(_LOCAL.items()):
        if owner != folder:
            sys.modules.pop(name, None)
            del _LOCAL[name]


def _evict(name: str) -> None:
    prefix = name + "."
    for loaded in [n for n in sys.modules if n == name or n.startswith(prefix)]:
        sys.modules.pop(loaded, None)
        _LOCAL.pop(loaded, None)


def _record_local(folder: str, names: set[str]) -> None:
    root = os.path.normcase(os.path.realpath(folder)) + os.sep
    for name in names:
        mod = sys.modules.get(name)
        origin = _origin(mod) if mod is not None else None
        if origin is not None and os.path.normcase(origin).startswith(root):
            _LOCAL[name] = folder


def _origin(mod: ModuleType) -> str | None:
    file = getattr(mod, "__file__", None)
    if isinstance(file, str):
        return os.path.realpath(file)
    paths = list(getattr(mod, "__path__", None) or ())
    return os.path.realpath(paths[0]) if paths else None


def _shadows(spec: importlib.machinery.ModuleSpec, top: str) -> bool:
    """Should the recipe folder's *top* replace a loaded module of that name?

    Not for a namespace package (a plain folder): a regular package anywhere
    on sys.path wins over it, as in a normal import. Not for the standard
    library either: evicting ``json`` would split the process in two copies.
    """
    if top in sys.stdlib_module_names or top in sys.builtin_module_names:
        return False
    return bool(spec.origin and spec.has_location)


def _same_origin(mod: ModuleType, spec: importlib.machinery.ModuleSpec) -> bool:
    return spec.origin is not None and _origin(mod) == os.path.realpath(spec.origin)


def _local_names(folder: str) -> list[str]:
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return []
    names = [p.stem for p in entries if p.suffix == ".py"]
    names.extend(p.name for p in entries if p.is_dir() and (p / "__init__.py").is_file())
    return names


def _import_failed(module: str, exc: BaseException) -> str:
    where = ""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.startswith("<")]
    if frames and not isinstance(exc, SyntaxError):  # a SyntaxError names its own line
        where = f" (at {frames[-1].filename}:{frames[-1].lineno})"
    return f"importing module {module!r} failed: {type(exc).__name__}: {exc}{where}"


# -- the attribute ------------------------------------------------------------


def _target(mod: ModuleType, module: str, function: str) -> Target:
    try:
        obj = getattr(mod, function)
    except AttributeError:
        names = [n for n in dir(mod) if not n.startswith("_")]
        hint = _suggest(function, names)
        msg = f"module {module!r} has no function {function!r}{hint}"
        raise ResolveError(msg, key="function", code="E032") from None
    file = getattr(mod, "__file__", None)
    path = file if isinstance(file, str) else None
    return Target(obj, _kind(obj, f"{module}.{function}"), path, _stamp(path) if path else None)


def _kind(obj: Any, label: str) -> str:
    if inspect.isclass(obj):
        if issubclass(obj, BaseScriptlet):
            if inspect.isabstract(obj):
                msg = f"scriptlet class {label!r} is abstract: define run(self, context, params)"
                raise ResolveError(msg, key="function", code="E033")
            return SCRIPTLET
        if not callable(getattr(obj, "run", None)):
            msg = f"class {label!r} has no run(context, params) method"
            raise ResolveError(msg, key="function", code="E033")
        return CLASS
    if not callable(obj):
        msg = f"{label!r} is not callable (it is a {type(obj).__name__})"
        raise ResolveError(msg, key="function", code="E033")
    return CONTEXT_PARAMS if _takes_context_params(obj) else PLAIN


def _takes_context_params(obj: Any) -> bool:
    try:
        params = list(inspect.signature(obj).parameters.values())
    except (TypeError, ValueError):  # some builtins have no signature
        return False
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    first = params[:2]
    return [p.name for p in first] == ["context", "params"] and all(
        p.kind in positional for p in first
    )


def _suggest(name: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(name, candidates, n=3, cutoff=0.6)
    if not close:
        return ""
    if len(close) == 1:
        return f"; did you mean {close[0]!r}?"
    return f"; did you mean one of {', '.join(map(repr, close))}?"


def _stamp(path: str) -> tuple[int, int] | None:
    # os.stat, not Path.stat: asked once per step, and Path parsing costs more than the syscall.
    try:
        st = os.stat(path)  # noqa: PTH116
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)
