"""Typed reads of one mapping in a recipe, reporting each bad value where it is.

Every reader returns the value when it is usable and ``None`` when it is
absent (or null) or wrong; a wrong value has already become a
:class:`f0.Problem` at the value's position, so callers just fall back to
the default and carry on: all problems are collected, none stops the load.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from f0 import Problem, Severity, SourcePos

from f0_yaml._bounds import COUNT, SECONDS, Bound

if TYPE_CHECKING:
    from collections.abc import Iterable

    from f0_yaml._document import At, Document

__all__ = ["Fields", "Report", "describe"]

#: What YAML 1.1 read as booleans but YAML 1.2 (ruamel's default) reads as text.
_YAML11_BOOLS = frozenset({"yes", "no", "on", "off", "y", "n", "true", "false"})


class Report:
    """The problems found so far, in the order they were found."""

    def __init__(self, problems: Iterable[Problem] = ()) -> None:
        self.problems: list[Problem] = list(problems)

    def error(self, code: str, message: str, pos: SourcePos | None, where: str | None) -> None:
        """Record an ERROR problem."""
        self.problems.append(Problem(message=message, pos=pos, code=code, where=where))

    def warning(self, code: str, message: str, pos: SourcePos | None, where: str | None) -> None:
        """Record a WARNING problem."""
        self.problems.append(
            Problem(message=message, pos=pos, severity=Severity.WARNING, code=code, where=where)
        )


def describe(value: Any) -> str:  # noqa: PLR0911 - one return per kind of value
    """*value* as a message shows it: YAML spelling for scalars, kind for collections."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:37] + "...")  # noqa: PLR2004
    if isinstance(value, int) and abs(value) >= 10**20:
        # Not str(value): past 4300 digits Python refuses to write it.
        digits = math.floor(abs(value).bit_length() * math.log10(2)) + 1
        sign = "-" if value < 0 else ""
        return f"{sign}a whole number of about {digits:,} digits"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{value!s} ({type(value).__name__})"


