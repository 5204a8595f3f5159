"""Context dumps: the four formats and the dump folder (server.md §1.1).

Formats: ``json`` (``{"timestamp", "context", "history"?, "stats"}``),
``pretty`` (the same, indented), ``csv`` (``key,value,type``, value
JSON-encoded) and ``txt`` (``key = value`` lines, value JSON-encoded).
Files go to the dump folder only: a name with ``/``, ``\\`` or ``..``, or
one starting with a dot, is refused, and the resolved path is checked to
sit directly in the folder.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
from pathlib import Path
from typing import Any

__all__ = [
    "DUMP_FORMATS",
    "EXTENSIONS",
    "BadDumpNameError",
    "check_dump_name",
    "default_dump_name",
    "list_dumps",
    "render_dump",
]

DUMP_FORMATS = ("json", "pretty", "csv", "txt")
EXTENSIONS = {"json": "json", "pretty": "json", "csv": "csv", "txt": "txt"}
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._ -]{0,199}")


class BadDumpNameError(ValueError):
    """A dump file name that could leave the dump folder (or is not a plain name)."""


def check_dump_name(name: str) -> str:
    """*name* if it is a plain file name; :class:`BadDumpNameError` otherwise."""
    if "/" in name or "\\" in name or ".." in name:
        msg = f"invalid dump file name {name!r}: it must not contain '/', '\\' or '..'"
        raise BadDumpNameError(msg)
    if not _NAME.fullmatch(name):
        msg = (
            f"invalid dump file name {name!r}: use letters, digits, '.', '_', '-' and spaces, "
            "starting with a letter or digit (at most 200 characters)"
        )
        raise BadDumpNameError(msg)
    return name


def dump_path(folder: Path, name: str) -> Path:
    """The path of dump *name* inside *folder* (checked not to escape it)."""
    check_dump_name(name)
    root = folder.resolve()
    path = (root / name).resolve()
    if path.parent != root:
        msg = f"invalid dump file name {name!r}"
        raise BadDumpNameError(msg)
    return path


def default_dump_name(fmt: str, now: float | None = None) -> str:
    """``context_dump_YYYYMMDD_HHMMSS.<ext>``."""
    stamp = time.strftime("%Y%m%d_%H%M%S", time.localtime(now))
    return f"context_dump_{stamp}.{EXTENSIONS[fmt]}"


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def render_dump(
    fmt: str,
    data: dict[str, Any],
    *,
    history: list[dict[str, Any]] | None,
    stats: dict[str, Any],
    now: float | None = None,
) -> str:
    """The text of a dump of *data* in format *fmt* (one of :data:`DUMP_FORMATS`)."""
    now = time.time() if now is None else now
    if fmt in {"json", "pretty"}:
        doc: dict[str, Any] = {"timestamp": now, "context": data}
        if history is not None:
            doc["history"] = history
        doc["stats"] = stats
        if fmt == "json":
            return json.dumps(doc, ensure_ascii=False) + "\n"
        return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["key", "value", "type"])
        for key, value in data.items():
            writer.writerow([key, _json_text(value), type(value).__name__])
        return out.getvalue()
    lines = [f"{key} = {_json_text(value)}" for key, value in data.items()]
    if history is not None:
        lines.append("")
        lines.append("# history")
        lines.extend(
            f"# {h['seq']} {h['timestamp']:.6f} {h['who']} {h['operation']} {h['key']}: "
            f"{_json_text(h['before'])} -> {_json_text(h['after'])}"
            for h in history
        )
    return "\n".join(lines) + "\n"


def list_dumps(folder: Path) -> list[dict[str, Any]]:
    """The files in *folder*, newest first: ``filename``, ``size_bytes``, ``modified``."""
    if not folder.is_dir():
        return []
    files: list[dict[str, Any]] = []
    for path in folder.iterdir():
        if path.is_file() and not path.name.startswith("."):
            info = path.stat()
            files.append(
                {"filename": path.name, "size_bytes": info.st_size, "modified": info.st_mtime}
            )
    files.sort(key=lambda f: (-float(f["modified"]), str(f["filename"])))
    return files
