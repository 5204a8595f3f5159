"""How much f0 agrees to read, and the largest numbers a recipe may hold.

Two kinds of limit live here:

* **Input size**, configurable (environment variables, read when a recipe is
  loaded): a recipe file over ``F0_MAX_RECIPE_BYTES`` is refused before it
  is read, one with more than ``F0_MAX_RECIPE_NODES`` YAML/JSON nodes while
  it is parsed (aliases expanded, so "billion laughs" bombs count in full),
  and a step module that takes longer than ``F0_IMPORT_TIMEOUT`` seconds to
  import is reported by name instead of hanging ``f0 validate``.
* **Numeric bounds**, fixed: any value the recipe model accepts must also
  survive the run. A timeout of 1e300 s or a retry delay of 1e300 s is
  accepted by "a number > 0" but overflows the clocks and thread waits of
  the schedulers; validation refuses them and says what the bound is.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from typing import ClassVar

import attrs

from f0.errors import UsageError

__all__ = ["Limits"]


def _positive_int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name, "").strip().replace("_", "")
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        msg = f"must be a whole number > 0, got {environ[name]!r}"
        raise UsageError(msg, where=name)
    return value


def _positive_float(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        msg = f"must be a number of seconds > 0, got {environ[name]!r}"
        raise UsageError(msg, where=name)
    return value


@attrs.frozen(kw_only=True)
class Limits:
    """The input limits in force (see the module docstring); ``Limits.from_env()`` reads them."""

    #: Longest duration in seconds (``timeout``, retry ``delay``/``max_delay``,
    #: a ``cache`` TTL...): about 31.7 years, and far inside every clock and
    #: thread-wait range (``threading.TIMEOUT_MAX`` is ~9.2e9 s).
    MAX_SECONDS: ClassVar[float] = 1e9
    #: Largest retry back-off ``factor``.
    MAX_FACTOR: ClassVar[float] = 1000.0
    #: Largest retry ``jitter`` (a fraction of the delay: 1 = up to +100 %).
    MAX_JITTER: ClassVar[float] = 1.0
    #: Largest whole number in a counted field (``retries``, ``idx``,
    #: ``exit_code``...), in absolute value.
    MAX_COUNT: ClassVar[int] = 1_000_000_000

    DEFAULT_MAX_BYTES: ClassVar[int] = 10 * 1024 * 1024
    DEFAULT_MAX_NODES: ClassVar[int] = 1_000_000
    DEFAULT_IMPORT_TIMEOUT: ClassVar[float] = 30.0

    #: Largest recipe file read, in bytes (``F0_MAX_RECIPE_BYTES``, default 10 MiB).
    max_bytes: int = DEFAULT_MAX_BYTES
    #: Most nodes a recipe may have, aliases expanded (``F0_MAX_RECIPE_NODES``,
    #: default 1,000,000). A scalar or an alias is one node; a YAML parser
    #: counts a mapping or a list twice (its start and its end).
    max_nodes: int = DEFAULT_MAX_NODES
    #: Seconds a step module may take to import (``F0_IMPORT_TIMEOUT``, default 30).
    import_timeout: float = DEFAULT_IMPORT_TIMEOUT

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Limits:
        """The limits set by ``F0_MAX_RECIPE_BYTES``, ``F0_MAX_RECIPE_NODES``, ``F0_IMPORT_TIMEOUT``.

        A bad value is a :class:`~f0.errors.UsageError` naming the variable.
        """
        env = os.environ if environ is None else environ
        return cls(
            max_bytes=_positive_int(env, "F0_MAX_RECIPE_BYTES", cls.DEFAULT_MAX_BYTES),
            max_nodes=_positive_int(env, "F0_MAX_RECIPE_NODES", cls.DEFAULT_MAX_NODES),
            import_timeout=_positive_float(env, "F0_IMPORT_TIMEOUT", cls.DEFAULT_IMPORT_TIMEOUT),
        )

    def too_many_nodes(self, what: str = "nodes") -> str:
        """The message for a recipe over :attr:`max_nodes`."""
        return (
            f"recipe is too large: more than {self.max_nodes:,} {what} "
            f"(the F0_MAX_RECIPE_NODES limit; set F0_MAX_RECIPE_NODES higher to read it)"
        )

    def too_many_bytes(self, size: int) -> str:
        """The message for a recipe file of *size* bytes, over :attr:`max_bytes`."""
        return (
            f"recipe file is too large: {_size(size)}, over the {_size(self.max_bytes)} limit "
            f"(F0_MAX_RECIPE_BYTES={self.max_bytes}; set it higher to read larger recipes)"
        )


def _size(n: int) -> str:
    value = float(n)
    for unit in ("bytes", "KiB", "MiB"):
        if value < 1024:  # noqa: PLR2004 - the next unit up
            return f"{n} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"
