"""The ``params`` step type: read, update, increment or delete parameters from a recipe.

```yaml
- name: count
  idx: 2
  type: params
  op: increment            # read | update | increment | decrement | delete
  file: run                # a folder (its .octo_step_engine_parameters.json) or a .json file
  group: counters
  key: processed
  by: 5                    # increment/decrement amount (default 1)
```

The result (the value after the operation; the group, or the whole file, when
``key``/``group`` is left out of a ``read``) is written to the context as
``<output_key>.value`` (default ``output_key``: the step's name).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from f0 import F0Error, Limits, Problem, Severity, StepOutcome

if TYPE_CHECKING:
    from f0 import Recipe, Step, StepContext, StepEnv

    from f0_params._file import ParamsFile

__all__ = ["OPS", "ParamsStepRunner"]

#: The operations of ``type: params`` steps.
OPS = ("read", "update", "increment", "decrement", "delete")
_NEEDS_KEY = {"update", "increment", "decrement"}
_NEEDS_GROUP = _NEEDS_KEY | {"delete"}


class ParamsStepRunner:
    """Runs ``type: params`` steps. Stateless, so it pickles to worker processes."""

    option_keys: frozenset[str] = frozenset(
        {"op", "file", "group", "key", "value", "value_from", "by", "output_key", "lock_timeout"}
    )

    def prepare(self, step: Step, recipe: Recipe) -> list[Problem]:  # noqa: ARG002 - protocol
        """Check the keys of the step before anything runs."""
        opts = step.options
        problems: list[Problem] = []

        def bad(key: str, message: str, code: str) -> None:
            pos = step.where(key) if key in opts else step.where()
            problems.append(Problem(message=f"step {step.name!r}: {message}", pos=pos, code=code))

        op = opts.get("op", "read")
        if op not in OPS:
            bad("op", f"'op' must be one of {', '.join(OPS)}, not {op!r}", "E050")
            return problems
        for name in ("file", "group", "key", "value_from", "output_key"):
            value = opts.get(name)
            if value is not None and (not isinstance(value, str) or not value):
                bad(name, f"'{name}' must be a non-empty string", "E051")
        if op in _NEEDS_GROUP and opts.get("group") is None:
            bad("group", f"op {op!r} needs 'group'", "E052")
        if op in _NEEDS_KEY and opts.get("key") is None:
            bad("key", f"op {op!r} needs 'key'", "E052")
        if op == "read" and opts.get("key") is not None and opts.get("group") is None:
            bad("key", "'key' needs 'group'", "E052")
        has_value = "value" in opts
        if op == "update" and has_value == ("value_from" in opts):
            bad("value", "op 'update' needs exactly one of 'value' and 'value_from'", "E053")
        elif op != "update" and (has_value or "value_from" in opts):
            key = "value" if has_value else "value_from"
            bad(key, f"op {op!r} takes no '{key}'", "E053")
        by = opts.get("by")
        if by is not None and (op not in {"increment", "decrement"}):
            bad("by", f"op {op!r} takes no 'by'", "E054")
        elif by is not None and (isinstance(by, bool) or not isinstance(by, int)):
            bad("by", "'by' must be an integer", "E054")
        timeout = opts.get("lock_timeout")
        if timeout is not None and (
            isinstance(timeout, bool)
            or not isinstance(timeout, int | float)
            or not 0 <= timeout <= Limits.MAX_SECONDS  # bounded: what validates must run
        ):
            bad(
                "lock_timeout",
                f"'lock_timeout' must be a number of seconds >= 0 "
                f"and at most {Limits.MAX_SECONDS:,.0f}",
                "E055",
            )
        if step.args:
            problems.append(
                Problem(
                    message=f"step {step.name!r}: params steps ignore 'args'",
                    pos=step.where("args"),
                    severity=Severity.WARNING,
                    code="W056",
                )
            )
        return problems

    def run(self, step: Step, context: StepContext, env: StepEnv) -> StepOutcome:
        """Carry out the operation under the file's lock; fail with the error's exit code."""
        from f0_params._file import ParamsFile
        from f0_params._schema import DEFAULT_FILE_NAME

        opts = step.options
        target = Path(env.data_dir) / str(opts.get("file") or ".")
        if target.is_dir():
            target /= DEFAULT_FILE_NAME
        timeout = opts.get("lock_timeout")
        params = ParamsFile(target)
        if timeout is not None:
            params.timeout = float(timeout)
        op = str(opts.get("op", "read"))
        group = opts.get("group")
        key = opts.get("key")
        try:
            value = _apply(params, op, group, key, opts, context)
        except F0Error as exc:
            return StepOutcome(success=False, exit_code=exc.exit_code, error=str(exc))
        context.set(f"{opts.get('output_key') or step.name}.value", value)
        return StepOutcome(success=True)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def __repr__(self) -> str:
        return "ParamsStepRunner()"


def _apply(  # noqa: PLR0917 - private helper
    params: ParamsFile, op: str, group: Any, key: Any, opts: Any, context: StepContext
) -> Any:
    from f0_params._errors import ParamsKeyError

    if op == "read":
        if group is None:
            return params.read()
        return params.get(str(group), None if key is None else str(key))
    if op == "update":
        if "value_from" in opts:
            name = str(opts["value_from"])
            if name not in context:
                msg = f"'value_from': the context has no key {name!r}"
                raise ParamsKeyError(msg)
            value = context.get(name)
        else:
            value = opts["value"]
        return params.update(str(group), str(key), value)[str(group)][str(key)]
    if op in {"increment", "decrement"}:
        by = int(opts.get("by", 1))
        data = params.increment(str(group), str(key), by if op == "increment" else -by)
        return data[str(group)][str(key)]
    # delete: the rest of the group, or of the file
    data = params.delete(str(group), None if key is None else str(key))
    return data if key is None else data[str(group)]
