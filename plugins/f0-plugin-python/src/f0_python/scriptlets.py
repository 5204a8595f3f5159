"""BaseScriptlet: Framework0 scriptlets run on f0 unchanged (``spec/recipes.md`` §5).

A scriptlet is a class with ``run(self, context, params) -> int``. Subclass
:class:`BaseScriptlet` to get the legacy lifecycle :meth:`BaseScriptlet.execute`
(validate → pre-hooks → run → post-hooks → :class:`ScriptletResult`), the
introspection helpers and ``self.name``/``self.version``/``self.logger``.

The ``python`` step type (``f0-plugin-python``) calls ``execute`` for
BaseScriptlet subclasses; the same return-value rules (:meth:`ScriptletResult.from_value`)
apply to every python step.

Public module of f0-plugin-python (moved from the kernel's ``f0.scriptlet``):
other distributions import it as ``from f0_python import BaseScriptlet``;
users keep ``from f0 import BaseScriptlet``, which the kernel resolves through
the ``f0.exports`` entry points this distribution declares. It stays
import-cheap: stdlib only, structlog only when ``self.logger`` is first used.
"""

from __future__ import annotations

import abc
import enum
import inspect
import json
import os
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar, overload

__all__ = [
    "FAILURE_STATUSES",
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
]

#: ``status`` values of a dict return that mean failure (compared lower-case).
FAILURE_STATUSES = frozenset({"error", "failed", "failure"})


class ScriptletState(enum.StrEnum):
    """Where a scriptlet is in its lifecycle (values match f0's ``StepStatus`` style)."""

    PENDING = "PENDING"
    VALIDATING = "VALIDATING"
    EXECUTING = "EXECUTING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"
    CANCELLED = "CANCELLED"
    TIMEOUT = "TIMEOUT"


class ScriptletCategory(enum.StrEnum):
    """What kind of work a scriptlet does (a label for catalogues and metadata)."""

    COMPUTE = "compute"
    IO = "io"
    NETWORK = "network"
    DATA = "data"
    SYSTEM = "system"
    ANALYSIS = "analysis"
    GENERAL = "general"


# Hooks are plain callables; their signatures are documented on ScriptletConfig.
PreHook = Callable[["BaseScriptlet", Any, dict[str, Any]], Any]
PostHook = Callable[["BaseScriptlet", Any, dict[str, Any], "ScriptletResult"], Any]
ErrorHandler = Callable[["BaseScriptlet", BaseException, Any, dict[str, Any]], Any]


# dataclasses, not attrs: these are the legacy, mutable user-facing classes
# (scriptlets build and edit results in place; dataclasses.asdict keeps working).
@dataclass
class ScriptletConfig:
    """How a scriptlet runs. Defaults are Framework0's.

    Hooks: ``pre_execution_hooks`` are called as ``hook(scriptlet, context, params)``
    before ``run``; ``post_execution_hooks`` as ``hook(scriptlet, context, params, result)``
    after it; ``error_handlers`` as ``handler(scriptlet, exc, context, params)`` when
    anything in ``execute`` raises. A handler that raises itself is logged and ignored.

    ``timeout_seconds``, ``max_retries`` and ``retry_delay`` are informative:
    f0's scheduler enforces the step's ``timeout`` and ``retry_count``.
    """

    parameters: dict[str, Any] = field(default_factory=dict)
    validation_rules: dict[str, Any] = field(default_factory=dict)
    resource_limits: dict[str, Any] = field(default_factory=dict)
    timeout_seconds: float = 300.0
    memory_limit_mb: int | None = None
    retry_policy: dict[str, Any] = field(default_factory=dict)
    max_retries: int = 0
    retry_delay: float = 1.0
    enable_monitoring: bool = True
    enable_debugging: bool = False
    enable_profiling: bool = False
    pre_execution_hooks: list[PreHook] = field(default_factory=list)
    post_execution_hooks: list[PostHook] = field(default_factory=list)
    error_handlers: list[ErrorHandler] = field(default_factory=list)

    def validate_configuration(self) -> list[str]:
        """Every problem with this configuration, as messages (empty when valid)."""
        errors: list[str] = []
        if self.timeout_seconds <= 0:
            errors.append(f"timeout_seconds must be > 0, not {self.timeout_seconds}")
        if self.max_retries < 0:
            errors.append(f"max_retries must be >= 0, not {self.max_retries}")
        if self.retry_delay < 0:
            errors.append(f"retry_delay must be >= 0, not {self.retry_delay}")
        if self.memory_limit_mb is not None and self.memory_limit_mb <= 0:
            errors.append(f"memory_limit_mb must be > 0, not {self.memory_limit_mb}")
        for name in ("pre_execution_hooks", "post_execution_hooks", "error_handlers"):
            errors.extend(
                f"{name}[{i}] is not callable: {hook!r}"
                for i, hook in enumerate(getattr(self, name))
                if not callable(hook)
            )
        return errors


