"""The ``batch`` step type.

```yaml
- name: enrich
  idx: 2
  type: batch
  module: steps            # the function is called once per partition:
  function: enrich         #   enrich(items: list, params: dict) -> result
  args: {rate: 2}          # params
  items_file: data/ids.json
  partition_size: 50
  workers: 4
  pool: thread             # or process
  aggregate: concat
  checkpoint_every: 5
```
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from f0 import Limits, Problem, StepOutcome

if TYPE_CHECKING:
    from f0 import Recipe, Step, StepContext, StepEnv

__all__ = ["DEFAULTS", "BatchStepRunner"]

#: Defaults of the step's keys.
DEFAULTS: dict[str, Any] = {
    "partition_size": 100,
    "workers": 4,
    "pool": "thread",
    "aggregate": "concat",
    "checkpoint_every": 1,
    "checkpoint_dir": ".f0/batch",
    "resume": True,
    "keep_checkpoint": False,
    "allow_failures": 0,
}
_SOURCES = ("items", "items_from", "items_file")
_POSITIVE = ("partition_size", "workers", "checkpoint_every")


class BatchStepRunner:
    """Runs ``type: batch`` steps. Stateless, so it pickles to worker processes."""

    option_keys: frozenset[str] = frozenset({*DEFAULTS, *_SOURCES, "output_key"})

    def prepare(self, step: Step, recipe: Recipe) -> list[Problem]:
        """Check the keys and that ``module.function`` imports, at their recipe positions."""
        from f0_batch._engine import AGGREGATES
        from f0_batch._resolve import ResolveError, resolve

        opts = step.options
        problems: list[Problem] = []

        def bad(key: str | None, message: str, code: str) -> None:
            pos = (
                step.where(key)
                if key is not None and (key in opts or key in step.key_pos)
                else step.where()
            )
            problems.append(Problem(message=f"step {step.name!r}: {message}", pos=pos, code=code))

        sources = [k for k in _SOURCES if k in opts]
        if len(sources) != 1:
            bad(
                sources[-1] if sources else None,
                "batch steps need exactly one of 'items', 'items_from' and 'items_file'",
                "E630",
            )
        if "items" in opts and not isinstance(opts["items"], list):
            bad("items", "'items' must be a list", "E631")
        for key in ("items_from", "items_file", "checkpoint_dir", "output_key"):
            if key in opts and (not isinstance(opts[key], str) or not opts[key]):
                bad(key, f"'{key}' must be a non-empty string", "E631")
        if isinstance(opts.get("items_file"), str) and ".." in PurePath(opts["items_file"]).parts:
            bad("items_file", "'items_file': '..' is not allowed in paths", "E631")
        for key in (*_POSITIVE, "allow_failures"):
            value = opts.get(key, DEFAULTS[key])
            low = 0 if key == "allow_failures" else 1
            if (
                isinstance(value, bool)
                or not isinstance(value, int)
                or not low <= value <= Limits.MAX_COUNT  # bounded: what validates must run
            ):
                bad(
                    key,
                    f"'{key}' must be an integer >= {low} and at most {Limits.MAX_COUNT:,}",
                    "E631",
                )
        if opts.get("pool", "thread") not in {"thread", "process"}:
            bad("pool", f"'pool' must be thread or process, not {opts['pool']!r}", "E631")
        if opts.get("aggregate", "concat") not in AGGREGATES:
            bad("aggregate", f"'aggregate' must be one of {', '.join(AGGREGATES)}", "E631")
        for key in ("resume", "keep_checkpoint"):
            if not isinstance(opts.get(key, True), bool):
                bad(key, f"'{key}' must be true or false", "E631")
        if isinstance(step.args, list):
            bad("args", "'args' of a batch step must be a mapping (the function's params)", "E631")
        if not step.module or not step.function:
            bad(
                None, "batch steps need 'module' and 'function' (called once per partition)", "E632"
            )
        else:
            try:
                resolve(recipe.base_dir, step.module, step.function)
            except ResolveError as exc:
                bad(exc.key, str(exc), "E633")
        return problems

    def run(self, step: Step, context: StepContext, env: StepEnv) -> StepOutcome:
        """Partition, run (resuming from a matching checkpoint), aggregate."""
        from f0_batch._checkpoint import Checkpoint
        from f0_batch._engine import BatchStats, Job, aggregate, partition, run_batch
        from f0_batch._resolve import ResolveError, call_partition, resolve

        opts = {**DEFAULTS, **step.options}
        base = Path(env.base_dir)  # the partition function's module
        data_dir = Path(env.data_dir)  # items_file, checkpoint_dir: workdir: when set
        items, problem = _items(opts, context, data_dir)
        if problem is not None:
            return _fail(problem)
        module, function = str(step.module), str(step.function)
        try:
            fn = resolve(base, module, function)
        except ResolveError as exc:
            return _fail(str(exc))
        params = dict(step.args) if isinstance(step.args, Mapping) else {}
        parts = partition(items, int(opts["partition_size"]))
        fingerprint = hashlib.sha256(
            json.dumps(
                [items, opts["partition_size"], module, function, params], sort_keys=True
            ).encode()
        ).hexdigest()
        path = data_dir / str(opts["checkpoint_dir"]) / f"{step.name}.checkpoint.json"
        if opts["resume"]:
            checkpoint, note = Checkpoint.load(path, fingerprint, len(parts))
        else:
            checkpoint, note = (
                Checkpoint(path=path, fingerprint=fingerprint, partitions=len(parts)),
                None,
            )
        process = opts["pool"] == "process"
        job = Job(
            parts=parts,
            call=call_partition if process else fn,
            call_args=(str(base), module, function) if process else (),
            params=params,
            workers=int(opts["workers"]),
            pool=str(opts["pool"]),
            checkpoint_every=int(opts["checkpoint_every"]),
        )
        stats = BatchStats(total_items=len(items))
        try:
            failures = run_batch(job, checkpoint, stats)
        except OSError as exc:
            return _fail(f"checkpoint {path}: {exc.strerror or exc}")
        report: dict[str, Any] = {"stats": stats.to_dict(), "partitions": len(parts)}
        if note:
            report["note"] = note
        if len(failures) > int(opts["allow_failures"]):
            listed = "; ".join(f"partition {i}: {e}" for i, e in sorted(failures.items()))
            return _fail(
                f"{len(failures)} of {len(parts)} partitions failed (checkpoint kept, a re-run redoes only those): {listed}"
            )
        report["result"] = aggregate(
            (checkpoint.done[i] for i in sorted(checkpoint.done)), str(opts["aggregate"])
        )
        report["failures"] = {str(i): e for i, e in sorted(failures.items())}
        if not opts["keep_checkpoint"] and not failures:
            checkpoint.remove()
        context.set(str(opts.get("output_key") or f"{step.name}.result"), report)
        return StepOutcome(success=True)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def __repr__(self) -> str:
        return "BatchStepRunner()"


def _items(
    opts: Mapping[str, Any], context: StepContext, base: Path
) -> tuple[list[Any], str | None]:
    if "items_from" in opts:
        key = str(opts["items_from"])
        if key not in context:
            return [], f"'items_from': the context has no key {key!r}"
        value = context.get(key)
        if not isinstance(value, list):
            return [], f"'items_from': context key {key!r} holds {type(value).__name__}, not a list"
        return value, None
    if "items_file" in opts:
        return _read_items(base, str(opts["items_file"]))
    return list(opts["items"]), None


def _read_items(base: Path, name: str) -> tuple[list[Any], str | None]:  # noqa: PLR0911 - one return per outcome
    import csv
    import io
    import os

    root = Path(os.path.realpath(base))
    real = Path(os.path.realpath(root / name))
    if not real.is_relative_to(root):
        return [], f"'items_file': {name!r} resolves to {real}, outside the recipe folder {root}"
    try:
        text = real.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return [], f"'items_file': {name!r}: no such file"
    except (OSError, UnicodeDecodeError) as exc:
        return [], f"'items_file': {name!r}: {exc}"
    if real.suffix.lower() == ".csv":
        return [dict(r) for r in csv.DictReader(io.StringIO(text, newline=""))], None
    if real.suffix.lower() == ".json":
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            return [], f"{name}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}"
        if not isinstance(value, list):
            return [], f"'items_file': {name!r} holds {type(value).__name__}, not a list"
        return value, None
    return [line for line in text.splitlines() if line.strip()], None


def _fail(message: str) -> StepOutcome:
    return StepOutcome(success=False, exit_code=1, error=message)
