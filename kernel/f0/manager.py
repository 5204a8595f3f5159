"""The plugin manager: kernel built-ins first, then the ``f0`` entry points.

Environment variables (read once, by :meth:`PluginSelection.from_env`):

=============================== ===============================================
``F0_LOAD_PLUGINS=a,b``         load only these entry-point plugins (``''`` = none)
``F0_DISABLE_PLUGIN_AUTOLOAD=1`` no discovery; only names in ``F0_LOAD_PLUGINS``
``F0_DISABLE_PLUGINS=x,y``      block these, whatever else says
``F0_TRACE_PLUGINS=1``          log every hook call (structlog, debug)
``F0_STRICT_PLUGINS=1``         a plugin that fails to load is fatal (CI)
=============================== ===============================================

Names may be given as ``yaml`` or ``f0-plugin-yaml``.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from typing import Any

import attrs
import pluggy

import f0.hookspecs
from f0.errors import PluginError

__all__ = [
    "DEFAULT_PLUGINS",
    "F0PluginManager",
    "PluginInfo",
    "PluginLoadFailure",
    "PluginSelection",
    "make_plugin_manager",
]

#: Kernel-internal plugins, registered before any entry point.
DEFAULT_PLUGINS: tuple[str, ...] = ("f0.builtin.checks", "f0.builtin.commands")

ENTRY_POINT_GROUP = "f0"
_PREFIX = "f0-plugin-"


def _names(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(normalize_name(n) for n in value.split(",") if n.strip())


def normalize_name(name: str) -> str:
    """``f0-plugin-yaml`` / ``f0_plugin_yaml`` / ``yaml`` -> ``yaml``."""
    name = name.strip().lower().replace("_", "-")
    return name.removeprefix(_PREFIX)


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


@attrs.frozen(kw_only=True)
class PluginSelection:
    """Which plugins to load. The only place the F0_* plugin variables are read."""

    #: Entry-point names to load; None means all.
    load: tuple[str, ...] | None = None
    autoload: bool = True
    disabled: tuple[str, ...] = ()
    trace: bool = False
    strict: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> PluginSelection:
        """Read the F0_* plugin variables from *environ* (default ``os.environ``)."""
        env = os.environ if environ is None else environ
        return cls(
            load=_names(env.get("F0_LOAD_PLUGINS")),
            autoload=not _truthy(env.get("F0_DISABLE_PLUGIN_AUTOLOAD")),
            disabled=_names(env.get("F0_DISABLE_PLUGINS")) or (),
            trace=_truthy(env.get("F0_TRACE_PLUGINS")),
            strict=_truthy(env.get("F0_STRICT_PLUGINS")),
        )

    def wants(self, name: str) -> bool:
        """Should the entry-point plugin *name* be loaded?"""
        name = normalize_name(name)
        if name in self.disabled:
            return False
        if not self.autoload:
            return self.load is not None and name in self.load
        return self.load is None or name in self.load


@attrs.frozen(kw_only=True)
class PluginInfo:
    """One registered plugin, as ``f0 plugins`` shows it."""

    name: str
    module: str
    builtin: bool = False
    #: The importlib distribution the entry point came from. Its name and
    #: version are read only when asked: parsing package metadata costs
    #: start-up time every command would pay.
    dist: Any = attrs.field(default=None, repr=False, eq=False)

    @property
    def distribution(self) -> str | None:
        """The distribution's name (``f0-plugin-yaml``), None for kernel built-ins."""
        return str(self.dist.name) if self.dist is not None else None

    @property
    def version(self) -> str | None:
        """The distribution's version, None for kernel built-ins."""
        return str(self.dist.version) if self.dist is not None else None


@attrs.frozen(kw_only=True)
class PluginLoadFailure:
    """An entry point that could not be loaded (it is skipped)."""

    name: str
    distribution: str | None
    error: str