@dataclass
class ScriptletResult:
    """What one ``execute`` (or one python step) produced."""

    success: bool
    exit_code: int = 0
    message: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    context_changes: list[str] = field(default_factory=list)
    duration: float = 0.0
    error_details: str | None = None
    validation_errors: list[str] = field(default_factory=list)
    resource_usage: dict[str, Any] = field(default_factory=dict)
    #: Formatted traceback when an exception failed the scriptlet (f0 addition;
    #: not part of ``to_dict()``, which keeps the legacy shape).
    traceback: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The legacy ``ScriptletResult.to_dict()`` shape."""
        return {
            "success": self.success,
            "exit_code": self.exit_code,
            "message": self.message,
            "data": dict(self.data),
            "metrics": dict(self.metrics),
            "context_changes": list(self.context_changes),
            "duration": self.duration,
            "error_details": self.error_details,
            "validation_errors": list(self.validation_errors),
            "resource_usage": dict(self.resource_usage),
        }

    @classmethod
    def from_value(cls, value: Any) -> ScriptletResult:
        """Interpret what a step or ``run()`` returned (``spec/recipes.md`` §4.5).

        ``ScriptletResult`` as is; ``bool`` True/False (exit code 1); ``int`` 0
        success, else failure with that exit code; a mapping fails when its
        ``status`` is error/failed/failure or ``success`` is False, and becomes
        ``data``; ``None`` and anything else succeed.
        """
        if isinstance(value, ScriptletResult):
            return value
        if isinstance(value, bool):  # before int: bool is an int subclass
            return cls(
                success=value,
                exit_code=0 if value else 1,
                message="" if value else "returned False",
            )
        if isinstance(value, int):
            return cls(
                success=value == 0,
                exit_code=value,
                message="" if value == 0 else f"exit code {value}",
            )
        if isinstance(value, Mapping):
            data = dict(value)
            status = data.get("status")
            failed = data.get("success") is False or (
                isinstance(status, str) and status.lower() in FAILURE_STATUSES
            )
            if not failed:
                return cls(success=True, exit_code=0, message=_text(data.get("message")), data=data)
            code = data.get("exit_code")
            exit_code = (
                code if isinstance(code, int) and not isinstance(code, bool) and code != 0 else 1
            )
            message = _text(data.get("error")) or _text(data.get("message"))
            if not message:
                message = (
                    f"returned status {status!r}"
                    if status is not None
                    else "returned success=False"
                )
            return cls(
                success=False,
                exit_code=exit_code,
                message=message,
                data=data,
                error_details=message,
            )
        return cls(success=True, exit_code=0)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


class BaseScriptlet(abc.ABC):
    """Base class of a Framework0-style scriptlet: override ``run(context, params)``.

    Class attributes a subclass may set: ``name`` (default: the class name),
    ``version`` (default ``"1.0.0"``), ``category`` and ``capabilities``.
    ``context`` is whatever the caller passes: in f0 steps, a
    :class:`f0.StepContext`.
    """

    name: str
    version: str
    category: ScriptletCategory = ScriptletCategory.GENERAL
    capabilities: tuple[str, ...] = ()

    def __init__(self, config: ScriptletConfig | None = None) -> None:
        self.config = config if config is not None else self.default_config()
        # A class attribute (``name = "loader"``) wins over the class name.
        self.name = getattr(self, "name", None) or type(self).__name__
        self.version = getattr(self, "version", None) or "1.0.0"
        self.state = ScriptletState.PENDING
        self.validation_errors: list[str] = []
        self._logger: Any = None
        self._started: float | None = None
        self._last_duration: float | None = None
        self._execution_count = 0

    # -- what a subclass overrides -----------------------------------------
    @abc.abstractmethod
    def run(self, context: Any, params: dict[str, Any]) -> Any:
        """Do the work; return 0 on success (or any value of :meth:`ScriptletResult.from_value`)."""
        raise NotImplementedError

    def validate(self, context: Any, params: Any) -> bool:
        """Check *params* before ``run``: a dict, then :meth:`validate_custom`."""
        if not isinstance(params, dict):
            self.validation_errors.append(f"params must be a dict, not {type(params).__name__}")
            return False
        return self.validate_custom(context, params)

    def validate_custom(self, context: Any, params: dict[str, Any]) -> bool:  # noqa: ARG002 - hook for subclasses
        """Extra checks of a subclass (append reasons to ``self.validation_errors``)."""
        return True

    def default_config(self) -> ScriptletConfig:
        """The config used when none is passed (specialisations change it)."""
        return ScriptletConfig()

    # -- the lifecycle -----------------------------------------------------
    def execute(self, context: Any, params: dict[str, Any] | None = None) -> ScriptletResult:
        """Validate, run the hooks and ``run``; never raises for the scriptlet's own errors.

        Exceptions go through :meth:`_handle_error` into a failed result
        (exit code 1). ``duration`` is measured; ``context_changes`` are the
        keys the context reports dirty afterwards (``pop_dirty_keys()``).
        """
        params = {} if params is None else params
        self.validation_errors = []
        self._started = time.perf_counter()
        self.state = ScriptletState.VALIDATING
        try:
            if not self.validate(context, params):
                reasons = "; ".join(self.validation_errors) or "validate() returned False"
                msg = f"validation failed for scriptlet {self.name!r}: {reasons}"
                raise ValueError(msg)  # noqa: TRY301 - the legacy flow: caught into a failed result
            for hook in self.config.pre_execution_hooks:
                hook(self, context, params)
            self.state = ScriptletState.EXECUTING
            result = ScriptletResult.from_value(self.run(context, params))
            for post in self.config.post_execution_hooks:
                post(self, context, params, result)
            self.state = ScriptletState.COMPLETED if result.success else ScriptletState.FAILED
        except Exception as exc:  # noqa: BLE001 - a scriptlet's exception is its failed result
            result = self._handle_error(exc, context, params)
        finally:
            self._last_duration = time.perf_counter() - self._started
            self._started = None
            self._execution_count += 1
        result.duration = self._last_duration
        result.context_changes = _dirty_keys(context)
        return result

    def _handle_error(
        self, exc: Exception, context: Any, params: dict[str, Any]
    ) -> ScriptletResult:
        """Call every ``config.error_handlers`` and return the failed result for *exc*."""
        self.state = ScriptletState.FAILED
        for handler in self.config.error_handlers:
            try:
                handler(self, exc, context, params)
            except Exception:  # one broken handler must not hide the real error
                self.logger.warning(
                    "scriptlet.error_handler_failed", scriptlet=self.name, exc_info=True
                )
        details = f"{type(exc).__name__}: {exc}"
        return ScriptletResult(
            success=False,
            exit_code=1,
            message=str(exc),
            error_details=details,
            validation_errors=list(self.validation_errors),
            traceback="".join(traceback.format_exception(exc)),
        )

    # -- introspection -----------------------------------------------------
    @property
    def logger(self) -> Any:
        """A structlog logger named after the scriptlet (created on first use)."""
        if self._logger is None:
            from f0 import get_logger

            # The logger name predates the move out of the kernel: kept, so log filters still match.
            self._logger = get_logger(f"f0.scriptlet.{self.name}")
        return self._logger

    @logger.setter
    def logger(self, value: Any) -> None:
        # Legacy scriptlets assign their own logger in __init__.
        self._logger = value

    @property
    def is_executing(self) -> bool:
        """True while :meth:`execute` is running."""
        return self._started is not None

    @property
    def execution_duration(self) -> float | None:
        """Seconds of the running execution so far, else of the last one (None before any)."""
        if self._started is not None:
            return time.perf_counter() - self._started
        return self._last_duration

    def get_execution_time(self) -> float | None:
        """Alias of :attr:`execution_duration` (used by Framework0's README)."""
        return self.execution_duration

    def get_category(self) -> ScriptletCategory:
        """The scriptlet's category (class attribute ``category``)."""
        return self.category

    def get_capabilities(self) -> list[str]:
        """The scriptlet's capabilities (class attribute ``capabilities``)."""
        return list(self.capabilities)

    def get_metadata(self) -> dict[str, Any]:
        """Name, version, category, capabilities, state and execution statistics (JSON)."""
        doc = inspect.getdoc(type(self)) or ""
        return {
            "name": self.name,
            "version": self.version,
            "class": f"{type(self).__module__}.{type(self).__qualname__}",
            "description": doc.split("\n", 1)[0],
            "category": self.get_category().value,
            "capabilities": self.get_capabilities(),
            "state": self.state.value,
            "execution_count": self._execution_count,
            "last_duration": self._last_duration,
        }

    def check_paradigm(self) -> bool:
        """True if ``run``/``validate`` take ``(context, params)`` and metadata is JSON."""
        for method in (self.run, self.validate, self.validate_custom):
            try:
                names = list(inspect.signature(method).parameters)
            except (TypeError, ValueError):
                return False
            if names[:2] != ["context", "params"]:
                return False
        try:
            json.dumps(self.get_metadata())
        except (TypeError, ValueError):
            return False
        return isinstance(self.state, ScriptletState) and not self.config.validate_configuration()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} state={self.state.value}>"