def is_int(value: Any) -> bool:
    """True for integers, which in Python includes bools: we exclude them."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    """True for ints and finite floats (not bools, not NaN/inf).

    (An int is always finite; ``math.isfinite`` would overflow on one too
    large for a float.)
    """
    return is_int(value) or (isinstance(value, float) and math.isfinite(value))


class Fields:
    """One mapping of the document (a step, ``metadata``, ``defaults``...).

    *label* starts each message (``step 'clean'``), *where* names the mapping
    for problems without a position (``steps[0]``), *prefix* names nested
    mappings in messages (``retry.``).
    """

    def __init__(
        self,
        doc: Document,
        report: Report,
        at: At,
        *,
        label: str,
        where: str,
        prefix: str = "",
    ) -> None:
        self.doc = doc
        self.report = report
        self.at = at
        self.label = label
        self.where = where
        self.prefix = prefix
        found = doc.get(at)
        self.data: dict[Any, Any] = found if isinstance(found, dict) else {}

    # -- positions -------------------------------------------------------------
    def pos(self, key: Any) -> SourcePos:
        """Position of the value of *key* (of the mapping when *key* is absent)."""
        return self.doc.value_pos((*self.at, key))

    def key_pos(self, key: Any) -> SourcePos:
        """Position of *key* itself."""
        return self.doc.key_pos((*self.at, key))

    def own_pos(self) -> SourcePos:
        """Position of this mapping."""
        return self.doc.value_pos(self.at)

    def name(self, key: Any) -> str:
        """*key* as messages name it (``retry.delay``)."""
        return f"{self.prefix}{key}"

    # -- reporting -------------------------------------------------------------
    def message(self, text: str) -> str:
        """*text* prefixed with this mapping's label (``step 'clean': ...``)."""
        return f"{self.label}: {text}" if self.label else text

    def bad(
        self, key: Any, expected: str, value: Any, *, code: str = "E004", hint: str = ""
    ) -> None:
        """Report that *key* holds *value* where *expected* was wanted."""
        text = f"{self.name(key)} must be {expected}, got {describe(value)}{hint}"
        self.report.error(code, self.message(text), self.pos(key), self.where_of(key))

    def where_of(self, key: Any) -> str:
        """*key* as a path for problems without a position (``steps[0].timeout``)."""
        return f"{self.where}.{key}" if self.where else str(key)

    def error(self, key: Any, message: str, *, code: str, at_key: bool = False) -> None:
        """Report *message* about *key* (at the key itself with *at_key*)."""
        pos = self.key_pos(key) if at_key else self.pos(key)
        self.report.error(code, self.message(message), pos, self.where_of(key))

    def warn(self, key: Any, message: str, *, code: str, at_key: bool = False) -> None:
        """Report a warning about *key*."""
        pos = self.key_pos(key) if at_key else self.pos(key)
        self.report.warning(code, self.message(message), pos, self.where_of(key))

    def unknown_keys(self, known: Iterable[str], *, code: str = "E031") -> None:
        """An unknown-key error (a warning when lenient) at every key not in *known*."""
        from f0_yaml._unknown import report_unknown_keys  # it imports this module

        report_unknown_keys(self, known, code=code)

    # -- typed reads -----------------------------------------------------------
    def given(self, key: str) -> bool:
        """Whether *key* is present with a non-null value."""
        return self.data.get(key) is not None

    def text(self, key: str, *, empty_ok: bool = True, code: str = "E004") -> str | None:
        """A string (non-empty unless *empty_ok*); a bad one is reported with *code*."""
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            hint = f"; quote it: {key}: '{value}'" if is_number(value) else ""
            expected = "a string" if empty_ok else "a non-empty string"
            self.bad(key, expected, value, code=code, hint=hint)
            return None
        if not empty_ok and not value.strip():
            self.bad(key, "a non-empty string", value, code=code)
            return None
        return value

    def integer(
        self, key: str, expected: str, *, minimum: int | None = None, bound: Bound = COUNT
    ) -> int | None:
        """An int (not a bool), at least *minimum*, within *bound* in absolute value."""
        value = self.data.get(key)
        if value is None:
            return None
        if not is_int(value) or (minimum is not None and value < minimum):
            self.bad(key, expected, value)
            return None
        if abs(value) > bound.maximum:
            self.bad(key, bound.text, value)
            return None
        return int(value)

    def number(
        self,
        key: str,
        expected: str,
        *,
        minimum: float = 0.0,
        exclusive: bool = False,
        bound: Bound = SECONDS,
    ) -> float | None:
        """A finite number >= *minimum* (> with *exclusive*), at most *bound*, as a float."""
        value = self.data.get(key)
        if value is None:
            return None
        if not is_number(value) or value < minimum or (exclusive and value == minimum):
            self.bad(key, expected, value)
            return None
        if value > bound.maximum:
            self.bad(key, bound.text, value)
            return None
        return float(value)

    def boolean(self, key: str) -> bool | None:
        """``true`` or ``false``."""
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, bool):
            hint = ""
            if isinstance(value, str) and value.strip().lower() in _YAML11_BOOLS:
                hint = " (YAML 1.2 reads yes/no/on/off as text: write true or false, unquoted)"
            self.bad(key, "true or false", value, hint=hint)
            return None
        return value

    def strings(self, key: str, *, single_ok: bool = False) -> list[str] | None:
        """A list of non-empty strings (or one string with *single_ok*).

        Each bad item is reported at the item; the good ones are kept.
        """
        value = self.data.get(key)
        if value is None:
            return None
        if single_ok and isinstance(value, str) and value.strip():
            return [value]
        if not isinstance(value, list):
            expected = "a list of strings" + (" or one string" if single_ok else "")
            self.bad(key, expected, value)
            return None
        result: list[str] = []
        for i, item in enumerate(value):
            if isinstance(item, str) and item.strip():
                result.append(item)
                continue
            text = f"{self.name(key)}[{i}] must be a non-empty string, got {describe(item)}"
            pos = self.doc.value_pos((*self.at, key, i))
            self.report.error("E004", self.message(text), pos, f"{self.where_of(key)}[{i}]")
        return result

    def mapping(self, key: str, expected: str = "a mapping", *, hint: str = "") -> Fields | None:
        """The nested mapping under *key*, as :class:`Fields` with ``key.`` as prefix."""
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.bad(key, expected, value, hint=hint)
            return None
        return Fields(
            self.doc,
            self.report,
            (*self.at, key),
            label=self.label,
            where=self.where_of(key),
            prefix=f"{self.prefix}{key}.",
        )
