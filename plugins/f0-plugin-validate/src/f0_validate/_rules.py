"""Business rules: single, conditional, aggregation and custom (a Python function)."""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import re
import statistics
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from f0_validate._result import SEVERITIES, Records, ValidationResult, is_missing, to_number

__all__ = ["AGGREGATES", "KINDS", "OPS", "compare", "rule_problems", "validate_rules"]

#: Comparison operators of rules.
OPS = ("==", "!=", ">", ">=", "<", "<=", "in", "not_in", "matches", "exists", "missing")
#: Rule kinds (Framework0's names).
KINDS = ("single", "conditional", "aggregation", "custom")
#: Aggregations of ``kind: aggregation``.
AGGREGATES = ("sum", "mean", "min", "max", "count")

_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
}


def compare(actual: Any, op: str, expected: Any = None) -> bool:  # noqa: PLR0911 - one return per operator
    """Does *actual* satisfy ``actual OP expected``?

    A number compares with a string that spells one (CSV cells); a missing
    value satisfies only ``missing``; mismatched types never satisfy an order.
    """
    if op == "exists":
        return not is_missing(actual)
    if op == "missing":
        return is_missing(actual)
    if is_missing(actual):
        return False
    if op in {"in", "not_in"}:
        found = any(compare(actual, "==", e) for e in expected)
        return found if op == "in" else not found
    if op == "matches":
        return re.fullmatch(str(expected), str(actual)) is not None
    if isinstance(expected, int | float) and not isinstance(expected, bool):
        number = to_number(actual)
        if number is None:
            return op == "!="
        actual = number
    if op == "==":
        return bool(actual == expected)
    if op == "!=":
        return bool(actual != expected)
    try:
        return _ORDER[op](actual, expected)
    except TypeError:
        return False


def _check_condition(cond: Any, where: str) -> list[str]:
    if not isinstance(cond, Mapping):
        return [f"{where} must be a mapping with 'field', 'op' and 'value'"]
    problems = []
    if not isinstance(cond.get("field"), str):
        problems.append(f"{where} needs 'field'")
    op = cond.get("op", "==")
    if op not in OPS:
        problems.append(f"{where}: 'op' must be one of {' '.join(OPS)}, not {op!r}")
    elif op not in {"exists", "missing"} and "value" not in cond:
        problems.append(f"{where}: op {op!r} needs 'value'")
    elif op in {"in", "not_in"} and not isinstance(cond.get("value"), list):
        problems.append(f"{where}: op {op!r} needs a list 'value'")
    elif op == "matches":
        try:
            re.compile(str(cond.get("value")))
        except re.error as exc:
            problems.append(f"{where}: bad regular expression: {exc}")
    return problems


def rule_problems(rule: Any, index: int) -> list[str]:
    """What is wrong with rule number *index* as written (empty when it is fine)."""
    where = f"rule {index}"
    if not isinstance(rule, Mapping):
        return [f"{where} must be a mapping"]
    name = rule.get("name")
    if isinstance(name, str) and name:
        where = f"rule {name!r}"
    else:
        return [f"{where} needs a 'name'"]
    kind = rule.get("kind", "single")
    if kind not in KINDS:
        return [f"{where}: 'kind' must be one of {', '.join(KINDS)}, not {kind!r}"]
    problems = []
    if rule.get("severity", "error") not in SEVERITIES:
        problems.append(f"{where}: 'severity' must be one of {', '.join(SEVERITIES)}")
    if kind == "single":
        problems += _check_condition(rule, where)
    elif kind == "conditional":
        problems += _check_condition(rule.get("when"), f"{where} 'when'")
        problems += _check_condition(rule.get("then"), f"{where} 'then'")
    elif kind == "aggregation":
        if rule.get("aggregate") not in AGGREGATES:
            problems.append(f"{where}: 'aggregate' must be one of {', '.join(AGGREGATES)}")
        if rule.get("aggregate") != "count" and not isinstance(rule.get("field"), str):
            problems.append(f"{where} needs 'field'")
        problems += _check_condition({**rule, "field": "-"}, where)
    elif not (isinstance(rule.get("module"), str) and isinstance(rule.get("function"), str)):
        problems.append(f"{where}: custom rules need 'module' and 'function'")
    return problems