def _dirty_keys(context: Any) -> list[str]:
    pop = getattr(context, "pop_dirty_keys", None)
    if not callable(pop):
        return []
    try:
        return [str(k) for k in pop()]
    except Exception:  # noqa: BLE001 - a foreign context object: no change list, not a failure
        return []


class ComputeScriptlet(BaseScriptlet):
    """A CPU-bound scriptlet: profiling on by default."""

    category = ScriptletCategory.COMPUTE
    capabilities = ("compute",)

    def default_config(self) -> ScriptletConfig:
        """Monitoring and profiling enabled."""
        return ScriptletConfig(enable_monitoring=True, enable_profiling=True)


#: Param names IOScriptlet treats as paths: these, or ending in ``_`` + one of them.
_PATH_WORDS = ("path", "file", "filename", "dir", "directory", "folder")


class IOScriptlet(BaseScriptlet):
    """A file/stream scriptlet: path-like params (``path``, ``*_file``...) must be strings."""

    category = ScriptletCategory.IO
    capabilities = ("io",)

    def validate(self, context: Any, params: Any) -> bool:
        """The base checks, then every path-like param must be a string (or ``os.PathLike``)."""
        if not super().validate(context, params):
            return False
        bad = [
            key
            for key, value in params.items()
            if _is_path_key(key) and value is not None and not isinstance(value, str | os.PathLike)
        ]
        for key in bad:
            self.validation_errors.append(
                f"param {key!r} must be a path string, not {type(params[key]).__name__}"
            )
        return not bad


