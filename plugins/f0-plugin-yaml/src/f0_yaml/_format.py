"""The recipe format as data: every key the loader knows and the JSON Schema of its value.

The loader takes its lists of known keys from here, and ``f0 schema``
builds its JSON Schema from the same tables (plus the keys each installed
step type declares), so the editor's view of a recipe and ``f0 validate``'s
cannot drift apart. ``tests/plugins/yaml/test_schema.py`` checks that both
accept every example recipe and both reject a wrong type for every key.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "CRITERIA_FIELDS",
    "DEFAULTS_FIELDS",
    "METADATA_FIELDS",
    "RETRY_FIELDS",
    "STEP_FIELDS",
    "TOP_LEVEL_FIELDS",
]

_TEXT: dict[str, Any] = {"type": "string"}
_NAME: dict[str, Any] = {"type": "string", "minLength": 1, "pattern": r"\S"}
_STRINGS: dict[str, Any] = {"type": "array", "items": _NAME}
_SECONDS: dict[str, Any] = {"type": "number", "exclusiveMinimum": 0}
_COUNT: dict[str, Any] = {"type": "integer", "minimum": 0}

#: ``retry:`` (of a step or of ``defaults``).
RETRY_FIELDS: dict[str, dict[str, Any]] = {
    "delay": {"type": "number", "minimum": 0, "description": "seconds before the 2nd attempt"},
    "factor": {"type": "number", "minimum": 1, "description": "delay multiplier per attempt"},
    "max_delay": {"type": "number", "minimum": 0, "description": "cap on the delay, seconds"},
    "jitter": {"type": "number", "minimum": 0, "description": "random spread, x the delay"},
}

_RETRY: dict[str, Any] = {
    "type": "object",
    "properties": RETRY_FIELDS,
    "additionalProperties": False,
    "description": "backoff between attempts",
}

#: ``success_criteria:`` of a step.
CRITERIA_FIELDS: dict[str, dict[str, Any]] = {
    "exit_code": {"type": "integer"},
    "context_keys": _STRINGS,
}

#: The keys every step type accepts (``f0.COMMON_STEP_KEYS``), with their values' schema.
STEP_FIELDS: dict[str, dict[str, Any]] = {
    "name": {**_NAME, "description": "unique step name"},
    "idx": {"type": "integer", "description": "breaks ties among ready steps"},
    "type": {**_NAME, "description": "step type (default python)"},
    "module": {**_TEXT, "description": "python module of the step function"},
    "function": {**_TEXT, "description": "function (or class) in module"},
    "args": {"type": ["object", "array"], "description": "keyword (mapping) or positional (list)"},
    "depends_on": {"anyOf": [_NAME, _STRINGS], "description": "step name(s) to wait for"},
    "timeout": {**_SECONDS, "description": "seconds per attempt"},
    "retry_count": {**_COUNT, "description": "extra attempts after a failure"},
    "retries": {**_COUNT, "description": "alias of retry_count"},
    "retry": _RETRY,
    "enabled": {"type": "boolean"},
    "success_criteria": {
        "type": "object",
        "properties": CRITERIA_FIELDS,
        "additionalProperties": False,
    },
    "description": _TEXT,
    "cache": {
        "anyOf": [{"type": "boolean"}, _SECONDS],
        "description": "reuse the recorded outcome while unchanged (true or a TTL in seconds)",
    },
}

#: ``defaults:``: what fills steps that set none.
DEFAULTS_FIELDS: dict[str, dict[str, Any]] = {
    "timeout": _SECONDS,
    "retry_count": _COUNT,
    "retries": _COUNT,
    "retry": _RETRY,
}

#: ``metadata:`` keys the loader checks; other metadata keys are kept as they are.
METADATA_FIELDS: dict[str, dict[str, Any]] = {
    "name": _NAME,
    "version": {"type": ["string", "number"], "description": "quote it: '2.10'"},
    "description": _TEXT,
    "author": _TEXT,
    "tags": _STRINGS,
    "requirements": _STRINGS,
}

#: Top-level keys (``steps`` is filled in by the schema builder: it depends on step types).
TOP_LEVEL_FIELDS: dict[str, dict[str, Any]] = {
    "metadata": {"type": "object", "properties": METADATA_FIELDS},
    "steps": {"type": "array", "minItems": 1},
    "defaults": {
        "type": "object",
        "properties": DEFAULTS_FIELDS,
        "additionalProperties": False,
    },
    "lenient": {
        "type": "boolean",
        "description": "unknown keys are warnings, not errors (as f0 run --lenient)",
    },
    "workdir": {
        "type": "string",
        "minLength": 1,
        "description": "folder relative path arguments of steps resolve against "
        "(relative to the recipe's folder; default: the recipe's folder)",
    },
}
