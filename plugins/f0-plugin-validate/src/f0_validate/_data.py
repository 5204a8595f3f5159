"""Reading data and schema files (JSON, YAML, CSV) from inside the recipe's folder."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path, PurePath
from typing import Any

__all__ = ["DataFileError", "literal_problem", "load_file"]


class DataFileError(ValueError):
    """A data or schema file that is missing, outside the folder, or does not parse."""


def literal_problem(path: object) -> str | None:
    """What is wrong with *path* as written, or None."""
    if not isinstance(path, str) or not path:
        return "must be a non-empty string"
    if ".." in PurePath(path).parts or "\x00" in path:
        return f"{path!r}: '..' is not allowed in paths"
    return None


def load_file(base: Path, name: str, fmt: str | None = None) -> Any:
    """Parse the file *name* under *base* (format from the suffix unless *fmt*)."""
    root = Path(os.path.realpath(base))
    real = Path(os.path.realpath(root / name))
    if not real.is_relative_to(root) or real == root:
        msg = f"{name!r} resolves to {real}, outside the base directory {root}"
        raise DataFileError(msg)
    try:
        text = real.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        msg = f"{name!r}: no such file"
        raise DataFileError(msg) from None
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"{name!r}: cannot read: {exc}"
        raise DataFileError(msg) from None
    kind = fmt or {".csv": "csv", ".yaml": "yaml", ".yml": "yaml"}.get(real.suffix.lower(), "json")
    if kind == "csv":
        return [dict(r) for r in csv.DictReader(io.StringIO(text, newline=""))]
    if kind == "yaml":
        from ruamel.yaml import YAML
        from ruamel.yaml.error import MarkedYAMLError

        try:
            return YAML(typ="safe", pure=True).load(text)
        except MarkedYAMLError as exc:
            mark = exc.problem_mark
            pos = f"{mark.line + 1}:{mark.column + 1}:" if mark is not None else ""
            msg = f"{name}:{pos} not valid YAML: {exc.problem}"
            raise DataFileError(msg) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        msg = f"{name}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}"
        raise DataFileError(msg) from None
