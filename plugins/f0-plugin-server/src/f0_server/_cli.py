"""``f0 serve`` and the server's ``f0 ctx`` commands.

``f0 ctx`` is a group f0-plugin-store adds to as well (snapshot, restore,
diff, list); the commands here talk to a running server: get, set, delete,
keys, history, watch, dump, status. Each takes ``--server`` (``F0_SERVER``,
default ``http://127.0.0.1:8080``), ``--token`` (``F0_TOKEN``) and ``--json``.
Heavy modules (httpx, uvicorn) load inside the command bodies.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from collections.abc import Callable

    from f0_server.client import ContextClient

__all__ = ["DEFAULT_SERVER", "parse_value", "register"]

DEFAULT_SERVER = "http://127.0.0.1:8080"

SERVER_OPT = typer.Option(
    DEFAULT_SERVER, "--server", envvar="F0_SERVER", metavar="URL", help="The context server."
)
TOKEN_OPT = typer.Option(
    None, "--token", envvar="F0_TOKEN", metavar="TOKEN", help="Bearer token of the server."
)
JSON_OPT = typer.Option(False, "--json", help="Print JSON (one object, or one per line for watch).")
CTX_HELP = "The context: snapshots and deltas in the run store; a live context server's keys."


def parse_value(text: str) -> Any:
    """*text* as JSON when it parses (``30``, ``true``, ``{"a": 1}``), else the string itself."""
    try:
        return json.loads(text, parse_constant=_no_constant)
    except ValueError:
        return text


def _no_constant(name: str) -> Any:
    raise ValueError(name)


def _show(value: Any) -> str:
    """Strings raw, everything else compact JSON (context.sh's ``get``)."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _client(server: str, token: str | None, who: str = "cli") -> ContextClient:
    from f0_server.client import ContextClient

    return ContextClient(url=server, token=token or None, who=who)


def _run(action: Callable[[], None]) -> None:
    """Run *action*, turning client errors into one stderr line and exit code 2 (1 for 404)."""
    from f0_server.client import ContextClientError, NotFoundError

    try:
        action()
    except NotFoundError as exc:
        typer.echo(f"f0 ctx: {exc}", err=True)
        raise typer.Exit(1) from None
    except ContextClientError as exc:
        typer.echo(f"f0 ctx: {exc}", err=True)
        raise typer.Exit(2) from None


def _echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False))


def register(app: typer.Typer) -> None:
    """Add ``serve`` and the ``ctx`` commands to *app*."""
    from f0 import command_group

    _register_serve(app)
    _register_ctx(command_group(app, "ctx", help=CTX_HELP))


def _register_serve(app: typer.Typer) -> None:
    @app.command()
    def serve(  # noqa: PLR0917 - typer maps parameters to options
        ctx: typer.Context,
        host: str = typer.Option(
            "127.0.0.1",
            "--host",
            envvar="CONTEXT_SERVER_HOST",
            help="Address to listen on. Anything but loopback needs --token.",
        ),
        port: int = typer.Option(
            8080,
            "--port",
            envvar="CONTEXT_SERVER_PORT",
            min=0,
            max=65535,
            help="Port (0: any free port; the one chosen is printed).",
        ),
        token: str | None = typer.Option(
            None,
            "--token",
            envvar="F0_TOKEN",
            help="Require 'Authorization: Bearer TOKEN' on every request.",
        ),
        store: str = typer.Option(
            "sqlite:///.f0/context-server.db",
            "--store",
            envvar="F0_SERVER_STORE",
            metavar="URL",
            help="Where the context and its history persist: sqlite:///PATH or memory://.",
        ),
        max_body: int = typer.Option(
            1024 * 1024,
            "--max-body",
            min=1,
            metavar="BYTES",
            help="Largest request body or WebSocket message (larger: 413).",
        ),
        dump_dir: Path = typer.Option(
            Path("context_dumps"), "--dump-dir", help="Folder of the dump files."
        ),
        ws_queue: int = typer.Option(
            10_000,
            "--ws-queue",
            min=1,
            metavar="N",
            help="Messages a WebSocket watcher may fall behind before it is closed (1013).",
        ),
        no_socketio: bool = typer.Option(
            False, "--no-socketio", help="Do not serve Socket.IO at /socket.io."
        ),
        log_level: str = typer.Option(
            "warning", "--log-level", help="uvicorn's log level (info shows every request)."
        ),
        run_store: str | None = typer.Option(
            None,
            "--run-store",
            envvar="F0_STORE",
            metavar="URL",
            help="Run store that plugins' pages show (/metrics, /reports with "
            "f0-plugin-analytics); default sqlite:///.f0/f0.db, as f0 run.",
            show_default=False,
        ),
    ) -> None:
        """Serve the live context: REST API, WebSocket, Socket.IO and the dashboard at /.

        The context and its full history persist in --store; a restart
        loses nothing that was acknowledged. Installed plugins add pages
        (f0-plugin-analytics: /metrics and /reports over --run-store).
        """
        from f0 import hooks_of

        from f0_server._app import ServerConfig
        from f0_server._serve import is_loopback, serve

        config = ServerConfig(
            endpoints=tuple(hooks_of(ctx).http_endpoints(run_store)),
            host=host,
            port=port,
            token=token or None,
            store_url=store,
            max_body=max_body,
            dump_dir=dump_dir,
            ws_queue=ws_queue,
            socketio=not no_socketio,
            loopback_only=is_loopback(host) and not token,
        )
        serve(config, log_level=log_level)


