"""Rules every scheduler shares, so a run reads the same whichever one ran it.

A scheduler plugin (``local``, ``dask``, a third party's) decides *where*
steps run; these decide what a user sees in the result, and must not differ
between schedulers:

* **ready order**: among steps ready at the same moment, the lower ``idx``
  goes first, then the step listed first in the recipe (:func:`ready_order`);
* **retry back-off**: the wait before attempt ``n+1`` is
  ``min(delay * factor**(n-1), max_delay)`` plus up to ``jitter`` times that
  value of random spread, never more than :data:`MAX_RETRY_DELAY_S`
  (:func:`retry_delay`), however large the policy's numbers are;
* **reasons**: the ``error`` text of a step that did not run
  (:data:`REASON_DISABLED`, :data:`REASON_CANCELLED`,
  :func:`reason_unsatisfied`, :func:`reason_stopped`).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from f0.model import RetryPolicy, Step

__all__ = [
    "MAX_RETRY_DELAY_S",
    "REASON_CANCELLED",
    "REASON_DISABLED",
    "ready_order",
    "reason_stopped",
    "reason_unsatisfied",
    "retry_delay",
]

#: The longest wait between two attempts: one year. Far past any useful
#: back-off, and far below what ``threading`` waits and ``time.time() + s``
#: accept (``threading.TIMEOUT_MAX`` is about 292 years), so a policy with
#: ``delay``/``factor``/``max_delay`` of 1e300 waits this long instead of
#: raising ``OverflowError`` in the middle of a run.
MAX_RETRY_DELAY_S = 365 * 24 * 3600.0

#: Why a step with ``enabled: false`` was SKIPPED.
REASON_DISABLED = "disabled (enabled: false)"
#: Why a step was SKIPPED or CANCELLED when the run was cancelled (Ctrl-C).
REASON_CANCELLED = "run cancelled"


def reason_unsatisfied(dependency: str) -> str:
    """Why a step was SKIPPED: its *dependency* did not complete."""
    return f"dependency '{dependency}' not satisfied"


def reason_stopped(failed: str) -> str:
    """Why a step was SKIPPED: step *failed* failed and the run stops at the first failure."""
    return f"run stopped after step '{failed}' failed"


def ready_order(order: Sequence[Step], listed: Sequence[Step]) -> list[int]:
    """Positions in *order* sorted by who goes first when ready together.

    *order* is the run's step order (``session.order``), *listed* the
    recipe's steps as written (``session.recipe.steps``). The result is a
    permutation of ``range(len(order))``: lowest ``idx`` first, then the step
    listed first. Schedulers keep ready steps in a heap of ranks (positions
    in this list), which compares plain ints.
    """
    position = {step.name: i for i, step in enumerate(listed)}
    return sorted(range(len(order)), key=lambda i: (order[i].idx, position.get(order[i].name, i)))


def _clamped(seconds: float) -> float:
    # NaN (0 x inf) and inf both mean "as long as allowed": a policy that
    # makes no finite sense must not stop the run with an arithmetic error.
    if math.isnan(seconds) or seconds > MAX_RETRY_DELAY_S:
        return MAX_RETRY_DELAY_S
    return max(seconds, 0.0)


def retry_delay(policy: RetryPolicy, attempt: int, spread: float | None = None) -> float:
    """Seconds to wait after failed *attempt* (counted from 1) before the next one.

    ``min(delay * factor**(attempt-1), max_delay)`` plus ``jitter`` x
    *spread* x that value, where *spread* is in [0, 1) (default: random).
    The result is always finite, in ``[0, MAX_RETRY_DELAY_S]``, whatever the
    policy holds (no ``OverflowError`` for ``factor=1e300``).
    """
    try:
        grown = policy.delay * float(policy.factor) ** max(attempt - 1, 0)
    except OverflowError:  # float ** float raises instead of giving inf
        grown = math.inf
    base = _clamped(min(_clamped(grown), policy.max_delay))
    if policy.jitter <= 0:
        return base
    if spread is None:
        spread = random.random()  # noqa: S311 - spread, not secrecy
    return _clamped(base + base * policy.jitter * spread)