def _aggregate(records: Records, how: str, field: str | None) -> float | None:
    if how == "count":
        return float(
            len(records) if field is None else sum(not is_missing(r.get(field)) for r in records)
        )
    values = [n for r in records if (n := to_number(r.get(str(field)))) is not None]
    if not values:
        return None
    if how == "sum":
        return float(sum(values))
    if how == "mean":
        return statistics.fmean(values)
    return min(values) if how == "min" else max(values)


def _load(base_dir: Path, module: str, function: str) -> Callable[..., Any]:
    path = base_dir.joinpath(*module.split(".")).with_suffix(".py")
    if path.is_file():
        # A unique name per file: two recipes' "rules.py" must not share a module.
        name = "f0_validate_rules_" + hashlib.sha256(str(path).encode()).hexdigest()[:12]
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            msg = f"cannot load {path}"
            raise ImportError(msg)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
    else:
        mod = importlib.import_module(module)
    fn = getattr(mod, function, None)
    if not callable(fn):
        msg = f"module {module!r} has no function {function!r}"
        raise ImportError(msg)  # noqa: TRY004 - reported like any failed import
    return fn  # type: ignore[no-any-return]


def _custom(rule: Mapping[str, Any], records: Records, base_dir: Path) -> list[str]:
    try:
        outcome = _load(base_dir, str(rule["module"]), str(rule["function"]))(records)
    except Exception as exc:  # noqa: BLE001 - the user's rule failing is a finding, not a crash
        return [f"raised {type(exc).__name__}: {exc}"]
    if outcome is None or outcome is True:
        return []
    if outcome is False:
        return [str(rule.get("message") or "failed")]
    if isinstance(outcome, str):
        return [outcome]
    return [str(m) for m in outcome]


def validate_rules(
    records: Records, rules: list[Mapping[str, Any]], *, base_dir: Path = Path()
) -> list[ValidationResult]:
    """Every record (or aggregate) that breaks a rule, one result each."""
    out: list[ValidationResult] = []
    for rule in rules:
        name, kind = str(rule["name"]), rule.get("kind", "single")
        severity = str(rule.get("severity", "error"))

        def found(
            message: str,
            field: str | None = None,
            value: Any = None,
            *,
            name: str = name,
            severity: str = severity,
        ) -> None:
            out.append(
                ValidationResult(
                    field=field, rule=name, severity=severity, message=message, value=value
                )
            )

        custom_message = rule.get("message")
        if kind == "single":
            field, op, value = rule["field"], rule.get("op", "=="), rule.get("value")
            for i, r in enumerate(records):
                if not compare(r.get(field), op, value):
                    found(
                        custom_message or f"{r.get(field)!r} fails {op} {value!r}",
                        f"[{i}].{field}",
                        r.get(field),
                    )
        elif kind == "conditional":
            when, then = rule["when"], rule["then"]
            for i, r in enumerate(records):
                if compare(
                    r.get(when["field"]), when.get("op", "=="), when.get("value")
                ) and not compare(r.get(then["field"]), then.get("op", "=="), then.get("value")):
                    found(
                        custom_message
                        or f"{then['field']} {r.get(then['field'])!r} fails {then.get('op', '==')} {then.get('value')!r} when {when['field']} is {r.get(when['field'])!r}",
                        f"[{i}].{then['field']}",
                        r.get(then["field"]),
                    )
        elif kind == "aggregation":
            how, field = str(rule["aggregate"]), rule.get("field")
            total = _aggregate(records, how, field)
            op, value = rule.get("op", "=="), rule.get("value")
            if total is None or not compare(total, op, value):
                label = f"{how}({field})" if field else how
                found(custom_message or f"{label} = {total} fails {op} {value!r}", label, total)
        else:
            for message in _custom(rule, records, base_dir):
                found(message)
    return out
