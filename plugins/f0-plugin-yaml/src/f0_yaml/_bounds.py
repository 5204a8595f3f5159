"""Upper bounds of a recipe's numbers (:class:`f0.Limits`), as the loader checks them.

"A number > 0" is not enough: ``timeout: 1e300`` or ``retry: {delay: 1e300}``
would pass, then overflow the clocks and thread waits of the run. Every
number the loader reads has an upper bound, and the message says what it is.
A number too large even to be a float (a 400-digit integer) is reported the
same way, never converted.
"""

from __future__ import annotations

from typing import Any

from f0 import Limits

__all__ = ["COUNT", "RETRY_MAXIMA", "SECONDS", "Bound", "unencodable_key"]


class Bound:
    """The largest value of one kind of number, and how a message says it."""

    __slots__ = ("maximum", "text")

    def __init__(self, maximum: float, text: str) -> None:
        self.maximum = maximum
        self.text = text


#: Durations: ``timeout``, retry ``delay``/``max_delay``, a ``cache`` TTL.
SECONDS = Bound(Limits.MAX_SECONDS, f"at most {Limits.MAX_SECONDS:,.0f} seconds (about 31 years)")
#: Whole numbers: ``idx``, ``retries``/``retry_count``, ``success_criteria.exit_code``.
COUNT = Bound(Limits.MAX_COUNT, f"within ±{Limits.MAX_COUNT:,}")
#: The ``retry:`` keys.
RETRY_MAXIMA: dict[str, Bound] = {
    "delay": SECONDS,
    "max_delay": SECONDS,
    "factor": Bound(Limits.MAX_FACTOR, f"at most {Limits.MAX_FACTOR:g}"),
    "jitter": Bound(Limits.MAX_JITTER, f"at most {Limits.MAX_JITTER:g} (+100 % of the delay)"),
}


#: Keys JSON can write (as text): what the run store and fingerprints need.
_SCALAR_KEYS = (str, int, float, bool, type(None))


def unencodable_key(value: Any, at: str = "args") -> str | None:
    """Why *value* (a step's ``args`` or an option, named *at*) cannot be recorded, or None.

    Runs are recorded and fingerprinted as JSON with sorted keys: a mapping
    or a list used as a key (``{? {a: 1} : 2}``), or one mapping mixing keys
    that do not sort together (``1`` and ``'b'``), cannot be written.
    """
    pending: list[tuple[Any, str]] = [(value, at)]
    while pending:
        item, where = pending.pop()
        if isinstance(item, dict):
            for key in item:
                if not isinstance(key, _SCALAR_KEYS):
                    kind = (
                        "a mapping or a list (a YAML complex key)"
                        if isinstance(key, tuple | list | frozenset | set)
                        else f"a {type(key).__name__}"
                    )
                    return (
                        f"{where} has {kind} as a key; keys must be "
                        "text, numbers, true/false or null: runs are recorded as JSON"
                    )
            try:
                sorted(item)
            except TypeError:
                kinds = sorted({_kind(k) for k in item})
                return (
                    f"{where} mixes keys of different kinds ({', '.join(kinds)}); "
                    "runs are recorded as JSON with sorted keys: quote the keys"
                )
            pending.extend((v, f"{where}.{k}") for k, v in item.items())
        elif isinstance(item, list):
            pending.extend((v, f"{where}[{i}]") for i, v in enumerate(item))
    return None


def _kind(key: Any) -> str:
    if key is None:
        return "null"
    if isinstance(key, bool):
        return "true/false"
    return "text" if isinstance(key, str) else "numbers"
