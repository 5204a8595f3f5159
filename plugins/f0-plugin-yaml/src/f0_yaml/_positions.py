"""Read YAML/JSON text into plain Python values plus the position of each value.

ruamel.yaml's round-trip loader remembers where every key and value sits
(``.lc``). We walk its result once, producing plain ``dict``/``list``/``str``
values for the rest of the loader and a :class:`Document` index of positions,
so field checks never touch ruamel types (whose ``ScalarBoolean`` is an
``int``, whose strings are ``str`` subclasses...).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING, Any

from f0 import Limits, Problem, RecipeError, Severity, SourcePos
from ruamel.yaml import YAML
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.scalarbool import ScalarBoolean

from f0_yaml._document import At, Document, Spot, plain_text
from f0_yaml._limits import LimitedComposer

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["MAX_VALUES", "read_document"]

#: Values visited before we give up (the default of ``F0_MAX_RECIPE_NODES``):
#: stops "billion laughs" alias bombs.
MAX_VALUES = Limits.DEFAULT_MAX_NODES
#: Positions are kept this deep (``steps[i].success_criteria.context_keys[j]``);
#: deeper values are step arguments nobody reports on.
_SPOT_DEPTH = 5
_MERGE_TAG = "tag:yaml.org,2002:merge"
_MARK_TEXT = re.compile(r"line (\d+), column (\d+)")


def read_document(path: Path, text: str, limits: Limits | None = None) -> Document:
    """Parse *text* (the content of *path*) into a :class:`Document`.

    Raises :class:`f0.RecipeError` with a position when the text cannot be
    parsed at all, or is over *limits* (``Limits.from_env()`` by default).
    Duplicate keys and YAML warnings become problems.
    """
    kind = "JSON" if path.suffix.lower() == ".json" else "YAML"
    where = str(path)
    limits = limits or Limits.from_env()
    problems: list[Problem] = []
    try:
        try:
            data = _load(text, where, problems, limits, allow_duplicates=False)
        except DuplicateKeyError as exc:
            # Report every duplicate, not just the first, then read the file
            # again allowing them so all other problems are found too.
            problems.extend(
                _duplicate_problems(text, where, limits) or [_duplicate_problem(exc, where)]
            )
            data = _load(text, where, problems, limits, allow_duplicates=True)
    except RecipeError:
        raise  # over a limit, or a recursive alias: already said well
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = _one_line(exc.problem or exc.context or "cannot parse")
        raise RecipeError(_invalid(kind, message), pos=_mark_pos(mark, where)) from exc
    except ReaderError as exc:
        pos = _offset_pos(text, exc.position, where)
        message = f"unacceptable character {_char(exc.character)}: {exc.reason}"
        raise RecipeError(_invalid(kind, message), pos=pos) from exc
    except YAMLError as exc:
        raise RecipeError(_invalid(kind, _one_line(str(exc))), where=where) from exc
    except RecursionError as exc:
        raise RecipeError(_invalid(kind, "nesting too deep"), where=where) from exc
    except Exception as exc:
        # ruamel's constructors raise bare ValueError/KeyError for values such
        # as ``!!float x``; the file is unreadable either way. The cause stays
        # chained for --debug.
        message = f"cannot read a value ({type(exc).__name__}: {_one_line(str(exc))})"
        raise RecipeError(_invalid(kind, message), where=where) from exc
    root = _own_pos(data, where) or SourcePos(where, 1, 1)
    doc = Document(
        path=where, kind=kind, data=None, spots={(): Spot(None, root)}, problems=problems
    )
    try:
        doc.data = _Walker(doc, limits.max_nodes).walk(data, ())
    except RecursionError as exc:
        raise RecipeError(_invalid(kind, "nesting too deep"), where=where) from exc
    return doc


def _yaml(where: str, limits: Limits) -> YAML:
    """A round-trip YAML reader whose composer enforces *limits*."""
    yaml = YAML(typ="rt")
    yaml.Composer = LimitedComposer
    composer = yaml.composer  # made on first use: set this load's limits on it
    composer.limits = limits
    composer.where = where
    return yaml


def _load(
    text: str, where: str, problems: list[Problem], limits: Limits, *, allow_duplicates: bool
) -> Any:
    yaml = _yaml(where, limits)
    yaml.allow_duplicate_keys = allow_duplicates
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = yaml.load(text)
    # Only a load that succeeds gets here: if the first pass stopped at a
    # duplicate key, its warnings come from the second pass.
    problems.extend(
        Problem(
            message=f"YAML: {_one_line(str(warning.message))}",
            pos=_warning_pos(str(warning.message), where),
            severity=Severity.WARNING,
            code="W006",
            where=where,
        )
        for warning in caught
    )
    return data


def _duplicate_problems(text: str, where: str, limits: Limits) -> list[Problem]:
    """One problem per repeated key, found on the node graph (aliases visited once)."""
    problems: list[Problem] = []
    seen: set[int] = set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # _load reports them
        root = _yaml(where, limits).compose(text)
    pending: list[Node] = [root]
    while pending:
        node = pending.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            first: dict[tuple[str, str], ScalarNode] = {}
            for key, value in node.value:
                pending.extend((key, value))
                if not isinstance(key, ScalarNode) or str(key.tag) == _MERGE_TAG:
                    continue
                ident = (str(key.tag), str(key.value))
                if ident in first:
                    line = first[ident].start_mark.line + 1
                    problems.append(
                        Problem(
                            message=f"duplicate key {key.value!r} (first given at line {line})",
                            pos=_mark_pos(key.start_mark, where),
                            code="E005",
                            where=where,
                        )
                    )
                else:
                    first[ident] = key
        elif isinstance(node, SequenceNode):
            pending.extend(node.value)
    return sorted(problems, key=lambda p: (p.pos.line, p.pos.col) if p.pos else (0, 0))


def _duplicate_problem(exc: DuplicateKeyError, where: str) -> Problem:
    return Problem(
        message=_one_line(exc.problem or "duplicate key"),
        pos=_mark_pos(exc.problem_mark, where),
        code="E005",
        where=where,
    )


class _Walker:
    """Converts ruamel's result to plain values, recording positions on the way."""

    def __init__(self, doc: Document, max_values: int = MAX_VALUES) -> None:
        self.doc = doc
        self.max_values = max_values
        self.count = 0
        self.active: set[int] = set()

    def walk(self, value: Any, at: At) -> Any:
        self.count += 1
        if self.count > self.max_values:
            # The composer measured the expanded graph already; this holds
            # for values that reach us by other ways (merge keys...).
            msg = (
                f"recipe is too large: more than {self.max_values:,} values once aliases "
                "are expanded (the F0_MAX_RECIPE_NODES limit; set it higher to read it)"
            )
            raise RecipeError(msg, where=self.doc.path)
        if isinstance(value, Mapping | list | AbstractSet):
            if id(value) in self.active:
                msg = "a YAML alias refers to a value that contains it"
                raise RecipeError(msg, pos=self.doc.value_pos(at))
            self.active.add(id(value))
            try:
                return self._container(value, at)
            finally:
                self.active.discard(id(value))
        return _scalar(value)

    def _container(self, value: Mapping[Any, Any] | list[Any] | AbstractSet[Any], at: At) -> Any:
        keep = len(at) < _SPOT_DEPTH
        if isinstance(value, Mapping):
            out: dict[Any, Any] = {}
            lc = _lc_data(value)
            for key, item in value.items():
                plain_key = _key(key)
                if keep:
                    self._spot((*at, plain_key), lc.get(key), item)
                out[plain_key] = self.walk(item, (*at, plain_key))
            return out
        items = list(value)
        lc = _lc_data(value)
        result = []
        for i, item in enumerate(items):
            if keep:
                self._spot((*at, i), lc.get(i), item)
            result.append(self.walk(item, (*at, i)))
        return result

    def _spot(self, at: At, data: Any, item: Any) -> None:
        path = self.doc.path
        if not isinstance(data, list):
            # Keys merged in with ``<<`` have no position of their own.
            pos = self.doc.value_pos(at[:-1])
            self.doc.spots[at] = Spot(None, pos)
            return
        if len(data) >= 4:  # noqa: PLR2004 - mapping entry: key line/col, value line/col
            key = SourcePos(path, data[0] + 1, data[1] + 1)
            # ruamel places a missing (null) value at the next token: use the key.
            value = key if item is None else SourcePos(path, data[2] + 1, data[3] + 1)
            self.doc.spots[at] = Spot(key, value)
        else:
            self.doc.spots[at] = Spot(None, SourcePos(path, data[0] + 1, data[1] + 1))


