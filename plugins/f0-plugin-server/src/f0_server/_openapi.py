"""The OpenAPI 3.1 description served at ``/openapi.json`` (written by hand, kept small)."""

from __future__ import annotations

from typing import Any

__all__ = ["openapi_schema"]

_ANY: dict[str, Any] = {}
_KEY = {
    "type": "string",
    "minLength": 1,
    "maxLength": 1024,
    "pattern": "^[^\\u0000-\\u001f\\u007f]+$",
}
_DUMP_NAME = {"type": "string", "pattern": "^(?!.*\\.\\.)[A-Za-z0-9][A-Za-z0-9._ -]{0,199}$"}


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _query(name: str, description: str, *, required: bool = False, **schema: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema or {"type": "string"},
    }


_BAD = {"400": _error("Invalid JSON or a missing field"), "413": _error("Body too large")}
_INVALID = {"422": _error("Invalid key or field type")}
_KEY_PATH = {
    "name": "key",
    "in": "path",
    "required": True,
    "description": "The key (URL-encoded; may contain '/').",
    "schema": _KEY,
}
_HISTORY_PARAMS = [
    _query("key", "Only this key."),
    _query("who", "Only changes made by this writer."),
    _query("prefix", "Only keys starting with this."),
    _query("since", "Only entries with seq > since.", type="integer", minimum=0),
    _query("limit", "At most this many entries.", type="integer", minimum=0),
    _query("order", "asc (oldest first, default) or desc.", enum=["asc", "desc"]),
]

_SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["status", "error"],
        "properties": {"status": {"const": "error"}, "error": {"type": "string"}},
    },
    "Value": {"description": "Any JSON value."},
    "Context": {"type": "object", "additionalProperties": _ANY},
    "KeyValue": {
        "type": "object",
        "required": ["key", "value"],
        "properties": {"key": {"type": "string"}, "value": _ANY},
    },
    "SetRequest": {
        "type": "object",
        "required": ["key", "value"],
        "properties": {"key": _KEY, "value": _ANY, "who": {"type": "string"}},
    },
    "PutRequest": {
        "type": "object",
        "required": ["value"],
        "properties": {"value": _ANY, "who": {"type": "string"}},
    },
    "WriteResult": {
        "type": "object",
        "required": ["status"],
        "properties": {
            "status": {"const": "ok"},
            "key": {"type": "string"},
            "changed": {},
            "seq": {"type": "integer"},
        },
    },
    "Batch": {
        "type": "object",
        "properties": {
            "changes": {"type": "object", "additionalProperties": _ANY},
            "removed": {"type": "array", "items": _KEY},
            "who": {"type": "string"},
        },
    },
    "HistoryEntry": {
        "type": "object",
        "required": ["seq", "timestamp", "key", "before", "after", "who", "operation"],
        "properties": {
            "seq": {"type": "integer"},
            "timestamp": {"type": "number"},
            "key": {"type": "string"},
            "before": _ANY,
            "after": _ANY,
            "who": {"type": ["string", "null"]},
            "operation": {"enum": ["set", "delete"]},
        },
    },
    "Status": {
        "type": "object",
        "required": [
            "status",
            "uptime_seconds",
            "total_keys",
            "history_entries",
            "connected_clients",
            "version",
        ],
        "properties": {
            "status": {"const": "running"},
            "uptime_seconds": {"type": "number"},
            "total_keys": {"type": "integer"},
            "history_entries": {"type": "integer"},
            "connected_clients": {"type": "integer"},
            "version": {"type": "string"},
            "seq": {"type": "integer"},
            "store": {"type": "string"},
            "auth": {"type": "boolean"},
        },
    },
    "DumpRequest": {
        "type": "object",
        "properties": {
            "format": {"enum": ["json", "pretty", "csv", "txt"]},
            "filename": _DUMP_NAME,
            "include_history": {"type": "boolean"},
        },
    },
    "DumpResult": {
        "type": "object",
        "required": ["status", "filename", "path", "size_bytes", "format", "keys"],
        "properties": {
            "status": {"const": "ok"},
            "filename": {"type": "string"},
            "path": {"type": "string"},
            "size_bytes": {"type": "integer"},
            "format": {"type": "string"},
            "keys": {"type": "integer"},
        },
    },
    "RunEvent": {
        "type": "object",
        "required": ["type", "run_id"],
        "properties": {
            "type": {"enum": ["run_started", "step_started", "step_finished", "run_finished"]},
            "run_id": {"type": "string", "minLength": 1},
            "step": {"type": "string", "minLength": 1},
            "scheduler": {"type": "string"},
            "recipe_path": {"type": ["string", "null"]},
            "error": {"type": ["string", "null"]},
            "attempts": {"type": "integer"},
            "timestamp": {"type": "number"},
            "recipe": {"type": "string"},
            "status": {"type": "string"},
            "attempt": {"type": "integer"},
            "started_at": {"type": "number"},
            "finished_at": {"type": "number"},
            "duration_s": {"type": "number"},
            "steps": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name"],
                    "properties": {
                        "name": {"type": "string"},
                        "depends_on": {"type": "array", "items": {"type": "string"}},
                    },
                },
            },
            "changes": {"type": "object", "additionalProperties": _ANY},
            "removed": {"type": "array", "items": _KEY},
            "who": {"type": "string"},
        },
    },
}


