"""``DatabaseOperationsManager``: create/read/update/delete/raw over SQLAlchemy Core.

Values always travel as bound parameters: ``insert(table).values``,
``column == value`` and ``text(sql)`` with ``:name`` placeholders; table and
column names are checked against the reflected table, so nothing from a
recipe is ever formatted into SQL text.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from f0_sql._errors import DatabaseOperationsError, describe_db_error

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement, Connection, Engine, Table
    from sqlalchemy.engine import URL

__all__ = ["OPERATIONS", "DatabaseOperationsManager", "jsonable", "resolve_url"]

#: Operation names (``raw`` is accepted for ``execute_raw``).
OPERATIONS = ("create", "read", "update", "delete", "execute_raw")
#: Comparison operators of ``where: {column: {OP: value}}``.
WHERE_OPS = ("=", "!=", "<", "<=", ">", ">=", "in", "not_in", "like", "is_null")


def resolve_url(url: str, base_dir: Path | None = None) -> URL:
    """*url* parsed; a relative SQLite file path is taken from *base_dir* (the recipe's folder)."""
    from sqlalchemy import make_url

    parsed = make_url(url)
    db = parsed.database
    if (
        base_dir is not None
        and parsed.get_backend_name() == "sqlite"
        and db
        and db != ":memory:"
        and not db.startswith("file:")
        and not Path(db).is_absolute()
    ):
        parsed = parsed.set(database=str(Path(base_dir) / db))
    return parsed


def jsonable(value: Any) -> Any:
    """A database value as JSON: decimals as numbers, dates as ISO text, bytes as base64."""
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


class DatabaseOperationsManager:
    """One database (``config``: a URL string or ``{"url": ..., "echo": False}``)."""

    def __init__(
        self, config: str | Mapping[str, Any], context: Any = None, *, base_dir: Path | None = None
    ) -> None:
        from sqlalchemy import create_engine
        from sqlalchemy.exc import ArgumentError, NoSuchModuleError

        cfg: Mapping[str, Any] = {"url": config} if isinstance(config, str) else config
        try:
            self.url = resolve_url(str(cfg["url"]), base_dir)
            self.engine: Engine = create_engine(self.url, echo=bool(cfg.get("echo", False)))
        except (ArgumentError, NoSuchModuleError, ImportError) as exc:
            msg = f"cannot use database URL: {exc}"
            raise DatabaseOperationsError(msg) from None
        #: An optional f0 Context; kept for step code that wants to record results.
        self.context = context

    @property
    def display_url(self) -> str:
        """The URL with its password hidden."""
        return self.url.render_as_string(hide_password=True)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A connection in a transaction: committed at the end, rolled back on any error."""
        from sqlalchemy.exc import SQLAlchemyError

        try:
            with self.engine.begin() as conn:
                yield conn
        except SQLAlchemyError as exc:
            msg = f"{self.display_url}: {describe_db_error(exc)}"
            raise DatabaseOperationsError(msg) from None

    def execute_operation(
        self,
        operation: str,
        target_config: Mapping[str, Any],
        data_config: Mapping[str, Any],
        transaction_context: Connection | None = None,
    ) -> dict[str, Any]:
        """Carry out one operation; in *transaction_context* if given, else in its own.

        Returns ``{"rowcount": n}`` and, for ``read`` and row-returning
        ``execute_raw``, ``"rows"`` (a list of JSON mappings).
        """
        if transaction_context is None:
            with self.transaction() as conn:
                return self.execute_operation(operation, target_config, data_config, conn)
        from sqlalchemy.exc import SQLAlchemyError

        op = "execute_raw" if operation == "raw" else operation
        what = f"{op} on table {target_config.get('table')!r}" if op != "execute_raw" else op
        try:
            return _run(transaction_context, op, target_config, data_config)
        except SQLAlchemyError as exc:
            msg = f"{what}: {describe_db_error(exc)}"
            raise DatabaseOperationsError(msg) from exc
        except DatabaseOperationsError as exc:
            msg = f"{what}: {exc}"
            raise DatabaseOperationsError(msg) from exc

    def health_check(self) -> dict[str, Any]:
        """``{"healthy": bool, "dialect", "latency_s"[, "error"]}`` from ``SELECT 1``."""
        from sqlalchemy import text
        from sqlalchemy.exc import SQLAlchemyError

        start = time.perf_counter()
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            return {
                "healthy": False,
                "dialect": self.url.get_backend_name(),
                "error": describe_db_error(exc),
            }
        latency = time.perf_counter() - start
        return {"healthy": True, "dialect": self.url.get_backend_name(), "latency_s": latency}

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def _run(
    conn: Connection, op: str, target: Mapping[str, Any], data: Mapping[str, Any]
) -> dict[str, Any]:
    from sqlalchemy import delete, insert, select, text, update

    if op == "execute_raw":
        result = conn.execute(text(str(data["sql"])), dict(data.get("params") or {}))
        if result.returns_rows:
            rows = [{k: jsonable(v) for k, v in row.items()} for row in result.mappings()]
            return {"rows": rows, "rowcount": len(rows)}
        return {"rowcount": result.rowcount}
    table = _table(conn, target)
    if op == "create":
        rows = list(data.get("rows") or ([data["values"]] if data.get("values") else []))
        for row in rows:
            _columns(table, row)
        if rows:
            conn.execute(insert(table), rows)
        return {"rowcount": len(rows)}
    conditions = _where(table, data.get("where") or {})
    if op in {"update", "delete"} and not conditions and not data.get("all_rows"):
        msg = f"{op} without 'where' would touch every row; add 'all_rows: true' if you mean it"
        raise DatabaseOperationsError(msg)
    if op == "read":
        cols = [
            table.c[name] for name in _columns(table, data.get("columns") or list(table.c.keys()))
        ]
        stmt = select(*cols).where(*conditions)
        for name in data.get("order_by") or ():
            desc = str(name).startswith("-")
            column = table.c[_columns(table, [str(name).lstrip("-")])[0]]
            stmt = stmt.order_by(column.desc() if desc else column.asc())
        if data.get("limit") is not None:
            stmt = stmt.limit(int(data["limit"]))
        rows = [{k: jsonable(v) for k, v in row.items()} for row in conn.execute(stmt).mappings()]
        return {"rows": rows, "rowcount": len(rows)}
    if op == "update":
        values = dict(data.get("values") or {})
        _columns(table, values)
        if not values:
            msg = "update needs 'values'"
            raise DatabaseOperationsError(msg)
        return {"rowcount": conn.execute(update(table).where(*conditions).values(values)).rowcount}
    if op == "delete":
        return {"rowcount": conn.execute(delete(table).where(*conditions)).rowcount}
    msg = f"unknown operation {op!r} (known: {', '.join(OPERATIONS)})"
    raise DatabaseOperationsError(msg)


def _table(conn: Connection, target: Mapping[str, Any]) -> Table:
    from sqlalchemy import MetaData, Table
    from sqlalchemy.exc import NoSuchTableError

    name = str(target["table"])
    try:
        return Table(name, MetaData(), autoload_with=conn, schema=target.get("schema"))
    except NoSuchTableError:
        msg = f"the database has no table {name!r}"
        raise DatabaseOperationsError(msg) from None


def _columns(table: Table, names: Sequence[str] | Mapping[str, Any]) -> list[str]:
    """*names* (or a row's keys), each checked to be a column of *table*."""
    known = list(table.c.keys())
    found = list(names)
    unknown = [n for n in found if n not in known]
    if unknown:
        msg = f"table {table.name!r} has no column {unknown[0]!r} (columns: {', '.join(known)})"
        raise DatabaseOperationsError(msg)
    return found


def _where(table: Table, where: Mapping[str, Any]) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    for name, given in where.items():
        column = table.c[_columns(table, [name])[0]]
        spec = given
        if not isinstance(given, Mapping):
            spec = (
                {"in": given}
                if isinstance(given, list)
                else {"is_null": True}
                if given is None
                else {"=": given}
            )
        conditions.extend(_compare(column, str(op), value) for op, value in spec.items())
    return conditions


def _compare(column: Any, op: str, value: Any) -> ColumnElement[bool]:
    comparisons: dict[str, Any] = {
        "=": lambda: column == value,
        "!=": lambda: column != value,
        "<": lambda: column < value,
        "<=": lambda: column <= value,
        ">": lambda: column > value,
        ">=": lambda: column >= value,
        "in": lambda: column.in_(list(value)),
        "not_in": lambda: column.not_in(list(value)),
        "like": lambda: column.like(value),
        "is_null": lambda: column.is_(None) if value else column.is_not(None),
    }
    if op not in comparisons:
        msg = f"unknown comparison {op!r} (known: {', '.join(WHERE_OPS)})"
        raise DatabaseOperationsError(msg)
    result: ColumnElement[bool] = comparisons[op]()
    return result