def _is_path_key(key: object) -> bool:
    if not isinstance(key, str):
        return False
    low = key.lower()
    return any(low == w or low.endswith("_" + w) for w in _PATH_WORDS)


# -- registry ---------------------------------------------------------------

_REGISTRY: dict[str, type[BaseScriptlet]] = {}
_REGISTRY_LOCK = threading.Lock()
_S = TypeVar("_S", bound=type[BaseScriptlet])


@overload
def register_scriptlet(cls: _S, /) -> _S: ...
@overload
def register_scriptlet(*, name: str | None = None) -> Callable[[_S], _S]: ...
def register_scriptlet(
    cls: _S | None = None, /, *, name: str | None = None
) -> _S | Callable[[_S], _S]:
    """Class decorator: add a scriptlet class to the registry (``@register_scriptlet``).

    The key is *name*, else the class's ``name`` attribute, else its class name.
    Registering another class under a taken name replaces it with a warning;
    re-importing the same module (same module and qualified name) does not warn.
    """

    def decorate(klass: _S, _level: int = 2) -> _S:
        key = name or _class_name(klass)
        with _REGISTRY_LOCK:
            old = _REGISTRY.get(key)
            _REGISTRY[key] = klass
        if old is not None and _qualified(old) != _qualified(klass):
            warnings.warn(
                f"scriptlet {key!r}: {_qualified(klass)} replaces {_qualified(old)}",
                UserWarning,
                stacklevel=_level,  # point at the decorated class, however it was applied
            )
        return klass

    return decorate(cls, 3) if cls is not None else decorate