def _own_pos(value: Any, where: str) -> SourcePos | None:
    lc = getattr(value, "lc", None)
    line, col = getattr(lc, "line", None), getattr(lc, "col", None)
    if isinstance(line, int) and isinstance(col, int):
        return SourcePos(where, line + 1, col + 1)
    return None


def _lc_data(value: Any) -> dict[Any, Any]:
    data = getattr(getattr(value, "lc", None), "data", None)
    return data if isinstance(data, dict) else {}


def _scalar(value: Any) -> Any:  # noqa: PLR0911 - one return per scalar type
    """ruamel's scalar subclasses as the plain Python type they stand for."""
    if type(value) is str:
        return plain_text(value)
    if value is None or type(value) in (int, float, bool):
        return value
    if isinstance(value, ScalarBoolean):  # an int subclass in ruamel
        return bool(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return plain_text(str(value))
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    tagged = getattr(value, "value", None)
    if type(value).__name__ == "TaggedScalar" and isinstance(tagged, str):
        return str(tagged)  # unknown ``!tag``: keep the text
    return value  # dates, bytes (``!!binary``): already plain Python


def _key(key: Any) -> Any:
    """A hashable plain key (complex YAML keys become tuples)."""
    if isinstance(key, tuple):
        return tuple(_key(k) for k in key)
    if isinstance(key, Mapping):
        return tuple((_key(k), _key(v)) for k, v in key.items())
    plain = _scalar(key)
    try:
        hash(plain)
    except TypeError:
        return repr(plain)
    return plain


def _invalid(kind: str, message: str) -> str:
    return f"invalid {kind}: {message}"


def _mark_pos(mark: Any, where: str) -> SourcePos | None:
    line, col = getattr(mark, "line", None), getattr(mark, "column", None)
    if isinstance(line, int) and isinstance(col, int):
        return SourcePos(where, line + 1, col + 1)
    return None


def _warning_pos(text: str, where: str) -> SourcePos | None:
    # ruamel's warnings carry their marks only as text; the last one is where
    # the problem is ("second occurrence ... line 2, column 16").
    marks = _MARK_TEXT.findall(text)
    if not marks:
        return None
    line, col = marks[-1]
    return SourcePos(where, int(line), int(col))


def _offset_pos(text: str, offset: Any, where: str) -> SourcePos | None:
    if not isinstance(offset, int):
        return None
    before = text[:offset]
    line = before.count("\n") + 1
    return SourcePos(where, line, offset - (before.rfind("\n") + 1) + 1)


def _char(character: Any) -> str:
    if isinstance(character, str) and len(character) == 1:
        character = ord(character)
    if isinstance(character, int):
        return f"#x{character:04x}"
    return repr(character)


def _one_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return text.strip()