def openapi_schema(version: str) -> dict[str, Any]:
    """The whole description."""
    paths: dict[str, Any] = {
        "/ctx": {
            "get": {
                "summary": "Get one key (legacy: a missing key has value null)",
                "parameters": [_query("key", "The key.", required=True, **_KEY)],
                "responses": {"200": _json(_ref("KeyValue")), **_BAD, **_INVALID},
            },
            "post": {
                "summary": "Set one key",
                "requestBody": _body(_ref("SetRequest")),
                "responses": {"200": _json(_ref("WriteResult")), **_BAD, **_INVALID},
            },
            "delete": {
                "summary": "Remove one key",
                "parameters": [
                    _query("key", "The key.", required=True, **_KEY),
                    _query("who", "Writer named in history."),
                ],
                "responses": {
                    "200": _json(_ref("WriteResult")),
                    "404": _error("No such key"),
                    **_BAD,
                    **_INVALID,
                },
            },
        },
        "/ctx/all": {
            "get": {"summary": "Every key and value", "responses": {"200": _json(_ref("Context"))}}
        },
        "/ctx/history": {
            "get": {
                "summary": "Change history, oldest first",
                "parameters": _HISTORY_PARAMS,
                "responses": {
                    "200": _json({"type": "array", "items": _ref("HistoryEntry")}),
                    "400": _error("Bad parameter"),
                },
            }
        },
        "/ctx/dump": {
            "post": {
                "summary": "Write a dump file into the dump folder",
                "requestBody": _body(_ref("DumpRequest")),
                "responses": {"200": _json(_ref("DumpResult")), **_BAD},
            },
            "get": {
                "summary": "A dump's text (nothing written)",
                "parameters": [
                    _query("format", "Dump format.", enum=["json", "pretty", "csv", "txt"]),
                    _query("include_history", "1 to include the history."),
                ],
                "responses": {
                    "200": {"description": "The dump", "content": {"text/plain": {}}},
                    "400": _error("Bad format"),
                },
            },
        },
        "/ctx/dumps": {
            "get": {
                "summary": "The dump folder's files",
                "responses": {"200": _json({"type": "object"})},
            }
        },
        "/ctx/dumps/{filename}": {
            "get": {
                "summary": "A dump file's text",
                "parameters": [
                    {
                        "name": "filename",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                ],
                "responses": {
                    "200": {"description": "The file", "content": {"text/plain": {}}},
                    "400": _error("Name with '/' or '..'"),
                    "404": _error("No such dump"),
                },
            }
        },
        "/snapshot": {
            "get": {"summary": "Every key and value", "responses": {"200": _json(_ref("Context"))}}
        },
        "/patch": {
            "post": {
                "summary": "Apply an object of key → value (last write wins)",
                "parameters": [_query("who", "Writer named in history.")],
                "requestBody": _body(_ref("Context")),
                "responses": {"200": _json({"type": "object"}), **_BAD, **_INVALID},
            }
        },
        "/status": {
            "get": {"summary": "Server status", "responses": {"200": _json(_ref("Status"))}}
        },
        "/api/ctx": {
            "get": {
                "summary": "All values and the last seq",
                "parameters": [_query("prefix", "Only keys starting with this.")],
                "responses": {"200": _json({"type": "object"})},
            },
            "post": {
                "summary": "An atomic batch of changes and removals",
                "requestBody": _body(_ref("Batch")),
                "responses": {"200": _json({"type": "object"}), **_BAD, **_INVALID},
            },
        },
        "/api/ctx/{key}": {
            "parameters": [_KEY_PATH],
            "get": {
                "summary": "Get one key; 404 when it does not exist",
                "responses": {
                    "200": _json(_ref("KeyValue")),
                    "404": _error("No such key"),
                    **_INVALID,
                },
            },
            "put": {
                "summary": "Set one key",
                "requestBody": _body(_ref("PutRequest")),
                "responses": {"200": _json(_ref("WriteResult")), **_BAD, **_INVALID},
            },
            "delete": {
                "summary": "Remove one key; 404 when it does not exist",
                "parameters": [_query("who", "Writer named in history.")],
                "responses": {
                    "200": _json(_ref("WriteResult")),
                    "404": _error("No such key"),
                    **_INVALID,
                },
            },
        },
        "/api/keys": {
            "get": {
                "summary": "Keys in insertion order",
                "parameters": [_query("prefix", "Only keys starting with this.")],
                "responses": {"200": _json({"type": "object"})},
            }
        },
        "/api/history": {
            "get": {
                "summary": "Change history (same as /ctx/history)",
                "parameters": _HISTORY_PARAMS,
                "responses": {
                    "200": _json({"type": "array", "items": _ref("HistoryEntry")}),
                    "400": _error("Bad parameter"),
                },
            }
        },
        "/api/events": {
            "post": {
                "summary": "A run or step event (f0 run --context-server)",
                "requestBody": _body(_ref("RunEvent")),
                "responses": {"200": _json({"type": "object"}), **_BAD, **_INVALID},
            }
        },
        "/api/runs": {
            "get": {"summary": "Recent runs", "responses": {"200": _json({"type": "object"})}}
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "f0 context server",
            "version": version,
            "description": "The live context of f0 runs. WebSocket: /ws; Socket.IO: /socket.io; "
            "dashboard: /.",
        },
        "paths": paths,
        "components": {
            "schemas": _SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{}, {"bearer": []}],
    }