class F0PluginManager(pluggy.PluginManager):
    """pluggy's manager plus our own table of what was loaded from where."""

    def __init__(self) -> None:
        super().__init__("f0")
        self.add_hookspecs(f0.hookspecs)
        self.infos: dict[str, PluginInfo] = {}
        self.load_failures: list[PluginLoadFailure] = []

    def parse_hookimpl_opts(self, plugin: Any, name: str) -> Any:
        # Only f0_* attributes can be hooks (pytest does the same with pytest_).
        if not name.startswith("f0_"):
            return None
        return super().parse_hookimpl_opts(plugin, name)

    def register_plugin(self, plugin: Any, info: PluginInfo) -> None:
        """Register *plugin* under ``info.name`` and remember where it came from."""
        self.register(plugin, name=info.name)
        self.infos[info.name] = info

    def unregister_plugin(self, name: str) -> None:
        """Unregister a plugin registered with :meth:`register_plugin`."""
        plugin = self.get_plugin(name)
        if plugin is not None:
            self.unregister(plugin, name=name)
        self.infos.pop(name, None)

    def hooks_of(self, name: str) -> list[str]:
        """Names of the hooks plugin *name* implements, sorted."""
        plugin = self.get_plugin(name)
        if plugin is None:
            return []
        return sorted(h.name for h in self.get_hookcallers(plugin) or ())


def _load_entry_points(pm: F0PluginManager, selection: PluginSelection) -> None:
    from importlib_metadata import entry_points  # only when discovery runs

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        name = normalize_name(ep.name)
        if name in pm.infos or not selection.wants(name):
            continue
        try:
            plugin = ep.load()
            pm.register_plugin(plugin, PluginInfo(name=name, module=ep.value, dist=ep.dist))
        except Exception as exc:  # a broken plugin must not break f0
            dist = ep.dist.name if ep.dist is not None else None
            if selection.strict:
                msg = f"plugin {name!r} ({dist}) failed to load: {exc}"
                raise PluginError(msg, plugin=name) from exc
            pm.load_failures.append(
                PluginLoadFailure(
                    name=name, distribution=dist, error=f"{type(exc).__name__}: {exc}"
                )
            )


def _report_missing(pm: F0PluginManager, selection: PluginSelection) -> None:
    """Record plugins named in ``F0_LOAD_PLUGINS`` that are not installed (fatal if strict)."""
    known = {info.name for info in pm.infos.values()} | {f.name for f in pm.load_failures}
    for name in selection.load or ():
        if name in known or name in selection.disabled:
            continue
        error = f"not installed (no entry point {name!r} in group {ENTRY_POINT_GROUP!r}); try: pip install {_PREFIX}{name}"
        if selection.strict:
            msg = f"plugin {name!r} {error}"
            raise PluginError(msg, plugin=name)
        pm.load_failures.append(PluginLoadFailure(name=name, distribution=None, error=error))


def _drop_unknown_hooks(pm: F0PluginManager, *, strict: bool) -> None:
    """Unregister each plugin implementing a hook f0 does not define."""
    while True:
        try:
            pm.check_pending()
        except pluggy.PluginValidationError as exc:
            name = pm.get_name(exc.plugin) or "?"
            if strict:
                raise PluginError(str(exc), plugin=name) from exc
            info = pm.infos.get(name)
            pm.unregister_plugin(name)
            pm.load_failures.append(
                PluginLoadFailure(
                    name=name,
                    distribution=info.distribution if info else None,
                    error=str(exc),
                )
            )
        else:
            return


def make_plugin_manager(selection: PluginSelection | None = None) -> F0PluginManager:
    """Build a plugin manager: built-ins, then entry points chosen by *selection*.

    The only constructor; the CLI and each test build their own (no global).
    """
    selection = selection or PluginSelection()
    pm = F0PluginManager()
    for module_name in DEFAULT_PLUGINS:
        module = importlib.import_module(module_name)
        pm.register_plugin(module, PluginInfo(name=module_name, module=module_name, builtin=True))
    if selection.autoload or selection.load:
        _load_entry_points(pm, selection)
    _report_missing(pm, selection)
    for name in selection.disabled:
        pm.set_blocked(name)  # unregisters a built-in of that name too
        pm.infos.pop(name, None)
    _drop_unknown_hooks(pm, strict=selection.strict)
    if selection.trace:
        from f0.log import get_logger

        log = get_logger("f0.trace")
        pm.trace.root.setwriter(lambda msg: log.debug("plugin.trace", message=msg.rstrip()))
        pm.enable_tracing()
    return pm
