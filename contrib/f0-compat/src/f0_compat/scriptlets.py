"""``scriptlets.framework``: Framework0's scriptlet API over f0's scriptlet classes.

``BaseScriptlet``, ``ComputeScriptlet``, ``IOScriptlet``, ``ScriptletConfig``,
``ScriptletResult``, ``ExecutionContext`` and the enums are f0's own classes
(:mod:`f0_python.scriptlets`, f0-plugin-python's public module; the same
objects as ``f0.BaseScriptlet`` and friends). This module adds the legacy registry view (``SCRIPTLET_REGISTRY``,
``get_scriptlet_class``), the three method decorators, module loading,
compliance checks and the ``create_*_scriptlet`` factories.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import json
import resource
import sys
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast, overload

import structlog
import tenacity
from f0_python.scriptlets import (
    BaseScriptlet,
    ComputeScriptlet,
    ExecutionContext,
    IOScriptlet,
    ScriptletCategory,
    ScriptletConfig,
    ScriptletResult,
    ScriptletState,
)
from f0_python.scriptlets import register_scriptlet as _f0_register

__all__ = [
    "SCRIPTLET_REGISTRY",
    "BaseScriptlet",
    "ComputeScriptlet",
    "ExecutionContext",
    "IOScriptlet",
    "ScriptletCategory",
    "ScriptletConfig",
    "ScriptletResult",
    "ScriptletState",
    "create_compute_scriptlet",
    "create_io_scriptlet",
    "create_scriptlet",
    "debug_trace",
    "get_scriptlet_class",
    "load_scriptlet_from_module",
    "register_scriptlet",
    "resource_monitor",
    "retry_on_failure",
    "validate_scriptlet_compliance",
]

_log = structlog.get_logger(__name__)

#: name → class of every scriptlet registered through this module (also in f0's registry).
SCRIPTLET_REGISTRY: dict[str, type[BaseScriptlet]] = {}

_S = TypeVar("_S", bound=type[BaseScriptlet])
_F = TypeVar("_F", bound=Callable[..., Any])


@overload
def register_scriptlet(cls: _S, /) -> _S: ...
@overload
def register_scriptlet(*, name: str | None = None) -> Callable[[_S], _S]: ...
def register_scriptlet(
    cls: _S | None = None, /, *, name: str | None = None
) -> _S | Callable[[_S], _S]:
    """Class decorator (``@register_scriptlet`` or ``@register_scriptlet(name=...)``).

    Registers in f0's scriptlet registry and in :data:`SCRIPTLET_REGISTRY`,
    under *name*, else the class's ``name`` attribute, else its class name.
    ``TypeError`` for anything that is not a :class:`BaseScriptlet` subclass.
    """

    def decorate(klass: _S) -> _S:
        if not (isinstance(klass, type) and issubclass(klass, BaseScriptlet)):
            msg = f"register_scriptlet needs a BaseScriptlet subclass, not {klass!r}"
            raise TypeError(msg)
        declared = klass.__dict__.get("name")
        key = name or (declared if isinstance(declared, str) and declared else klass.__name__)
        _f0_register(name=key)(klass)
        SCRIPTLET_REGISTRY[key] = klass
        return klass

    return decorate(cls) if cls is not None else decorate


def get_scriptlet_class(name: str) -> type[BaseScriptlet] | None:
    """The class registered as *name*, or None."""
    return SCRIPTLET_REGISTRY.get(name)


# -- decorators ---------------------------------------------------------------


def _max_rss_kb() -> int:
    # ru_maxrss is KiB on Linux, bytes on macOS.
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss // 1024 if sys.platform == "darwin" else rss


def resource_monitor(log_metrics: bool = True) -> Callable[[_F], _F]:
    """Measure a method's wall time, CPU time and peak memory.

    When the method returns a :class:`ScriptletResult`, the figures go into
    its ``resource_usage``; with *log_metrics* they are also logged
    (``scriptlet.resources``, debug level).
    """

    def decorate(fn: _F) -> _F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                result = fn(*args, **kwargs)
            finally:
                usage = {
                    "wall_seconds": time.perf_counter() - wall,
                    "cpu_seconds": time.process_time() - cpu,
                    "max_rss_kb": _max_rss_kb(),
                }
                if log_metrics:
                    _log.debug("scriptlet.resources", function=fn.__qualname__, **usage)
            if isinstance(result, ScriptletResult):
                result.resource_usage.update(usage)
            return result

        return cast("_F", wrapper)

    return decorate


def debug_trace(capture_vars: list[str] | None = None) -> Callable[[_F], _F]:
    """Log a method's entry (with the named arguments in *capture_vars*) and exit.

    Events ``scriptlet.enter``/``scriptlet.exit``/``scriptlet.raised`` at
    debug level (shown with ``DEBUG=1``); exceptions propagate unchanged.
    """
    names = list(capture_vars or [])

    def decorate(fn: _F) -> _F:
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                bound = signature.bind_partial(*args, **kwargs).arguments
            except TypeError:
                bound = {}
            captured = {n: _loggable(bound[n]) for n in names if n in bound}
            _log.debug("scriptlet.enter", function=fn.__qualname__, **captured)
            try:
                result = fn(*args, **kwargs)
            except Exception as exc:
                _log.debug("scriptlet.raised", function=fn.__qualname__, error=repr(exc))
                raise
            _log.debug("scriptlet.exit", function=fn.__qualname__)
            return result

        return cast("_F", wrapper)

    return decorate


def _loggable(value: Any) -> Any:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)
    return value


def retry_on_failure(
    max_attempts: int = 3,
    delay: float = 1.0,
    backoff: float = 1.0,
    exceptions: tuple[type[BaseException], ...] = (Exception,),
) -> Callable[[_F], _F]:
    """Call the method again when it raises one of *exceptions*, up to *max_attempts* times.

    Waits *delay* seconds, multiplied by *backoff* after each attempt. The
    last exception propagates. ``ValueError`` for ``max_attempts < 1`` or a
    negative delay.
    """
    if max_attempts < 1:
        msg = f"max_attempts must be >= 1, not {max_attempts}"
        raise ValueError(msg)
    if delay < 0 or backoff < 1:
        msg = f"delay must be >= 0 and backoff >= 1 (got delay={delay}, backoff={backoff})"
        raise ValueError(msg)
    wait = (
        tenacity.wait_exponential(multiplier=delay, exp_base=backoff, min=delay)
        if backoff > 1
        else tenacity.wait_fixed(delay)
    )

    def decorate(fn: _F) -> _F:
        retrying = tenacity.retry(
            stop=tenacity.stop_after_attempt(max_attempts),
            wait=wait,
            retry=tenacity.retry_if_exception_type(exceptions),
            reraise=True,
        )
        return cast("_F", functools.wraps(fn)(retrying(fn)))

    return decorate


# -- loading and checking -----------------------------------------------------


def load_scriptlet_from_module(
    module_path: str, class_name: str | None = None
) -> type[BaseScriptlet]:
    """Import *module_path* and return its scriptlet class.

    *class_name* picks one; without it the module must define exactly one
    :class:`BaseScriptlet` subclass (its own, not imported). ``ImportError``
    when the module cannot be imported, ``ValueError`` when no (or no single)
    scriptlet class matches.
    """
    module = importlib.import_module(module_path)
    if class_name is not None:
        klass = getattr(module, class_name, None)
        if not (isinstance(klass, type) and issubclass(klass, BaseScriptlet)):
            msg = f"{module_path}.{class_name} is not a BaseScriptlet subclass"
            raise ValueError(msg)
        return klass
    found = [
        obj
        for obj in vars(module).values()
        if isinstance(obj, type)
        and issubclass(obj, BaseScriptlet)
        and obj.__module__ == module.__name__
        and not inspect.isabstract(obj)
    ]
    if len(found) != 1:
        names = ", ".join(sorted(c.__name__ for c in found)) or "none"
        msg = f"{module_path} must define exactly one scriptlet class (found: {names}); pass class_name"
        raise ValueError(msg)
    return found[0]


def validate_scriptlet_compliance(scriptlet: BaseScriptlet | type[BaseScriptlet]) -> dict[str, Any]:
    """Check a scriptlet class (or instance) against the framework's rules.

    Returns ``{"compliant": bool, "name": ..., "issues": [...], "warnings": [...]}``:
    issues are a missing or abstract ``run``, a ``run``/``validate`` whose
    first parameters are not ``(context, params)``, a class that cannot be
    instantiated without arguments or whose metadata is not JSON; warnings
    are a missing docstring or an invalid default config.
    """
    klass = scriptlet if isinstance(scriptlet, type) else type(scriptlet)
    issues: list[str] = []
    warnings: list[str] = []
    if not issubclass(klass, BaseScriptlet):
        return {
            "compliant": False,
            "name": getattr(klass, "__name__", repr(klass)),
            "issues": ["not a BaseScriptlet subclass"],
            "warnings": [],
        }
    if inspect.isabstract(klass):
        issues.append("run(context, params) is not implemented")
    for method in ("run", "validate", "validate_custom"):
        params = list(inspect.signature(getattr(klass, method)).parameters)[1:3]
        if params != ["context", "params"]:
            issues.append(f"{method} must take (context, params), not ({', '.join(params)})")
    if not inspect.getdoc(klass) or klass.__doc__ is None:
        warnings.append("no class docstring")
    instance = scriptlet if isinstance(scriptlet, BaseScriptlet) else None
    if instance is None and not inspect.isabstract(klass):
        try:
            instance = klass()
        except Exception as exc:  # noqa: BLE001 - reported as an issue
            issues.append(f"cannot be created without arguments: {type(exc).__name__}: {exc}")
    if instance is not None:
        try:
            json.dumps(instance.get_metadata())
        except (TypeError, ValueError) as exc:
            issues.append(f"get_metadata() is not JSON: {exc}")
        warnings.extend(f"config: {e}" for e in instance.config.validate_configuration())
    return {"compliant": not issues, "name": klass.__name__, "issues": issues, "warnings": warnings}


# -- factories ----------------------------------------------------------------

RunFunction = Callable[[Any, dict[str, Any]], Any]


def _make(
    base: type[Any],
    name: str,
    run: RunFunction,
    *,
    config: ScriptletConfig | None,
    register: bool,
    description: str | None,
) -> type[BaseScriptlet]:
    if not name or not name.isidentifier():
        msg = f"scriptlet name must be a Python identifier, not {name!r}"
        raise ValueError(msg)
    if not callable(run):
        msg = f"run must be callable (context, params), not {run!r}"
        raise TypeError(msg)

    def _run(self: BaseScriptlet, context: Any, params: dict[str, Any]) -> Any:  # noqa: ARG001
        return run(context, params)

    def _default_config(self: BaseScriptlet) -> ScriptletConfig:
        return config if config is not None else base.default_config(self)

    namespace: dict[str, Any] = {
        "name": name,
        "run": _run,
        "default_config": _default_config,
        "__doc__": description or inspect.getdoc(run) or f"{name}: made by create_*_scriptlet",
        "__module__": getattr(run, "__module__", __name__),
    }
    klass = cast("type[BaseScriptlet]", type(name, (base,), namespace))
    return register_scriptlet(klass) if register else klass


def create_scriptlet(
    name: str,
    run: RunFunction,
    *,
    config: ScriptletConfig | None = None,
    register: bool = False,
    description: str | None = None,
) -> type[BaseScriptlet]:
    """A :class:`BaseScriptlet` subclass called *name* whose ``run`` calls ``run(context, params)``."""
    return _make(
        BaseScriptlet, name, run, config=config, register=register, description=description
    )


def create_compute_scriptlet(
    name: str,
    compute: RunFunction,
    *,
    config: ScriptletConfig | None = None,
    register: bool = False,
    description: str | None = None,
) -> type[BaseScriptlet]:
    """A :class:`ComputeScriptlet` subclass whose ``run`` calls ``compute(context, params)``."""
    return _make(
        ComputeScriptlet, name, compute, config=config, register=register, description=description
    )


def create_io_scriptlet(
    name: str,
    io: RunFunction,
    *,
    config: ScriptletConfig | None = None,
    register: bool = False,
    description: str | None = None,
) -> type[BaseScriptlet]:
    """An :class:`IOScriptlet` subclass whose ``run`` calls ``io(context, params)``."""
    return _make(IOScriptlet, name, io, config=config, register=register, description=description)
