"""``f0 ctx``: context snapshots and deltas in the local store.

``snapshot`` takes a context from a recorded run (``--from-run``, default
``last``), a JSON file (``--file``) or a context store (``--context URL``)
and stores it whole, or as a delta over the newest version (``--delta``).
``restore`` prints a version's data (or writes it to ``--to FILE`` or into
a ``--context`` store); ``diff`` compares two versions (``run:REF`` names a
run's final context instead); ``list`` shows them all.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from f0 import plural

from f0_store._render import JSON_OPT, STORE_OPT, echo_json, fmt_time, print_diff, print_table

if TYPE_CHECKING:
    from f0_store.snapshot import SnapshotManager

__all__ = ["register_ctx"]

#: The help of ``f0 ctx``, a group other plugins add commands to (the first to register sets it).
CTX_HELP = "The context: snapshots and deltas in the run store; a live context server's keys."
CONTEXT_OPT = typer.Option(
    None, "--context", help="A context store URL (sqlite:///ctx.db, memory://NAME...)."
)


def _require_sqlite(url: str) -> None:
    from f0 import UsageError

    from f0_store._url import is_sqlite_url

    if not is_sqlite_url(url):
        msg = f"f0 ctx keeps snapshots in a sqlite:// store, not {url!r}"
        raise UsageError(msg, where="--store")


@contextlib.contextmanager
def _manager(url: str, *, create: bool) -> Iterator[SnapshotManager | None]:
    """The snapshot manager of *url*; None when the file does not exist and *create* is false."""
    from f0_store._url import parse_sqlite_url
    from f0_store.snapshot import SnapshotManager

    _require_sqlite(url)
    if not create and not parse_sqlite_url(url).exists:
        yield None
        return
    manager = SnapshotManager(url=url)
    try:
        yield manager
    finally:
        manager.close()


def _missing(url: str, ref: str) -> Any:
    from f0_store.errors import SnapshotNotFoundError

    msg = f"no context version {ref!r}: the store {url} has none yet"
    return SnapshotNotFoundError(msg, where=ref)


def _run_context(ctx: typer.Context, store_url: str, ref: str) -> tuple[dict[str, Any], str]:
    """The final context of run *ref* and its id."""
    from f0 import UsageError

    from f0_store._cli import open_run_store

    with open_run_store(ctx, store_url) as store:
        if store is None:
            msg = f"no run {ref!r}: the store {store_url} has no runs yet"
            raise UsageError(msg, where="--from-run")
        run_id = store.resolve_run(ref)
        record = store.get_run(run_id)
    if record is None or record.context is None:
        msg = f"run {run_id} has not finished: it has no final context to snapshot"
        raise UsageError(msg, where="--from-run")
    return dict(record.context), run_id


def _file_context(path: Path) -> dict[str, Any]:
    from f0 import UsageError

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        msg = f"cannot read context file: {exc.strerror}"
        raise UsageError(msg, where=str(path)) from None
    except ValueError as exc:
        msg = f"invalid JSON: {exc}"
        raise UsageError(msg, where=str(path)) from None
    if not isinstance(data, dict):
        msg = f"a context file holds a JSON object, not {type(data).__name__}"
        raise UsageError(msg, where=str(path))
    return data


def _store_context(ctx: typer.Context, url: str) -> dict[str, Any]:
    from f0 import hooks_of

    store = hooks_of(ctx).context_store(url)
    try:
        return dict(store.load())
    finally:
        store.close()


def register_ctx(app: typer.Typer) -> None:
    """Add the ``ctx`` sub-app."""
    from f0 import command_group

    # A group f0-plugin-server adds to too (f0 ctx get/set/watch...).
    ctx_app = command_group(app, "ctx", help=CTX_HELP)

    @ctx_app.command()
    def snapshot(  # noqa: PLR0917 - typer maps parameters to options
        ctx: typer.Context,
        from_run: str | None = typer.Option(
            None, "--from-run", help="A run's final context (id, prefix or 'last'; the default)."
        ),
        file: Path | None = typer.Option(None, "--file", help="A JSON object file."),
        context_url: str | None = CONTEXT_OPT,
        tags: list[str] | None = typer.Option(None, "--tag", "-t", help="Tag (repeatable)."),
        description: str | None = typer.Option(None, "--message", "-m", help="Description."),
        version: str | None = typer.Option(None, "--version", help="Version id (default: auto)."),
        delta: bool = typer.Option(
            False, "--delta", help="Store only the changes from the newest version (or --base)."
        ),
        base: str | None = typer.Option(None, "--base", help="Version a --delta is based on."),
        as_json: bool = JSON_OPT,
        store_url: str = STORE_OPT,
    ) -> None:
        """Store a context as a new version (full snapshot, or a delta)."""
        from f0 import UsageError

        _require_sqlite(store_url)
        chosen = [x for x in (from_run, file, context_url) if x is not None]
        if len(chosen) > 1:
            msg = "give one of --from-run, --file and --context"
            raise UsageError(msg, where="f0 ctx snapshot")
        if file is not None:
            data, source = _file_context(file), f"file:{file}"
        elif context_url is not None:
            data, source = _store_context(ctx, context_url), f"context:{context_url}"
        else:
            data, run_id = _run_context(ctx, store_url, from_run or "last")
            source = f"run:{run_id}"
        with _manager(store_url, create=True) as manager:
            assert manager is not None  # noqa: S101 - create=True always opens
            if delta or base:
                created = manager.create_delta_snapshot(
                    data,
                    manager.resolve(base) if base else None,
                    tags,
                    description,
                    version=version,
                    source=source,
                )
            else:
                created = manager.create_snapshot(
                    data, tags, description, version=version, source=source
                )
            meta = manager.get_metadata(created)
        if as_json:
            echo_json(meta.to_dict())
            return
        kind = f"delta over {meta.base_version}" if meta.is_delta else "snapshot"
        typer.echo(
            f"{created}: {kind} of {plural(len(data), 'key')} from {source} "
            f"({meta.size_bytes} bytes, {meta.stored_bytes} stored)"
        )

    @ctx_app.command()
    def restore(
        ctx: typer.Context,
        ref: str = typer.Argument(..., help="Version id, unique prefix, tag, or 'latest'."),
        to: Path | None = typer.Option(None, "--to", help="Write the JSON object to this file."),
        context_url: str | None = typer.Option(
            None, "--context", help="Replace the content of this context store."
        ),
        store_url: str = STORE_OPT,
    ) -> None:
        """The data of a version: on stdout, in a file (--to) or into a context store."""
        with _manager(store_url, create=False) as manager:
            if manager is None:
                raise _missing(store_url, ref)
            version = manager.resolve(ref)
            data, _ = manager.get_snapshot(version)
        text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False)
        if context_url is not None:
            _replace_store(ctx, context_url, data)
            typer.echo(
                f"restored {version} ({plural(len(data), 'key')}) into {context_url}", err=True
            )
        if to is not None:
            to.parent.mkdir(parents=True, exist_ok=True)
            to.write_text(text + "\n", encoding="utf-8")
            typer.echo(f"wrote {version} ({plural(len(data), 'key')}) to {to}", err=True)
        if to is None and context_url is None:
            typer.echo(text)

    @ctx_app.command()
    def diff(
        ctx: typer.Context,
        a: str = typer.Argument(..., help="Version (or run:RUN for a run's final context)."),
        b: str = typer.Argument(..., help="Version (or run:RUN)."),
        as_json: bool = JSON_OPT,
        store_url: str = STORE_OPT,
    ) -> None:
        """Keys added, removed and changed from A to B."""
        from f0_store._diff import diff_contexts

        old, name_a = _context_of(ctx, store_url, a)
        new, name_b = _context_of(ctx, store_url, b)
        result = diff_contexts(old, new)
        if as_json:
            echo_json({"a": name_a, "b": name_b, **result})
            return
        typer.echo(f"{name_a} -> {name_b}")
        print_diff(result)

    @ctx_app.command("list")
    def list_(
        tag: str | None = typer.Option(None, "--tag", help="Only versions with this tag."),
        as_json: bool = JSON_OPT,
        store_url: str = STORE_OPT,
    ) -> None:
        """Every context version, oldest first."""
        with _manager(store_url, create=False) as manager:
            found = manager.list_snapshots() if manager is not None else []
        if tag is not None:
            found = [m for m in found if tag in m["tags"]]
        if as_json:
            echo_json(found)
            return
        if not found:
            typer.echo(f"no context versions in {store_url}")
            return
        print_table(
            f"context versions in {store_url}",
            ["version", "kind", "base", "created", "bytes", "stored", "tags", "source"],
            [
                [
                    m["version"],
                    "delta" if m["is_delta"] else "snapshot",
                    m["base_version"] or "-",
                    fmt_time(m["created_at"]),
                    str(m["size_bytes"]),
                    str(m["stored_bytes"]),
                    ", ".join(m["tags"]),
                    m["source"] or "",
                ]
                for m in found
            ],
        )


def _context_of(ctx: typer.Context, store_url: str, ref: str) -> tuple[dict[str, Any], str]:
    if ref.startswith("run:"):
        data, run_id = _run_context(ctx, store_url, ref.removeprefix("run:"))
        return data, f"run:{run_id}"
    with _manager(store_url, create=False) as manager:
        if manager is None:
            raise _missing(store_url, ref)
        version = manager.resolve(ref)
        data, _ = manager.get_snapshot(version)
    return data, version


def _replace_store(ctx: typer.Context, url: str, data: dict[str, Any]) -> None:
    from f0 import hooks_of

    store = hooks_of(ctx).context_store(url)
    try:
        replace = getattr(store, "replace", None)
        if callable(replace):  # one transaction where the store offers it
            replace(data)
        else:
            store.write(data, [k for k in store.load() if k not in data])
    finally:
        store.close()
