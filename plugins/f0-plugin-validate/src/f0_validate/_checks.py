"""Checking a ``validate`` step's options before the run (no jsonschema import unless needed)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from f0_validate._data import literal_problem
from f0_validate._result import SEVERITIES

__all__ = ["config_problems"]

Found = list[tuple[str, str, str]]
_TYPES = ("string", "integer", "number", "boolean")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _severity(key: str, config: Mapping[str, Any], out: Found) -> None:
    if config.get("severity", "error") not in SEVERITIES:
        out.append((key, f"'{key}.severity' must be one of {', '.join(SEVERITIES)}", "E624"))


def _completeness(config: Mapping[str, Any], out: Found) -> None:
    if "fields" in config and not _str_list(config["fields"]):
        out.append(("completeness", "'completeness.fields' must be a list of field names", "E624"))
    ratio = config.get("min_ratio", 1.0)
    if not _is_number(ratio) or not 0 <= ratio <= 1:
        out.append(
            ("completeness", "'completeness.min_ratio' must be a number from 0 to 1", "E624")
        )


def _consistency(config: Mapping[str, Any], out: Found) -> None:
    if "unique" in config and not _str_list(config["unique"]):
        out.append(("consistency", "'consistency.unique' must be a list of field names", "E624"))
    types = config.get("types", {})
    if not isinstance(types, Mapping) or any(t not in _TYPES for t in types.values()):
        out.append(
            ("consistency", f"'consistency.types' must map fields to {', '.join(_TYPES)}", "E624")
        )
    if not isinstance(config.get("same_fields", False), bool):
        out.append(("consistency", "'consistency.same_fields' must be true or false", "E624"))


def _accuracy(config: Mapping[str, Any], out: Found) -> None:
    ranges = config.get("ranges", {})
    if not isinstance(ranges, Mapping) or not all(
        isinstance(b, Mapping)
        and set(b) <= {"min", "max"}
        and all(_is_number(v) for v in b.values())
        for b in ranges.values()
    ):
        out.append(
            ("accuracy", "'accuracy.ranges' must map fields to {min: number, max: number}", "E624")
        )
    allowed = config.get("allowed", {})
    if not isinstance(allowed, Mapping) or not all(isinstance(v, list) for v in allowed.values()):
        out.append(("accuracy", "'accuracy.allowed' must map fields to lists of values", "E624"))
    patterns = config.get("patterns", {})
    if not isinstance(patterns, Mapping):
        out.append(
            ("accuracy", "'accuracy.patterns' must map fields to regular expressions", "E624")
        )
        return
    for field, pattern in patterns.items():
        try:
            re.compile(str(pattern))
        except re.error as exc:
            out.append(
                ("accuracy", f"'accuracy.patterns.{field}': bad regular expression: {exc}", "E624")
            )


def _profile(config: Any, out: Found) -> None:
    if isinstance(config, bool):
        return
    if not isinstance(config, Mapping):
        out.append(("profile", "'profile' must be true/false or a mapping", "E624"))
        return
    for key in ("iqr_factor", "z_threshold"):
        if key in config and (not _is_number(config[key]) or config[key] <= 0):
            out.append(("profile", f"'profile.{key}' must be a number > 0", "E624"))
    if "fields" in config and not _str_list(config["fields"]):
        out.append(("profile", "'profile.fields' must be a list of field names", "E624"))


def config_problems(opts: Mapping[str, Any]) -> Found:
    """(key, message, code) for every problem in the step's options."""
    from f0_validate._rules import rule_problems

    out: Found = []
    if "schema" in opts:
        from f0_validate._schema import schema_problem

        if (why := schema_problem(opts["schema"])) is not None:
            out.append(("schema", f"'schema': {why}", "E623"))
    for key in ("data_file", "schema_file"):
        if key in opts and (why := literal_problem(opts[key])) is not None:
            out.append((key, f"'{key}' {why}", "E625"))
    for key in ("data_from", "output_key"):
        if key in opts and (not isinstance(opts[key], str) or not opts[key]):
            out.append((key, f"'{key}' must be a non-empty string", "E624"))
    if "format" in opts and opts["format"] not in {"json", "yaml", "csv"}:
        out.append(("format", "'format' must be json, yaml or csv", "E624"))
    checkers = {"completeness": _completeness, "consistency": _consistency, "accuracy": _accuracy}
    for key, check in checkers.items():
        if key not in opts:
            continue
        config = opts[key]
        if config is True:
            continue
        if not isinstance(config, Mapping):
            out.append((key, f"'{key}' must be a mapping (or true)", "E624"))
            continue
        check(config, out)
        _severity(key, config, out)
    if "profile" in opts:
        _profile(opts["profile"], out)
    if "rules" in opts:
        rules = opts["rules"]
        if not isinstance(rules, list):
            out.append(("rules", "'rules' must be a list of rules", "E626"))
        else:
            out.extend(
                ("rules", f"'rules': {m}", "E626")
                for i, r in enumerate(rules)
                for m in rule_problems(r, i)
            )
    fail_on = opts.get("fail_on", ["error"])
    if not _str_list(fail_on) or any(s not in SEVERITIES for s in fail_on):
        out.append(
            ("fail_on", f"'fail_on' must be a list of severities ({', '.join(SEVERITIES)})", "E624")
        )
    return out
