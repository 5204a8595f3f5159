"""Build :class:`f0.Step` objects from the ``steps:`` list, defaults filled in."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from f0 import COMMON_STEP_KEYS, SourcePos, Step

from f0_yaml._bounds import unencodable_key
from f0_yaml._fields import Fields, describe
from f0_yaml._format import CRITERIA_FIELDS
from f0_yaml._retry import read_retries, read_retry

if TYPE_CHECKING:
    from f0_yaml._document import Document
    from f0_yaml._fields import Report
    from f0_yaml._retry import Defaults

__all__ = ["read_steps"]

#: Keys whose value the loader reads: positions point at the value. For any
#: other key (``command`` of a shell step...) they point at the key.
_VALUE_KEYS = COMMON_STEP_KEYS
_CRITERIA_KEYS = tuple(CRITERIA_FIELDS)


def read_steps(doc: Document, report: Report, defaults: Defaults) -> list[Step]:
    """Every usable step of ``steps:``; each problem is in *report*."""
    value = doc.get(("steps",))
    if not isinstance(value, list) or not value:
        if isinstance(doc.data, dict) and "steps" in doc.data:
            got = "an empty list" if value == [] else describe(value)
            message = f"steps must be a non-empty list of step mappings, got {got}"
            report.error("E001", message, doc.value_pos(("steps",)), "steps")
        else:
            message = "recipe has no steps: add a 'steps:' list"
            report.error("E001", message, doc.value_pos(()), "steps")
        return []
    steps: list[Step] = []
    for i, item in enumerate(value):
        at = ("steps", i)
        if not isinstance(item, dict):
            message = (
                f"step #{i + 1} must be a mapping of step keys (name, module...), "
                f"got {describe(item)}"
            )
            report.error("E003", message, doc.value_pos(at), f"steps[{i}]")
            continue
        step = _read_step(doc, report, i, defaults)
        if step is not None:
            steps.append(step)
    return steps


def _read_step(doc: Document, report: Report, i: int, defaults: Defaults) -> Step | None:
    """One step mapping (``steps[i]``) as a :class:`f0.Step`.

    Every key is checked; a step with bad values still comes back (with
    defaults) so later checks see it, but one without a usable name does not:
    nothing can refer to it, and every later message would have to invent one.
    """
    f = Fields(doc, report, ("steps", i), label=f"step #{i + 1}", where=f"steps[{i}]")
    name = _read_name(f)
    if name is not None:
        f.label = f"step {name!r}"

    idx = f.integer("idx", "a whole number")
    if not f.given("idx"):
        f.report.warning(
            "W003",
            f"{f.label}: idx is missing; using its position in the list, {i + 1}",
            f.own_pos(),
            f"{f.where}.idx",
        )
    step_type = f.text("type", empty_ok=False)
    # module/function are required for python steps only; when the type is
    # itself wrong we cannot tell, and one error about the type is enough.
    needs_code = (step_type or "python") == "python" and (
        step_type is not None or not f.given("type")
    )
    module = f.text("module", empty_ok=not needs_code)
    function = f.text("function", empty_ok=not needs_code)
    for key in ("module", "function"):
        if needs_code and not f.given(key):
            message = f"{f.label}: {key} is required for python steps"
            f.report.error("E003", message, f.own_pos(), f"{f.where}.{key}")
    args = _read_args(f)
    depends_on = f.strings("depends_on", single_ok=True)
    timeout = f.number("timeout", "a number of seconds > 0", exclusive=True)
    retries = read_retries(f)
    retry = read_retry(f)
    enabled = f.boolean("enabled")
    criteria = _read_criteria(f)
    description = f.text("description")
    cache, cache_ttl = _read_cache(f)
    options, key_pos = _options_and_positions(f)
    if name is None:
        return None
    return Step(
        name=name,
        idx=idx if idx is not None else i + 1,
        type=step_type or "python",
        module=module or None,
        function=function or None,
        args=args,
        depends_on=depends_on or (),
        timeout=timeout if timeout is not None else defaults.timeout,
        retry=defaults.policy(retries, retry),
        enabled=True if enabled is None else enabled,
        success_criteria=criteria,
        description=description or "",
        cache=cache,
        cache_ttl=cache_ttl,
        options=options,
        pos=f.own_pos(),
        key_pos=key_pos,
    )


def _read_cache(f: Fields) -> tuple[bool, float | None]:
    """``cache: true|false`` or ``cache: SECONDS`` (a TTL, > 0)."""
    value = f.data.get("cache")
    if value is None or isinstance(value, bool):
        return bool(value), None
    ttl = f.number("cache", "true, false or a TTL in seconds > 0", exclusive=True)
    return ttl is not None, ttl


def _read_name(f: Fields) -> str | None:
    """The step's name, or None (reported) when it is missing or unusable."""
    if not f.given("name"):
        f.report.error("E003", f"{f.label}: name is required", f.own_pos(), f"{f.where}.name")
        return None
    return f.text("name", empty_ok=False)


def _read_args(f: Fields) -> dict[str, Any] | list[Any]:
    value = f.data.get("args")
    if value is None:
        return {}
    if not isinstance(value, dict | list):
        f.bad("args", "a mapping (keyword arguments) or a list (positional arguments)", value)
        return {}
    problem = unencodable_key(value)
    if problem is not None:
        f.error("args", problem, code="E004")
        return {}
    return value


def _read_criteria(f: Fields) -> dict[str, Any]:
    criteria = f.mapping("success_criteria", "a mapping with exit_code and/or context_keys")
    if criteria is None:
        return {}
    result: dict[str, Any] = {}
    exit_code = criteria.integer("exit_code", "a whole number")
    if exit_code is not None:
        result["exit_code"] = exit_code
    keys = criteria.strings("context_keys")
    if keys is not None:
        result["context_keys"] = keys
    criteria.unknown_keys(_CRITERIA_KEYS)
    return result


def _options_and_positions(f: Fields) -> tuple[dict[str, Any], dict[str, SourcePos]]:
    """Keys for the step type's plugin (``options``) and the position of every key."""
    options: dict[str, Any] = {}
    key_pos: dict[str, SourcePos] = {}
    for key, value in f.data.items():
        if not isinstance(key, str):
            f.error(
                key, f"step keys must be strings, got {describe(key)}", code="E003", at_key=True
            )
            continue
        if key in _VALUE_KEYS:
            key_pos[key] = f.pos(key)
        else:
            key_pos[key] = f.key_pos(key)
            # Options are part of the step's fingerprint, recorded as JSON like args.
            problem = unencodable_key(value, key)
            if problem is not None:
                f.error(key, problem, code="E004")
                continue
            options[key] = value
    if "retries" in key_pos and "retry_count" not in key_pos:
        # The kernel and step runners only know the canonical name.
        key_pos["retry_count"] = key_pos["retries"]
    return options, key_pos
