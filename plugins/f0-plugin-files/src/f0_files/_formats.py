"""Text, JSON, CSV and YAML: detect, parse and serialise, errors with ``file:line:col``."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "FORMATS",
    "FileFormatError",
    "detect_format",
    "dump_value",
    "parse_bytes",
    "read_file",
    "write_file",
]

#: The formats ``files`` steps understand.
FORMATS = ("text", "json", "csv", "yaml")
_SUFFIXES = {
    ".json": "json",
    ".csv": "csv",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".txt": "text",
    ".text": "text",
    ".md": "text",
    ".log": "text",
}


class FileFormatError(ValueError):
    """A file's content does not parse in its format, or a value cannot be written in one."""


def detect_format(
    path: Path | str, explicit: str | None = None, content: bytes | None = None
) -> str:
    """The format of *path*: *explicit*, else from the suffix, else from *content*, else text.

    Suffixes: ``.json``, ``.csv``, ``.yaml``/``.yml``; ``.txt``, ``.text``,
    ``.md``, ``.log`` are text. A file with another
    suffix (or none) whose *content* is a JSON object or array is JSON; the
    rest is text. CSV and YAML are never guessed: too much text parses as either.
    """
    if explicit:
        return explicit
    known = _SUFFIXES.get(Path(path).suffix.lower())
    if known is not None:
        return known
    if content is not None and content.lstrip()[:1] in {b"{", b"["}:
        try:
            json.loads(content)
        except ValueError:
            return "text"
        return "json"
    return "text"


def _decode(data: bytes, encoding: str, where: str) -> str:
    # utf-8-sig reads plain UTF-8 too and drops a byte-order mark some editors add.
    codec = "utf-8-sig" if encoding.lower().replace("_", "-") in {"utf-8", "utf8"} else encoding
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        msg = f"{where}:{line}:{col}: not valid {encoding}: {exc.reason}"
        raise FileFormatError(msg) from None
    except LookupError:
        msg = f"unknown encoding {encoding!r}"
        raise FileFormatError(msg) from None


def _jsonable(value: Any) -> Any:
    # YAML has dates and timestamps; the context holds JSON only.
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def parse_bytes(data: bytes, fmt: str, *, encoding: str = "utf-8", where: str = "<data>") -> Any:
    """Parse *data* as *fmt*: a string, a JSON value, a list of CSV records, a YAML value."""
    text = _decode(data, encoding, where)
    if fmt == "text":
        return text
    if fmt == "json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            msg = f"{where}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}"
            raise FileFormatError(msg) from None
    if fmt == "csv":
        reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
        try:
            rows = [dict(row) for row in reader]
        except csv.Error as exc:
            msg = f"{where}:{reader.line_num}: not valid CSV: {exc}"
            raise FileFormatError(msg) from None
        for number, row in enumerate(rows, start=2):
            if None in row or None in row.values():
                msg = f"{where}:{number}: not valid CSV: row has {'more' if None in row else 'fewer'} fields than the header"
                raise FileFormatError(msg)
        return rows
    if fmt == "yaml":
        return _jsonable(_load_yaml(text, where))
    msg = f"unknown format {fmt!r} (known: {', '.join(FORMATS)})"
    raise FileFormatError(msg)


def _load_yaml(text: str, where: str) -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        return YAML(typ="safe", pure=True).load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = f"{mark.line + 1}:{mark.column + 1}:" if mark is not None else ""
        msg = f"{where}:{pos} not valid YAML: {exc.problem or exc.context}"
        raise FileFormatError(msg) from None
    except YAMLError as exc:
        msg = f"{where}: not valid YAML: {exc}"
        raise FileFormatError(msg) from None


def dump_value(value: Any, fmt: str, *, encoding: str = "utf-8") -> bytes:
    """Serialise *value* as *fmt* (JSON indented, CSV with a header row, block-style YAML)."""
    if fmt == "text":
        if not isinstance(value, str):
            msg = f"format text needs a string, got {type(value).__name__}"
            raise FileFormatError(msg)
        text = value
    elif fmt == "json":
        text = json.dumps(value, indent=2, ensure_ascii=False) + "\n"
    elif fmt == "csv":
        text = _dump_csv(value)
    elif fmt == "yaml":
        text = _dump_yaml(value)
    else:
        msg = f"unknown format {fmt!r} (known: {', '.join(FORMATS)})"
        raise FileFormatError(msg)
    try:
        return text.encode(encoding)
    except (UnicodeEncodeError, LookupError) as exc:
        msg = f"cannot encode as {encoding}: {exc}"
        raise FileFormatError(msg) from None


def _dump_yaml(value: Any) -> str:
    from ruamel.yaml import YAML

    def dump(*, allow_unicode: bool) -> str:
        yaml = YAML(typ="safe", pure=True)
        yaml.default_flow_style = False
        yaml.allow_unicode = allow_unicode
        out = io.StringIO()
        yaml.dump(value, out)
        return out.getvalue()

    text = dump(allow_unicode=True)
    # Readable UTF-8 unless the emitter would fold a Unicode line break (NEL,
    # U+2028...) into a space: then escape everything non-ASCII, which round-trips.
    if YAML(typ="safe", pure=True).load(text) != value:
        text = dump(allow_unicode=False)
    return text


def _dump_csv(value: Any) -> str:
    if not isinstance(value, list):
        msg = f"format csv needs a list of records or rows, got {type(value).__name__}"
        raise FileFormatError(msg)
    out = io.StringIO(newline="")
    if all(isinstance(row, Mapping) for row in value):
        # The header is every key, in order of first appearance.
        fields = list(dict.fromkeys(k for row in value for k in row))
        writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(value)
    elif all(isinstance(row, list) for row in value):
        csv.writer(out, lineterminator="\n").writerows(value)
    else:
        msg = "format csv needs a list of records (mappings) or of rows (lists), not a mix"
        raise FileFormatError(msg)
    return out.getvalue()


def read_file(path: Path, fmt: str | None = None, *, encoding: str = "utf-8") -> Any:
    """Read and parse *path* (format: *fmt*, else from its suffix, else from its content)."""
    data = path.read_bytes()
    return parse_bytes(data, detect_format(path, fmt, data), encoding=encoding, where=str(path))


def write_file(path: Path, value: Any, fmt: str | None = None, *, encoding: str = "utf-8") -> None:
    """Serialise *value* and write it to *path* atomically (no backup; see ``Transaction``)."""
    from f0_files._atomic import atomic_write_bytes

    atomic_write_bytes(path, dump_value(value, detect_format(path, fmt), encoding=encoding))
