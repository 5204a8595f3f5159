"""Read a graph file (YAML or JSON) into plain values plus the position of every key.

ruamel.yaml's round-trip loader remembers where each key and value is; here
that becomes a ``{path: (key position, value position)}`` table, where a path
is the tuple of keys leading to the value (``("step_node_graph_dict",
"a", "module_name_string")``). JSON is read by the same YAML 1.2 parser.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
from f0 import SourcePos

from f0_stepengine._errors import GraphError

__all__ = ["Document", "read_document"]

Path_ = tuple[Any, ...]


@attrs.define
class Document:
    """A loaded graph file: plain data and positions."""

    path: str
    data: Any
    keys: dict[Path_, SourcePos] = attrs.field(factory=dict)
    values: dict[Path_, SourcePos] = attrs.field(factory=dict)

    def key_pos(self, *at: Any) -> SourcePos:
        """Where the key at *at* is (falling back to its parents, then the file's start)."""
        return self._find(self.keys, at)

    def value_pos(self, *at: Any) -> SourcePos:
        """Where the value at *at* is (falling back to its key, its parents, the file's start)."""
        if at in self.values:
            return self.values[at]
        return self._find(self.keys, at)

    def _find(self, table: dict[Path_, SourcePos], at: Path_) -> SourcePos:
        while at:
            if at in table:
                return table[at]
            at = at[:-1]
        return self.values.get((), SourcePos(self.path, 1, 1))


def read_document(path: Path) -> Document:
    """Load *path*; raise :class:`GraphError` (with the position) if it cannot be parsed."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        msg = "graph file does not exist"
        raise GraphError(msg, where=where) from None
    except IsADirectoryError:
        msg = "graph path is a directory, not a file"
        raise GraphError(msg, where=where) from None
    except UnicodeDecodeError as exc:
        msg = f"graph file is not UTF-8 text (byte {exc.start})"
        raise GraphError(msg, where=where) from None
    except OSError as exc:
        msg = f"cannot read the graph file: {exc.strerror}"
        raise GraphError(msg, where=where) from None
    kind = "JSON" if path.suffix.lower() == ".json" else "YAML"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            loaded = YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = _mark(mark, where)
        message = " ".join(str(exc.problem or exc.context or "cannot parse").split())
        msg = f"invalid {kind}: {message}"
        raise GraphError(msg, pos=pos, where=where) from None
    except YAMLError as exc:
        msg = f"invalid {kind}: {' '.join(str(exc).split())}"
        raise GraphError(msg, where=where) from None
    except (ValueError, RecursionError) as exc:
        msg = f"invalid {kind}: {exc}"
        raise GraphError(msg, where=where) from None
    doc = Document(path=where, data=None)
    doc.values[()] = _own(loaded, where) or SourcePos(where, 1, 1)
    doc.data = _walk(doc, loaded, ())
    return doc


def _walk(doc: Document, value: Any, at: Path_) -> Any:
    if isinstance(value, Mapping):
        lc = _lc(value)
        out: dict[Any, Any] = {}
        for key, item in value.items():
            plain = _scalar(key)
            plain = (
                plain
                if isinstance(plain, str | int | float | bool) or plain is None
                else str(plain)
            )
            _spot(doc, (*at, plain), lc.get(key), item)
            out[plain] = _walk(doc, item, (*at, plain))
        return out
    if isinstance(value, list):
        lc = _lc(value)
        result = []
        for i, item in enumerate(value):
            spot = lc.get(i)
            if isinstance(spot, list) and len(spot) >= 2:  # noqa: PLR2004 - line, col
                doc.values[(*at, i)] = SourcePos(doc.path, spot[0] + 1, spot[1] + 1)
            result.append(_walk(doc, item, (*at, i)))
        return result
    return _scalar(value)


def _spot(doc: Document, at: Path_, data: Any, item: Any) -> None:
    if not isinstance(data, list) or len(data) < 4:  # noqa: PLR2004 - key line/col, value line/col
        return
    key = SourcePos(doc.path, data[0] + 1, data[1] + 1)
    doc.keys[at] = key
    # ruamel places a missing (null) value at the next token: use the key.
    doc.values[at] = key if item is None else SourcePos(doc.path, data[2] + 1, data[3] + 1)


def _lc(value: Any) -> dict[Any, Any]:
    data = getattr(getattr(value, "lc", None), "data", None)
    return data if isinstance(data, dict) else {}


def _own(value: Any, where: str) -> SourcePos | None:
    lc = getattr(value, "lc", None)
    line, col = getattr(lc, "line", None), getattr(lc, "col", None)
    if isinstance(line, int) and isinstance(col, int):
        return SourcePos(where, line + 1, col + 1)
    return None


def _mark(mark: Any, where: str) -> SourcePos | None:
    line, col = getattr(mark, "line", None), getattr(mark, "column", None)
    if isinstance(line, int) and isinstance(col, int):
        return SourcePos(where, line + 1, col + 1)
    return None


def _scalar(value: Any) -> Any:  # noqa: PLR0911 - one return per scalar type
    from ruamel.yaml.scalarbool import ScalarBoolean

    if value is None or type(value) in (str, int, float, bool):
        return value
    if isinstance(value, ScalarBoolean):  # an int subclass in ruamel
        return bool(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return value
