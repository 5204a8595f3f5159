"""The ``f0`` command line: a typer app that plugins extend.

``make_app(pm)`` builds the app and lets every plugin (the kernel's own
commands included, see :mod:`f0.builtin.commands`) add commands through
``f0_register_commands``. ``main()`` is the console script: it reads the
environment once, turns :class:`~f0.errors.F0Error` into one line on stderr
and the right exit code, and shows a traceback only with ``F0_DEBUG=1``.
"""

from __future__ import annotations

import functools
import inspect
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import typer
import typer.core

from f0.errors import F0Error, PluginError
from f0.hooks import Hooks
from f0.manager import PluginSelection, make_plugin_manager

if TYPE_CHECKING:
    from f0.manager import F0PluginManager

__all__ = ["command_group", "hooks_of", "main", "make_app"]

HELP = """f0 runs YAML recipes: DAGs of Python steps that share a key/value context.

Start with: f0 init DIR, or f0 run examples/quickstart/recipe.yaml

Commands come from plugins too; 'f0 plugins' lists what is installed.
Shell completion: f0 --install-completion (bash, zsh, fish, PowerShell).
"""


class _PlainArgument(typer.core.TyperArgument):
    """An argument shown as click shows one (``RECIPE``), not ``{recipe_path} <Path>``."""

    def _name(self) -> str:
        return self.metavar or (self.name or "arg").upper()

    def _usage_display_name(self) -> str:
        name = self._rich_display_name()
        return name if self.required or name.startswith("[") else f"[{name}]"

    def _rich_display_name(self) -> str:
        # A metavar is shown as written; a name gets click's "..." when repeatable.
        if self.metavar:
            return self.metavar
        name = self._name()
        return name + "..." if self.nargs != 1 else name

    def display_type_rich(self, ctx: Any) -> str | None:  # noqa: ARG002 - typer's signature
        return None


class _PlainOption(typer.core.TyperOption):
    """An option whose value shows as ``URL`` or ``INTEGER``, not ``<str>`` or ``<int>``."""

    def display_type_rich(self, ctx: Any) -> str | None:
        if self.metavar is not None:
            return self.metavar
        shown = super().display_type_rich(ctx)
        if not shown:
            return shown
        many = shown.endswith("...")
        label = shown.removesuffix("...").strip("<>")
        if label.startswith("list[") and label.endswith("]"):
            label, many = label[5:-1], True
        label = _TYPE_NAMES.get(label, f"[{label}]" if "|" in label else label.upper())
        return label + "..." if many else label


#: typer's type labels (``<int range>``) as click shows them (``INTEGER``).
_TYPE_NAMES = {
    "str": "TEXT",
    "int": "INTEGER",
    "int range": "INTEGER",
    "float": "FLOAT",
    "float range": "FLOAT",
    "path": "PATH",
    "Path": "PATH",
}


def _plain_text(text: str | None) -> str | None:
    # Docstrings are written for Sphinx too: ``x`` reads as 'x' in a terminal.
    return text.replace("``", "'") if text else text


def _plain_help(command: Any) -> None:
    """Make every help text of *command* (and its subcommands) free of markup artefacts."""
    command.help = _plain_text(command.help)
    command.short_help = _plain_text(command.short_help)
    for param in command.params:
        if type(param) is typer.core.TyperArgument:
            param.__class__ = _PlainArgument
        elif type(param) is typer.core.TyperOption:
            param.__class__ = _PlainOption
        if hasattr(param, "help"):
            param.help = _plain_text(param.help)
    # (typer vendors click: its classes are not click's, so no isinstance here)
    for sub in (getattr(command, "commands", None) or {}).values():
        _plain_help(sub)


class _Group(typer.core.TyperGroup):
    """The root command group: plain help texts; a missing plugin's command names the plugin."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # typer builds the whole tree before this root group: fix it all once.
        _plain_help(self)

    def resolve_command(self, ctx: Any, args: list[str]) -> tuple[str | None, Any, list[str]]:
        name = args[0] if args else None
        if name is not None and not name.startswith("-") and self.get_command(ctx, name) is None:
            from f0.hooks import COMMAND_HINTS, not_installed

            dist = COMMAND_HINTS.get(name)
            if dist is not None:
                typer.echo(f"f0 {name}: {not_installed('this command', dist)}", err=True)
                ctx.exit(2)
        return super().resolve_command(ctx, args)


def hooks_of(ctx: typer.Context) -> Hooks:
    """The :class:`~f0.hooks.Hooks` of the running CLI, from a command's ``ctx``.

    Plugin commands take ``ctx: typer.Context`` and call this to reach the
    plugin manager's providers (``hooks_of(ctx).run_store(url)``).
    """
    return ctx.find_root().obj  # type: ignore[no-any-return]


def command_group(app: typer.Typer, name: str, *, help: str) -> typer.Typer:  # noqa: A002
    """The sub-app ``f0 NAME``, created by the first plugin that asks for it.

    Use it (instead of ``app.add_typer``) for a group several plugins extend,
    such as ``f0 ctx``: each adds its own commands; a command name two
    plugins add to the same group is a :class:`~f0.errors.PluginError`.
    """
    for group in app.registered_groups:
        if group.name == name and group.typer_instance is not None:
            return group.typer_instance
    sub = typer.Typer(help=help, no_args_is_help=True, rich_markup_mode=None)
    app.add_typer(sub, name=name)
    return sub


def _version_callback(value: bool) -> None:
    if value:
        from f0._version import __version__

        typer.echo(f"f0 {__version__}")
        raise typer.Exit


def make_app(pm: F0PluginManager) -> typer.Typer:
    """Build the CLI for plugin manager *pm* (one app per manager, no globals)."""
    app = typer.Typer(
        name="f0",
        help=HELP,
        no_args_is_help=True,
        # typer's own completion: f0 --install-completion / --show-completion.
        add_completion=True,
        cls=_Group,
        pretty_exceptions_enable=False,
        # Plain click help: typer's rich help costs ~90 ms of start-up.
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )

    @app.callback()
    def _root(
        version: bool = typer.Option(
            False,
            "--version",
            callback=_version_callback,
            is_eager=True,
            help="Print the f0 version and exit.",
        ),
    ) -> None:
        """f0: plugin-first workflow orchestrator."""

    hooks = Hooks(pm)
    app.info.context_settings = {**(app.info.context_settings or {}), "obj": hooks}
    _register_commands(hooks, app)
    _add_run_options(hooks, app)
    _translate_errors(app)
    return app


def _report_errors(callback: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a command so an F0Error becomes one stderr line and its exit code."""

    @functools.wraps(callback)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return callback(*args, **kwargs)
        except F0Error as exc:
            if os.environ.get("F0_DEBUG") == "1":
                raise
            typer.echo(str(exc), err=True)
            raise typer.Exit(exc.exit_code) from None

    return wrapper


