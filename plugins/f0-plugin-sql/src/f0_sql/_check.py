"""Checks of ``type: sql`` step keys, run by ``prepare`` before anything runs."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["OP_KEYS", "STEP_OPS", "check_operation", "check_url"]

#: The ``op`` values of a sql step (``raw`` is short for ``execute_raw``).
STEP_OPS = ("create", "read", "update", "delete", "raw", "execute_raw")
#: Keys of one operation (at the step's top level, or in each ``operations`` item).
OP_KEYS = frozenset(
    {
        "op",
        "table",
        "schema",
        "rows",
        "rows_from",
        "values",
        "where",
        "columns",
        "order_by",
        "limit",
        "sql",
        "params",
        "all_rows",
    }
)
_ALLOWED = {
    "create": {"table", "schema", "rows", "rows_from", "values"},
    "read": {"table", "schema", "where", "columns", "order_by", "limit"},
    "update": {"table", "schema", "values", "where", "all_rows"},
    "delete": {"table", "schema", "where", "all_rows"},
    "raw": {"sql", "params"},
    "execute_raw": {"sql", "params"},
}

Bad = Callable[[str, str], None]


def check_url(opts: Mapping[str, Any], bad: Bad) -> None:
    """``url`` or ``url_env``: exactly one, and a URL SQLAlchemy has a dialect for."""
    given = [k for k in ("url", "url_env") if k in opts]
    if len(given) != 1:
        bad(given[-1] if given else "url", "sql steps need exactly one of 'url' and 'url_env'")
        return
    value = opts[given[0]]
    if not isinstance(value, str) or not value:
        bad(given[0], f"{given[0]!r} must be a non-empty string")
        return
    if given[0] == "url":
        from sqlalchemy import make_url
        from sqlalchemy.exc import ArgumentError, NoSuchModuleError

        try:
            make_url(value).get_dialect()
        except (ArgumentError, NoSuchModuleError, ValueError) as exc:
            bad("url", f"'url' is not a database URL SQLAlchemy can use: {exc}")


def check_operation(op_cfg: Mapping[str, Any], bad: Bad, *, label: str = "") -> None:
    """Report every problem of one operation (*label* prefixes messages: ``operations[1]: ``)."""
    op = op_cfg.get("op")
    if op not in _ALLOWED:
        bad("op", f"{label}'op' must be one of {', '.join(STEP_OPS)}, not {op!r}")
        return
    for key in op_cfg:
        if key in OP_KEYS and key != "op" and key not in _ALLOWED[op]:
            bad(key, f"{label}op {op!r} takes no {key!r}")
    if op in {"raw", "execute_raw"}:
        sql = op_cfg.get("sql")
        if not isinstance(sql, str) or not sql.strip():
            bad("sql", f"{label}op {op!r} needs 'sql' (a statement with :name placeholders)")
        params = op_cfg.get("params")
        if params is not None and not isinstance(params, Mapping):
            bad("params", f"{label}'params' must be a mapping of placeholder -> value")
        return
    table = op_cfg.get("table")
    if not isinstance(table, str) or not table:
        bad("table", f"{label}op {op!r} needs 'table' (a table name)")
    if op == "create":
        sources = [k for k in ("rows", "rows_from", "values") if k in op_cfg]
        if len(sources) != 1:
            bad(
                sources[-1] if sources else "rows",
                f"{label}op 'create' needs one of 'rows', 'rows_from', 'values'",
            )
        rows = op_cfg.get("rows")
        if rows is not None and (
            not isinstance(rows, list) or not all(isinstance(r, Mapping) for r in rows)
        ):
            bad("rows", f"{label}'rows' must be a list of mappings (column -> value)")
    if op == "update" and not isinstance(op_cfg.get("values"), Mapping):
        bad("values", f"{label}op 'update' needs 'values' (a mapping column -> value)")
    if op == "create" and "values" in op_cfg and not isinstance(op_cfg["values"], Mapping):
        bad("values", f"{label}'values' must be a mapping (column -> value)")
    _check_shapes(op_cfg, op, bad, label)


def _check_shapes(op_cfg: Mapping[str, Any], op: str, bad: Bad, label: str) -> None:
    where = op_cfg.get("where")
    if where is not None and not isinstance(where, Mapping):
        bad("where", f"{label}'where' must be a mapping (column -> value or {{op: value}})")
    if isinstance(where, Mapping):
        from f0_sql._ops import WHERE_OPS

        for column, spec in where.items():
            bad_ops = [o for o in spec if o not in WHERE_OPS] if isinstance(spec, Mapping) else []
            if bad_ops:
                bad(
                    "where",
                    f"{label}where {column!r}: unknown comparison {bad_ops[0]!r} (known: {', '.join(WHERE_OPS)})",
                )
    if op in {"update", "delete"} and not where and op_cfg.get("all_rows") is not True:
        bad(
            "where",
            f"{label}op {op!r} without 'where' would touch every row; add 'all_rows: true' if you mean it",
        )
    for key in ("columns", "order_by"):
        value = op_cfg.get(key)
        if value is not None and (
            not isinstance(value, list) or not all(isinstance(v, str) and v for v in value)
        ):
            bad(key, f"{label}{key!r} must be a list of column names")
    limit = op_cfg.get("limit")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        bad("limit", f"{label}'limit' must be an integer >= 0")
    for key in ("schema", "rows_from"):
        value = op_cfg.get(key)
        if value is not None and (not isinstance(value, str) or not value):
            bad(key, f"{label}{key!r} must be a non-empty string")
    if "all_rows" in op_cfg and not isinstance(op_cfg["all_rows"], bool):
        bad("all_rows", f"{label}'all_rows' must be true or false")
