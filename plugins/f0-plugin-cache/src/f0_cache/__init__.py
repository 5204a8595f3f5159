"""f0-plugin-cache: step fingerprints, ``cache: true`` and ``--resume`` decisions.

Implements ``f0_step_decisions``: before a run (or ``f0 plan``) every step
gets RUN (and why), CACHED (an unchanged cache entry in the run store), DONE
(completed in the run being resumed) or SKIP. Works with any run store
(``f0_run_store``); without this plugin every step runs and ``--resume``
asks for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from f0 import hookimpl, lazy_getattr

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from f0 import Decision, Recipe, RunRecord, RunStore, Step, StepRunner

    from f0_cache._decide import decide, fingerprints, step_definition

__all__ = ["decide", "fingerprints", "step_definition"]

# `f0 --help` imports every plugin: the model and fingerprint code load on first use.
_EXPORTS = dict.fromkeys(__all__, "f0_cache._decide")
__getattr__ = lazy_getattr(__name__, _EXPORTS)


@hookimpl
def f0_step_decisions(  # noqa: PLR0917 - the hook's arguments
    recipe: Recipe,
    order: tuple[Step, ...],
    initial: Mapping[str, Any],
    store: RunStore | None,
    resume: RunRecord | None,
    use_cache: bool,
    force: bool,
    step_runner: Callable[[str], StepRunner],
) -> Mapping[str, Decision]:
    """RUN / CACHED / DONE / SKIP for every step, from fingerprints and the run store."""
    from f0_cache._decide import decide

    return decide(
        step_runner,
        recipe,
        order,
        initial=initial,
        store=store,
        use_cache=use_cache,
        resume=resume,
        force=force,
    )