def _class_name(klass: type[BaseScriptlet]) -> str:
    declared = klass.__dict__.get("name")
    return declared if isinstance(declared, str) and declared else klass.__name__


def _qualified(klass: type) -> str:
    return f"{klass.__module__}.{klass.__qualname__}"


def get_scriptlet(name: str) -> type[BaseScriptlet]:
    """The class registered as *name* (``KeyError`` naming the known ones if none)."""
    with _REGISTRY_LOCK:
        try:
            return _REGISTRY[name]
        except KeyError:
            known = ", ".join(sorted(_REGISTRY)) or "none"
            msg = f"no scriptlet registered as {name!r} (registered: {known})"
            raise KeyError(msg) from None


def list_scriptlets() -> dict[str, type[BaseScriptlet]]:
    """A copy of the registry: name → class."""
    with _REGISTRY_LOCK:
        return dict(_REGISTRY)


def unregister_scriptlet(name: str) -> bool:
    """Remove *name* from the registry; False if it was not there."""
    with _REGISTRY_LOCK:
        return _REGISTRY.pop(name, None) is not None


# -- ExecutionContext (legacy helper: run several scriptlets in-process) -----


class ExecutionContext:
    """Run scriptlets in dependency order over one shared context (``scriptlets.framework``).

    *context* defaults to a new :class:`f0.Context`. Ready scriptlets run in
    the order they were added; a scriptlet whose dependency failed is not
    run and gets a failed result.
    """

    def __init__(self, context: Any = None) -> None:
        if context is None:
            # Lazily: f0.context pulls in attrs; this module stays stdlib-only.
            from f0 import Context

            context = Context()
        self.context = context
        self.scriptlets: dict[str, BaseScriptlet] = {}
        self.dependencies: dict[str, list[str]] = {}
        self.results: dict[str, ScriptletResult] = {}

    def add_scriptlet(
        self, name: str, scriptlet: BaseScriptlet, dependencies: list[str] | None = None
    ) -> None:
        """Add *scriptlet* as *name*, to run after every name in *dependencies*."""
        self.scriptlets[name] = scriptlet
        self.dependencies[name] = list(dependencies or [])

    def resolve_dependencies(self) -> list[str]:
        """Names in execution order; ``ValueError`` for an unknown dependency or a cycle."""
        for name, deps in self.dependencies.items():
            unknown = [d for d in deps if d not in self.scriptlets]
            if unknown:
                msg = f"scriptlet {name!r} depends on unknown {', '.join(map(repr, unknown))}"
                raise ValueError(msg)
        order: list[str] = []
        done: set[str] = set()
        pending = list(self.scriptlets)
        while pending:
            ready = [n for n in pending if all(d in done for d in self.dependencies[n])]
            if not ready:
                msg = f"dependency cycle among scriptlets: {', '.join(pending)}"
                raise ValueError(msg)
            first = ready[0]  # insertion order breaks ties
            order.append(first)
            done.add(first)
            pending.remove(first)
        return order

    def execute_all(
        self, params: Mapping[str, dict[str, Any]] | None = None
    ) -> dict[str, ScriptletResult]:
        """Execute every scriptlet in order; *params* maps a name to its params dict."""
        params = params or {}
        self.results = {}
        for name in self.resolve_dependencies():
            failed = [d for d in self.dependencies[name] if not self.results[d].success]
            if failed:
                msg = f"skipped: dependency {failed[0]!r} failed"
                self.results[name] = ScriptletResult(
                    success=False, exit_code=1, message=msg, error_details=msg
                )
                continue
            self.results[name] = self.scriptlets[name].execute(
                self.context, dict(params.get(name, {}))
            )
        return self.results
