"""What a run does with each step, and why: the values ``f0_step_decisions`` returns.

Before anything is scheduled, the plugin implementing ``f0_step_decisions``
(f0-plugin-cache) gives every step a :class:`Decision`: ``RUN`` (with the
reason), ``CACHED`` (reuse a cache entry), ``DONE`` (completed in the run
being resumed) or ``SKIP`` (``enabled: false``). The kernel replays the
recorded deltas of CACHED and DONE steps, schedules the RUN ones, and stores
each step's :class:`Fingerprint` with its record. Without such a plugin,
:func:`run_everything` decides: every enabled step RUNs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

import attrs

if TYPE_CHECKING:
    from f0.model import Delta, Recipe, Step

__all__ = [
    "ACTIONS",
    "NO_CACHE_PLUGIN",
    "Decision",
    "Fingerprint",
    "recipe_key",
    "run_everything",
]

#: Every action a decision can name.
ACTIONS: Final = frozenset({"RUN", "CACHED", "DONE", "SKIP"})
#: The reason a ``cache: true`` step runs when no plugin decides.
NO_CACHE_PLUGIN: Final = "not cached: no cache plugin (pip install f0-plugin-cache)"
_PLAIN_REASON: Final = "not cached (no cache: key)"


@attrs.frozen(kw_only=True)
class Fingerprint:
    """Everything that identifies one step of one recipe, as a run store keeps it.

    ``value`` is the digest of the rest; ``definition``, ``code_digest``
    (with ``code_origin``, where that code lives) and ``upstream`` (each
    dependency's fingerprint) are kept so a plan can say *what* changed.
    """

    value: str
    definition: Mapping[str, Any]
    code_digest: str | None
    code_origin: str | None
    upstream: Mapping[str, str]


@attrs.frozen(kw_only=True)
class Decision:
    """What a run does with one step, and why."""

    action: str  # one of ACTIONS
    reason: str
    #: For CACHED/DONE: the recorded delta to replay and the recorded result data.
    delta: Delta | None = None
    result: Any = None
    attempts: int = 0
    #: The step's fingerprint, recorded with the step (None: nothing to record).
    fingerprint: Fingerprint | None = None


def recipe_key(recipe: Recipe) -> str:
    """The identity runs and cache entries are filed under: the recipe file's absolute path."""
    return str(recipe.path.resolve()) if recipe.path else f"<{recipe.name}>"


def run_everything(order: tuple[Step, ...], *, no_cache_reason: str) -> dict[str, Decision]:
    """Every enabled step RUNs (disabled ones SKIP); *no_cache_reason* for ``cache: true`` steps."""
    return {
        s.name: Decision(action="RUN", reason=no_cache_reason if s.cache else _PLAIN_REASON)
        if s.enabled
        else Decision(action="SKIP", reason="enabled: false")
        for s in order
    }
