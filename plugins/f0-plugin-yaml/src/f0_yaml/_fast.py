"""The fast path: parse a recipe with no source positions.

ruamel.yaml's round-trip loader spends most of its time remembering where
every value sits, for error messages. Most files have no problem to report,
so they are parsed here first, by compiled code, into the same plain values:
``json`` for ``.json``; for YAML, the C (libyaml) parser that ships with
ruamel.yaml checks the syntax, and yaml-rs (a Rust YAML 1.2 parser) builds
the values. Only when the recipe has a problem does the
kernel ask for positions, and :mod:`f0_yaml._positions` reads it again.

The two readers must agree on what is valid and on every value (a recipe's
``file_hash`` feeds resume and cache fingerprints). Where they might not —
tags, anchors and aliases, merge keys, several documents, directives, a
byte-order mark — or when a fast parser fails for any reason,
:func:`read_fast` returns None and the positioned reader handles the file,
errors and all. ``tests/plugins/yaml`` loads every test input both ways.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from f0 import SourcePos

from f0_yaml._document import Document, Spot, plain_text

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["read_fast"]

# Both patterns may match text that is harmless (in a quoted string, say):
# such a file only takes the slower reader.
#: A tag (``!x``), an anchor (``&a``) or an alias (``*a``) starting a token, or a merge key.
_RISKY = re.compile(r"(?:^|[\s\[\{,:?-])[!&*][^\s,\]\}]|<<", re.MULTILINE)
#: A document marker or a directive: fine only as the very first line.
_DOC_MARK = re.compile(r"^(?:---|\.\.\.|%)", re.MULTILINE)

#: A number too long for Python to read or write in decimal (its limit is
#: 4300 digits): the positioned reader reports it.
_LONG_DIGITS = 4000
_LONG_NUMBER = re.compile(rf"\d{{{_LONG_DIGITS}}}")

#: YAML 1.1 line breaks (NEL, LS, PS) that ruamel.yaml breaks lines at and
#: yaml-rs reads as text.
_ODD_BREAK = re.compile("[\x85\u2028\u2029]")

#: An escape that may encode a UTF-16 surrogate (``"\ud83d\ude00"``).
_ESCAPE = re.compile(r"\\[uU]")


class _Unsure(Exception):  # noqa: N818 - a signal, not an error anyone sees
    """The fast parser's reading may differ from ruamel.yaml's."""


def read_fast(path: Path, text: str, *, syntax_checked: bool = False) -> Document | None:
    """*text* (the content of *path*) as a :class:`Document` without positions.

    None when this file must be read by the positioned reader instead.
    *syntax_checked*: libyaml has parsed *text* already (the node count).
    """
    is_json = path.suffix.lower() == ".json"
    try:
        data = _json(text) if is_json else _yaml(text, syntax_checked=syntax_checked)
    except Exception:  # noqa: BLE001 - any failure: the positioned reader says what is wrong
        return None
    if _ESCAPE.search(text):
        data = _plain(data)
    where = str(path)
    return Document(
        path=where,
        kind="JSON" if is_json else "YAML",
        data=data,
        spots={(): Spot(None, SourcePos(where, 1, 1))},
        positions=False,
    )


#: Digits to ``0``, every other byte to a space (for :func:`_long_number`).
_DIGITS_ONLY = bytes(ord("0") if chr(i) in "0123456789" else ord(" ") for i in range(256))


def _risky(text: str) -> bool:
    # The regular expressions scan the whole file position by position (a
    # 10,000-step recipe: ~40 ms); a substring test rules most files out first.
    if not ("!" in text or "&" in text or "*" in text or "<<" in text):
        return False
    return _RISKY.search(text) is not None


def _long_number(text: str, ascii_only: bool) -> bool:
    if len(text) < _LONG_DIGITS:
        return False
    if ascii_only:  # \d is [0-9] there: one pass in C, then a substring test
        return b"0" * _LONG_DIGITS in text.encode("ascii").translate(_DIGITS_ONLY)
    return _LONG_NUMBER.search(text) is not None


def _doc_mark_after_start(text: str) -> bool:
    if not ("---" in text or "..." in text or "%" in text):
        return False
    return any(mark.start() > 0 for mark in _DOC_MARK.finditer(text))


def _yaml(text: str, *, syntax_checked: bool = False) -> Any:
    ascii_only = text.isascii()
    if (
        text.startswith("\ufeff")
        or _risky(text)
        or _long_number(text, ascii_only)
        or (not ascii_only and _ODD_BREAK.search(text))
    ):
        raise _Unsure
    if _doc_mark_after_start(text):
        raise _Unsure
    if not syntax_checked:
        _check_syntax(text)
    import yaml_rs

    return yaml_rs.loads(text)


def _check_syntax(text: str) -> None:
    """Raise unless libyaml (in C, through ruamel.yaml's own extension) parses *text*.

    ``raw_parse`` builds no Python objects: the whole file is checked in C.
    """
    from ruamel.yaml.cyaml import CParser  # type: ignore[attr-defined]

    CParser(text).raw_parse()


def _json(text: str) -> Any:
    return json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json keeps the last of two equal keys silently; a recipe reports them.
    data = dict(pairs)
    if len(data) != len(pairs):
        raise _Unsure
    return data


def _no_constant(name: str) -> Any:
    # NaN and Infinity are not JSON (nor YAML's spelling of them).
    raise _Unsure(name)


def _plain(value: Any) -> Any:
    """*value* with escaped surrogate pairs joined, as the positioned reader does."""
    if isinstance(value, str):
        return plain_text(value)
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
