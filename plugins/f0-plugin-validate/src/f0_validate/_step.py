"""The ``validate`` step type.

```yaml
- name: check
  idx: 2
  type: validate
  data_from: load.result          # or data: [...] or data_file: data/orders.csv
  schema_file: schemas/order.json # or schema: {...}
  completeness: {fields: [id, units]}
  rules:
    - {name: positive, field: units, op: ">", value: 0}
  profile: true
```
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from f0 import Problem, StepOutcome

from f0_validate._checks import config_problems

if TYPE_CHECKING:
    from f0 import Recipe, Step, StepContext, StepEnv

    from f0_validate._result import ValidationResult

__all__ = ["CHECK_KEYS", "ValidateStepRunner"]

#: The checks a step can ask for (at least one).
CHECK_KEYS = (
    "schema",
    "schema_file",
    "completeness",
    "consistency",
    "accuracy",
    "rules",
    "profile",
)
_SOURCES = ("data", "data_from", "data_file")


class ValidateStepRunner:
    """Runs ``type: validate`` steps. Stateless, so it pickles to worker processes."""

    option_keys: frozenset[str] = frozenset(
        {*CHECK_KEYS, *_SOURCES, "format", "fail_on", "output_key"}
    )

    def prepare(self, step: Step, recipe: Recipe) -> list[Problem]:  # noqa: ARG002 - protocol
        """Check the data source, the inline schema and every check's config, at their positions."""
        opts = step.options
        problems: list[Problem] = []

        def bad(key: str | None, message: str, code: str) -> None:
            pos = step.where(key) if key in opts else step.where()
            problems.append(Problem(message=f"step {step.name!r}: {message}", pos=pos, code=code))

        sources = [k for k in _SOURCES if k in opts]
        if len(sources) != 1:
            bad(
                sources[-1] if sources else None,
                "validate steps need exactly one of 'data', 'data_from' and 'data_file'",
                "E620",
            )
        if not any(k in opts for k in CHECK_KEYS):
            bad(None, f"validate steps need at least one check: {', '.join(CHECK_KEYS)}", "E621")
        if "schema" in opts and "schema_file" in opts:
            bad("schema_file", "use 'schema' or 'schema_file', not both", "E622")
        for key, message, code in config_problems(opts):
            bad(key, message, code)
        return problems

    def run(self, step: Step, context: StepContext, env: StepEnv) -> StepOutcome:
        """Run every check; fail (exit 1) listing every problem of a failing severity."""
        from f0_validate._data import DataFileError, load_file
        from f0_validate._result import as_records

        opts = step.options
        base = Path(env.base_dir)  # custom rule modules
        data_dir = Path(env.data_dir)  # data_file, schema_file: workdir: when set
        try:
            if "data_from" in opts:
                key = str(opts["data_from"])
                if key not in context:
                    return _fail(f"'data_from': the context has no key {key!r}")
                data = context.get(key)
            elif "data_file" in opts:
                data = load_file(data_dir, str(opts["data_file"]), opts.get("format"))
            else:
                data = opts.get("data")
            schema = (
                load_file(data_dir, str(opts["schema_file"]))
                if "schema_file" in opts
                else opts.get("schema")
            )
        except DataFileError as exc:
            return _fail(str(exc))
        records = as_records(data)
        findings, profile = _run_checks(data, records, schema, opts, base)
        if isinstance(findings, str):
            return _fail(findings)
        fail_on = set(opts.get("fail_on", ["error", "critical"]))
        failing = [f for f in findings if f.severity in fail_on]
        counts: dict[str, int] = {}
        for f in findings:
            counts[f.severity] = counts.get(f.severity, 0) + 1
        report: dict[str, Any] = {
            "valid": not failing,
            "records": len(records),
            "counts": counts,
            "problems": [f.to_dict() for f in findings],
        }
        if profile is not None:
            report["profile"] = profile
        if failing:
            listed = "; ".join(f"[{f.severity}] {f}" for f in failing)
            return StepOutcome(
                success=False, exit_code=1, error=f"{len(failing)} validation problem(s): {listed}"
            )
        context.set(str(opts.get("output_key") or f"{step.name}.result"), report)
        return StepOutcome(success=True)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def __repr__(self) -> str:
        return "ValidateStepRunner()"


def _run_checks(
    data: Any, records: list[Mapping[str, Any]], schema: Any, opts: Mapping[str, Any], base: Path
) -> tuple[list[ValidationResult] | str, dict[str, Any] | None]:
    from f0_validate._profile import profile_dataset
    from f0_validate._quality import check_accuracy, check_completeness, check_consistency
    from f0_validate._rules import validate_rules
    from f0_validate._schema import schema_problem, validate_schema

    findings: list[ValidationResult] = []
    if schema is not None:
        problem = schema_problem(schema)
        if problem is not None:
            where = f"{opts['schema_file']}: " if "schema_file" in opts else ""
            return f"{where}{problem}", None
        findings += validate_schema(data, schema)
    for key, check in (
        ("completeness", check_completeness),
        ("consistency", check_consistency),
        ("accuracy", check_accuracy),
    ):
        if key in opts:
            config = opts[key]
            findings += check(records, config if isinstance(config, Mapping) else {})
    if "rules" in opts:
        findings += validate_rules(records, list(opts["rules"]), base_dir=base)
    profile = None
    if opts.get("profile"):
        config = opts["profile"] if isinstance(opts["profile"], Mapping) else {}
        profile, outliers = profile_dataset(
            records,
            fields=config.get("fields"),
            iqr_factor=float(config.get("iqr_factor", 1.5)),
            z_threshold=float(config.get("z_threshold", 3.0)),
        )
        findings += outliers
    return findings, profile


def _fail(message: str) -> StepOutcome:
    return StepOutcome(success=False, exit_code=1, error=message)