def _translate_errors(app: typer.Typer) -> None:
    # Done here, once for every command (plugins' too), so in-process runs
    # (tests, CliRunner) and the console script report errors the same way.
    for command in app.registered_commands:
        if command.callback is not None:
            command.callback = _report_errors(command.callback)
    for group in app.registered_groups:
        if group.typer_instance is not None:
            _translate_errors(group.typer_instance)


def _command_names(app: typer.Typer) -> list[str]:
    names = [c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands]
    names += [g.name or "" for g in app.registered_groups]
    return [n.replace("_", "-") for n in names]


def _all_command_names(app: typer.Typer) -> list[str]:
    """Every command as a path (``"run"``, ``"ctx snapshot"``), groups included."""
    names = _command_names(app)
    for group in app.registered_groups:
        if group.typer_instance is not None:
            names += [f"{group.name} {n}" for n in _all_command_names(group.typer_instance)]
    return names


def _register_commands(hooks: Hooks, app: typer.Typer) -> None:
    """Call each plugin's ``f0_register_commands``; a name two plugins add is an error."""
    owners: dict[str, str] = {}
    for impl in hooks.pm.hook.f0_register_commands.get_hookimpls():
        before = _all_command_names(app)
        impl.function(app=app)
        after = _all_command_names(app)
        # A shared group (command_group) appears once; what a plugin added is
        # the names it made, counted so that a duplicate name shows twice.
        added = list(after)
        for name in before:
            added.remove(name)
        for name in added:
            if name in owners or added.count(name) > 1:
                first = owners.get(name, impl.plugin_name)
                msg = f"plugins {first!r} and {impl.plugin_name!r} both add the command {name!r}"
                raise PluginError(msg, plugin=impl.plugin_name)
            owners[name] = impl.plugin_name


def _add_run_options(hooks: Hooks, app: typer.Typer) -> None:
    """Give ``f0 run`` the options plugins declare with ``f0_run_options``.

    The run command takes them as ``**plugin_options``; typer learns about
    them from the signature we extend here.
    """
    found = hooks.run_options()
    run = next(
        (
            c
            for c in app.registered_commands
            if c.name == "run"
            or (c.name is None and c.callback is not None and c.callback.__name__ == "run")
        ),
        None,
    )
    if run is None or run.callback is None:
        return
    callback = run.callback
    signature = inspect.signature(callback)
    params = [p for p in signature.parameters.values() if p.kind is not p.VAR_KEYWORD]
    taken = {opt for p in params for opt in _option_names(p.default)}
    annotations = dict(callback.__annotations__)
    owners: dict[str, str] = {}
    for plugin, option in found:
        flag = f"--{option.name}"
        if flag in taken or (option.short and option.short in taken):
            other = owners.get(flag, "f0 run")
            msg = f"plugins {other!r} and {plugin!r} both add the option {flag!r} to f0 run"
            raise PluginError(msg, plugin=plugin)
        taken.add(flag)
        owners[flag] = plugin
        names = [flag, option.short] if option.short else [flag]
        taken.update(names)
        default = typer.Option(
            False if option.flag else None,
            *names,
            envvar=option.envvar,
            metavar=None if option.flag else option.metavar,
            help=f"{option.help} [plugin {plugin}]",
            show_default=False,
        )
        kind: Any = bool if option.flag else (str | None)
        params.append(
            inspect.Parameter(
                option.key, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=kind
            )
        )
        annotations[option.key] = kind
    callback.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
    callback.__annotations__ = annotations


def _option_names(default: object) -> list[str]:
    decls = getattr(default, "param_decls", None) or ()
    return [d for d in decls if isinstance(d, str) and d.startswith("-")]


def main(argv: list[str] | None = None) -> None:
    """Console entry point of ``f0``."""
    debug = os.environ.get("F0_DEBUG") == "1"
    try:
        pm = make_plugin_manager(PluginSelection.from_env())
        for failure in pm.load_failures:
            typer.echo(
                f"warning: plugin {failure.name!r} ({failure.distribution or 'unknown distribution'}) "
                f"failed to load and was skipped: {failure.error}",
                err=True,
            )
        app = make_app(pm)
        app(args=argv, prog_name="f0")
    except F0Error as exc:
        if debug:
            raise
        typer.echo(str(exc), err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        typer.echo("f0: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        if debug:
            raise
        typer.echo(
            f"f0: internal error: {type(exc).__name__}: {exc} (run again with F0_DEBUG=1 for the traceback)",
            err=True,
        )
        sys.exit(1)
