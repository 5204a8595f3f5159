"""Function-level code digests: what a ``python`` step's fingerprint covers.

A step's code is its own function's code object (bytecode, constants,
names), recursively the functions and classes *of the same module* it
refers to, and the module-level constants it reads. Not the whole file:
fixing one function of ``steps.py`` re-runs the steps that call it (and
their dependents), while the steps whose code did not change are replayed
by ``--resume`` or served from the cache.

Line numbers are not part of a code object's bytecode, so moving a function
or editing another one above it changes nothing. Values are written in a
canonical form (sets sorted, no ``id``s, no ``hash()``), so the digest is the
same in every process.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import inspect
import types
from collections.abc import Iterator
from typing import Any

__all__ = ["code_digest_of"]

#: Nesting depth past which a constant counts as "not a constant" (and is left out).
_MAX_DEPTH = 20
_ATOMS = (type(None), bool, int, float, complex, str, bytes)


class _NotConstantError(Exception):
    """The value is not plain data (a module, an object, a callable)."""


def _canon(value: Any, depth: int = 0) -> str:
    """A canonical text for plain data; raises :class:`_NotConstantError` for anything else."""
    if depth > _MAX_DEPTH:
        raise _NotConstantError
    if isinstance(value, _ATOMS):
        return f"{type(value).__name__}:{value!r}"
    if isinstance(value, types.CodeType):
        return "code:" + _code_text(value)
    if isinstance(value, (tuple, list)):
        items = ",".join(_canon(v, depth + 1) for v in value)
        return f"{type(value).__name__}({items})"
    if isinstance(value, (set, frozenset)):
        items = ",".join(sorted(_canon(v, depth + 1) for v in value))
        return f"{type(value).__name__}({items})"
    if isinstance(value, dict):
        pairs = sorted(f"{_canon(k, depth + 1)}:{_canon(v, depth + 1)}" for k, v in value.items())
        return "dict(" + ",".join(pairs) + ")"
    raise _NotConstantError


def _code_text(code: types.CodeType) -> str:
    """Bytecode, names and constants of *code* (nested code objects included), no positions."""
    consts = ",".join(_canon(c) for c in code.co_consts)
    return f"{code.co_code.hex()}|{','.join(code.co_names)}|{code.co_argcount}|{consts}"


def _all_names(code: types.CodeType) -> Iterator[str]:
    """Every global or attribute name *code* and the code nested in it mention."""
    yield from code.co_names
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _all_names(const)


def _functions_of(obj: Any, module: str) -> list[types.FunctionType]:
    """The functions that make up *obj*: itself, the wrapped one, or a class's methods."""
    if inspect.isclass(obj):
        found: list[types.FunctionType] = []
        for klass in obj.__mro__:
            if klass.__module__ != module:
                continue  # base classes from elsewhere (f0's BaseScriptlet...) are not the user's
            for _, member in sorted(vars(klass).items()):
                inner = (
                    member.__func__ if isinstance(member, (staticmethod, classmethod)) else member
                )
                if isinstance(inner, property):
                    found.extend(f for f in (inner.fget, inner.fset) if f is not None)  # type: ignore[misc]
                elif isinstance(inner, types.FunctionType):
                    found.append(inner)
        return found
    chain: list[types.FunctionType] = []
    seen: set[int] = set()
    while obj is not None and id(obj) not in seen:
        seen.add(id(obj))
        if isinstance(obj, types.FunctionType):
            chain.append(obj)
        elif isinstance(obj, functools.partial):
            chain.extend(_functions_of(obj.func, module))
        obj = getattr(obj, "__wrapped__", None)  # decorators made with functools.wraps
    return chain


def _class_constants(obj: type, module: str) -> list[str]:
    """Plain-data class attributes of *obj* (and its same-module bases)."""
    parts = []
    for klass in obj.__mro__:
        if klass.__module__ != module:
            continue
        for name, value in sorted(vars(klass).items()):
            if name.startswith("__"):
                continue
            with contextlib.suppress(_NotConstantError):  # objects: not constants
                parts.append(f"{klass.__qualname__}.{name}={_canon(value)}")
    return parts


def code_digest_of(obj: Any) -> str:
    """SHA-256 of the code *obj* (a step's function or class) runs, within its own module.

    Cached per object: an edited module is imported again, which makes new
    function objects. A callable instance counts as its class.
    """
    if not (
        inspect.isclass(obj)
        or isinstance(obj, (types.FunctionType, functools.partial, types.BuiltinFunctionType))
        or hasattr(obj, "__wrapped__")  # lru_cache and other decorator objects
    ):
        obj = type(obj)  # an instance with __call__: its class holds the code
    try:
        return _cached_digest(obj)
    except TypeError:  # unhashable: compute without the cache
        return _digest(obj)


@functools.lru_cache(maxsize=512)
def _cached_digest(obj: Any) -> str:
    return _digest(obj)


def _digest(obj: Any) -> str:
    module = getattr(obj, "__module__", None) or ""
    parts: list[str] = []
    queue: list[Any] = [obj]
    seen_objects: set[int] = set()
    seen_globals: set[str] = set()
    while queue:
        current = queue.pop(0)
        if id(current) in seen_objects:
            continue
        seen_objects.add(id(current))
        if inspect.isclass(current):
            parts.append(f"class {current.__qualname__}")
            parts.extend(_class_constants(current, module))
        for fn in _functions_of(current, module):
            parts.append(f"def {fn.__qualname__}:{_code_text(fn.__code__)}")
            parts.append(
                "defaults:" + _safe_canon(fn.__defaults__) + _safe_canon(fn.__kwdefaults__)
            )
            _follow_globals(fn, module, parts, queue, seen_globals)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _safe_canon(value: Any) -> str:
    try:
        return _canon(value)
    except _NotConstantError:
        return "<object>"


def _follow_globals(
    fn: types.FunctionType,
    module: str,
    parts: list[str],
    queue: list[Any],
    seen: set[str],
) -> None:
    """Queue the same-module functions/classes *fn* names; record the constants it reads."""
    namespace = fn.__globals__
    for name in _all_names(fn.__code__):
        if name in seen or name not in namespace:
            continue
        seen.add(name)
        value = namespace[name]
        if _defined_in(value, module):
            queue.append(value)
            continue
        if callable(value) or isinstance(value, types.ModuleType):
            continue  # imported code: not this module's (its name is in the bytecode already)
        try:
            parts.append(f"global {name}={_canon(value)}")
        except _NotConstantError:
            parts.append(f"global {name}:{type(value).__qualname__}")


def _defined_in(value: Any, module: str) -> bool:
    """True for a function, partial or class whose code lives in *module*."""
    target = value.func if isinstance(value, functools.partial) else value
    if not (inspect.isclass(target) or isinstance(target, types.FunctionType)):
        return False
    return getattr(target, "__module__", None) == module
