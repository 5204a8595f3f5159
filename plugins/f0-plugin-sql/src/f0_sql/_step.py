"""The ``sql`` step type: one operation, or several in one transaction.

```yaml
- name: load
  idx: 2
  type: sql
  url: sqlite:///data/shop.db       # relative SQLite paths: from the recipe's folder
  operations:                       # one transaction: all or nothing
    - {op: raw, sql: "CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER)"}
    - {op: create, table: items, rows: [{name: widget, qty: 3}]}
    - {op: read, table: items, where: {qty: {">": 1}}, order_by: [name]}
```

The result goes to ``<output_key>`` (default ``<step name>.result``): one
operation's ``{"rowcount", "rows"?}``, or ``{"results": [...]}`` for
``operations``. Any error rolls the whole transaction back and fails the step.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from f0 import Problem, StepOutcome

from f0_sql._check import OP_KEYS, check_operation, check_url

if TYPE_CHECKING:
    from f0 import Recipe, Step, StepContext, StepEnv

__all__ = ["SqlStepRunner"]


class SqlStepRunner:
    """Runs ``type: sql`` steps. Stateless, so it pickles to worker processes."""

    option_keys: frozenset[str] = OP_KEYS | {"url", "url_env", "operations", "output_key"}

    def prepare(self, step: Step, recipe: Recipe) -> list[Problem]:  # noqa: ARG002 - protocol
        """Check every key of the step; each problem carries the key's position."""
        opts = step.options
        problems: list[Problem] = []

        def bad(key: str, message: str) -> None:
            pos = step.where(key) if key in opts else step.where()
            problems.append(Problem(message=f"step {step.name!r}: {message}", pos=pos, code="E070"))

        check_url(opts, bad)
        output_key = opts.get("output_key")
        if output_key is not None and (not isinstance(output_key, str) or not output_key):
            bad("output_key", "'output_key' must be a non-empty string")
        if "operations" in opts:
            ops = opts["operations"]
            if "op" in opts:
                bad("op", "give 'op' (one operation) or 'operations' (a list), not both")
            if not isinstance(ops, list) or not ops:
                bad("operations", "'operations' must be a non-empty list of operations")
                return problems
            for i, item in enumerate(ops):
                label = f"operations[{i}]: "
                if not isinstance(item, Mapping):
                    bad("operations", f"{label}each operation must be a mapping with 'op'")
                    continue
                unknown = [k for k in item if k not in OP_KEYS]
                for key in unknown:
                    bad("operations", f"{label}unknown key {key!r}")
                check_operation(item, lambda _k, m: bad("operations", m), label=label)
        else:
            check_operation(opts, bad)
        return problems

    def run(self, step: Step, context: StepContext, env: StepEnv) -> StepOutcome:
        """Run the operation(s) in one transaction; roll back and fail on any error."""
        from f0_sql._errors import DatabaseOperationsError
        from f0_sql._ops import DatabaseOperationsManager

        opts = step.options
        try:
            url = _url(opts)
            ops = list(opts["operations"]) if "operations" in opts else [opts]
            datas = [_data(op, context) for op in ops]
            manager = DatabaseOperationsManager(url, base_dir=env.data_dir)
        except DatabaseOperationsError as exc:
            return StepOutcome(success=False, exit_code=1, error=str(exc))
        try:
            results = []
            with manager.transaction() as conn:
                for i, (op, data) in enumerate(zip(ops, datas, strict=True)):
                    try:
                        results.append(manager.execute_operation(str(op["op"]), op, data, conn))
                    except DatabaseOperationsError as exc:
                        where = f"operations[{i}] " if "operations" in opts else ""
                        msg = f"{where}{exc} (rolled back)"
                        raise DatabaseOperationsError(msg) from None
        except DatabaseOperationsError as exc:
            return StepOutcome(success=False, exit_code=1, error=str(exc))
        finally:
            manager.close()
        value = {"results": results} if "operations" in opts else results[0]
        context.set(str(opts.get("output_key") or f"{step.name}.result"), value)
        return StepOutcome(success=True)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def __repr__(self) -> str:
        return "SqlStepRunner()"


def _url(opts: Mapping[str, Any]) -> str:
    from f0_sql._errors import DatabaseOperationsError

    if "url_env" in opts:
        name = str(opts["url_env"])
        value = os.environ.get(name)
        if not value:
            msg = f"'url_env': environment variable {name!r} is not set"
            raise DatabaseOperationsError(msg)
        return value
    return str(opts["url"])


def _data(op: Mapping[str, Any], context: StepContext) -> Mapping[str, Any]:
    """The operation's data, with ``rows_from`` read from the context."""
    from f0_sql._errors import DatabaseOperationsError

    if "rows_from" not in op:
        return op
    key = str(op["rows_from"])
    if key not in context:
        msg = f"'rows_from': the context has no key {key!r}"
        raise DatabaseOperationsError(msg)
    rows = context.get(key)
    if isinstance(rows, Mapping):
        rows = [rows]
    if not isinstance(rows, list) or not all(isinstance(r, Mapping) for r in rows):
        msg = f"'rows_from': context key {key!r} must hold a list of mappings (rows)"
        raise DatabaseOperationsError(msg)
    return {**op, "rows": rows}