def _register_ctx(ctx_app: typer.Typer) -> None:
    @ctx_app.command("get")
    def get(
        key: str = typer.Argument(..., help="The key."),
        server: str = SERVER_OPT,
        token: str | None = TOKEN_OPT,
        as_json: bool = JSON_OPT,
    ) -> None:
        """Print KEY's value on the server (strings raw, others as JSON); exit 1 if missing."""

        def action() -> None:
            with _client(server, token) as client:
                value = client.require(key)
            if as_json:
                _echo_json({"key": key, "value": value})
            else:
                typer.echo(_show(value))

        _run(action)

    @ctx_app.command("set")
    def set_(  # noqa: PLR0917 - typer maps parameters to options
        key: str = typer.Argument(..., help="The key."),
        value: str = typer.Argument(..., help="The value: JSON when it parses, else a string."),
        who: str = typer.Option("cli", "--who", help="Who the history entry names."),
        string: bool = typer.Option(False, "--string", help="Send VALUE as a string, never JSON."),
        server: str = SERVER_OPT,
        token: str | None = TOKEN_OPT,
        as_json: bool = JSON_OPT,
    ) -> None:
        """Set KEY to VALUE on the server."""
        parsed = value if string else parse_value(value)

        def action() -> None:
            with _client(server, token, who) as client:
                changed = client.update({key: parsed})
            if as_json:
                _echo_json({"status": "ok", "key": key, "value": parsed, "changed": bool(changed)})
            else:
                typer.echo(f"{key} = {json.dumps(parsed, ensure_ascii=False)}")

        _run(action)

    @ctx_app.command("delete")
    def delete(
        key: str = typer.Argument(..., help="The key."),
        who: str = typer.Option("cli", "--who", help="Who the history entry names."),
        server: str = SERVER_OPT,
        token: str | None = TOKEN_OPT,
        as_json: bool = JSON_OPT,
    ) -> None:
        """Remove KEY from the server; exit 1 if it does not exist."""
        from f0_server.client import NotFoundError

        def action() -> None:
            with _client(server, token, who) as client:
                if not client.delete(key):
                    msg = f"no key {key!r}"
                    raise NotFoundError(msg, status=404)
            if as_json:
                _echo_json({"status": "ok", "key": key})

        _run(action)

    @ctx_app.command("keys")
    def keys(
        prefix: str | None = typer.Argument(None, help="Only keys starting with PREFIX."),
        server: str = SERVER_OPT,
        token: str | None = TOKEN_OPT,
        as_json: bool = JSON_OPT,
    ) -> None:
        """List the server's keys (in insertion order)."""

        def action() -> None:
            with _client(server, token) as client:
                found = client.keys(prefix)
            if as_json:
                _echo_json(found)
            else:
                for key in found:
                    typer.echo(key)

        _run(action)

    @ctx_app.command("history")
    def history(  # noqa: PLR0917 - typer maps parameters to options
        key: str | None = typer.Argument(None, help="Only this key's changes."),
        who: str | None = typer.Option(None, "--who", help="Only changes made by WHO."),
        limit: int | None = typer.Option(None, "--limit", min=1, help="The last N entries."),
        server: str = SERVER_OPT,
        token: str | None = TOKEN_OPT,
        as_json: bool = JSON_OPT,
    ) -> None:
        """Print the change history (oldest first): seq, time, who, key, before -> after."""

        def action() -> None:
            with _client(server, token) as client:
                entries = client.get_history(key, who)
            if limit is not None:
                entries = entries[-limit:]
            if as_json:
                _echo_json(entries)
                return
            for e in entries:
                stamp = time.strftime("%H:%M:%S", time.localtime(e["timestamp"]))
                after = "(deleted)" if e["operation"] == "delete" else _json(e["after"])
                typer.echo(
                    f"{e['seq']:>6}  {stamp}  {e['who'] or '-':<12} {e['key']}: "
                    f"{_json(e['before'])} -> {after}"
                )

        _run(action)

    @ctx_app.command("watch")
    def watch(  # noqa: PLR0917 - typer maps parameters to options
        prefix: str | None = typer.Argument(None, help="Only keys starting with PREFIX."),
        runs: bool = typer.Option(False, "--runs", help="Show run and step events too."),
        count: int | None = typer.Option(
            None, "--count", min=1, help="Stop after COUNT events (default: until Ctrl-C)."
        ),
        server: str = SERVER_OPT,
        token: str | None = TOKEN_OPT,
        as_json: bool = JSON_OPT,
    ) -> None:
        """Print every change as it happens (a live tail); Ctrl-C stops."""
        events = ("context", "runs") if runs else ("context",)

        def action() -> None:
            seen = 0
            with _client(server, token) as client:
                for event in client.watch(prefix, events=events):
                    if as_json:
                        _echo_json(event)
                    else:
                        typer.echo(_event_line(event))
                    sys.stdout.flush()
                    seen += 1
                    if count is not None and seen >= count:
                        return

        try:
            _run(action)
        except KeyboardInterrupt:
            raise typer.Exit(0) from None

    @ctx_app.command("dump")
    def dump(  # noqa: PLR0917 - typer maps parameters to options
        fmt: str = typer.Option("json", "--format", "-f", help="json, pretty, csv or txt."),
        save: str | None = typer.Option(
            None,
            "--save",
            metavar="FILENAME",
            help="Have the server write the dump into its dump folder ('auto': a dated name).",
        ),
        include_history: bool = typer.Option(False, "--history", help="Include the history."),
        server: str = SERVER_OPT,
        token: str | None = TOKEN_OPT,
        as_json: bool = JSON_OPT,
    ) -> None:
        """Print a dump of the server's context (or --save it on the server)."""
        from f0 import UsageError

        from f0_server.client import DUMP_FORMATS

        if fmt not in DUMP_FORMATS:
            msg = f"unknown format {fmt!r}: use one of {', '.join(DUMP_FORMATS)}"
            raise UsageError(msg, where="--format")

        def action() -> None:
            with _client(server, token) as client:
                if save is not None:
                    name = None if save == "auto" else save
                    result = client.dump_context(fmt, name, include_history)
                    if as_json:
                        _echo_json(result)
                    else:
                        typer.echo(f"{result['path']} ({result['size_bytes']} bytes)")
                    return
                text = client.render_dump(fmt, include_history)
            typer.echo(text, nl=False)

        _run(action)

    @ctx_app.command("status")
    def status(
        server: str = SERVER_OPT,
        token: str | None = TOKEN_OPT,
        as_json: bool = JSON_OPT,
    ) -> None:
        """Show the server's status (keys, history entries, clients, uptime)."""

        def action() -> None:
            with _client(server, token) as client:
                found = client.get_status()
            if as_json:
                _echo_json(found)
            else:
                for name, value in found.items():
                    typer.echo(f"{name}: {value}")

        _run(action)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _event_line(event: dict[str, Any]) -> str:  # noqa: PLR0911 - one line per event type
    stamp = time.strftime("%H:%M:%S", time.localtime(event.get("timestamp") or time.time()))
    kind = event.get("type")
    if kind == "context_updated":
        if event.get("operation") == "delete":
            return f"{stamp} {event.get('who') or '-'}: {event['key']} deleted"
        return f"{stamp} {event.get('who') or '-'}: {event['key']} = {_json(event['value'])}"
    if kind == "step_finished":
        return (
            f"{stamp} step {event.get('step')} {event.get('status')} "
            f"in {event.get('duration_s') or 0:.3f}s"
        )
    if kind == "step_started":
        return f"{stamp} step {event.get('step')} started (attempt {event.get('attempt', 1)})"
    if kind == "run_started":
        return f"{stamp} run {event.get('run_id')} started: {event.get('recipe')}"
    if kind == "run_finished":
        return f"{stamp} run {event.get('run_id')} {event.get('status')}"
    return _json(event)
