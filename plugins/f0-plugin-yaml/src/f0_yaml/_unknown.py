"""Unknown keys: an error naming the closest known key (``depend_on`` -> ``depends_on``).

Every unknown-key problem is an ERROR marked ``unknown_key``; the kernel
turns those into warnings when the run is lenient (``--lenient`` or
``lenient: true`` in the recipe), so this is the only place that decides
what is unknown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from f0 import Problem, did_you_mean

from f0_yaml._fields import describe

if TYPE_CHECKING:
    from collections.abc import Iterable

    from f0_yaml._fields import Fields

__all__ = ["report_unknown_keys"]


def report_unknown_keys(
    fields: Fields,
    known: Iterable[str],
    *,
    code: str,
    top_level: bool = False,
    skip: Iterable[str] = (),
) -> None:
    """An unknown-key error at each key of *fields* not in *known* (nor in *skip*)."""
    names = sorted(known)
    skipped = set(skip)
    for key in fields.data:
        if key in names or key in skipped:
            continue
        shown = describe(key) if top_level else repr(fields.name(key))
        where = "top-level key" if top_level else "key"
        message = f"unknown {where} {shown}" + _suggestion(key, names, fields.prefix)
        fields.report.problems.append(
            Problem(
                message=fields.message(message),
                pos=fields.key_pos(key),
                code=code,
                where=fields.where_of(key),
                unknown_key=True,
            )
        )


def _suggestion(key: Any, names: list[str], prefix: str) -> str:
    hint = did_you_mean(key, names) if isinstance(key, str) else ""
    if hint:
        return hint.replace("`", f"`{prefix}", 1)  # retry.delay, not delay
    return f" (known: {', '.join(prefix + n for n in names)})"
