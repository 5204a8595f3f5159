"""``orchestrator.runner``: Framework0's ``EnhancedRecipeRunner`` over ``f0 run``.

Command line: ``python -m orchestrator.runner --recipe FILE [--debug]``
(exit 0 all steps completed, 1 a step failed, 2 missing or invalid recipe).
"""

from __future__ import annotations

from f0_compat.runner import EnhancedRecipeRunner, main, run_recipe

__all__ = ["EnhancedRecipeRunner", "main", "run_recipe"]

if __name__ == "__main__":
    raise SystemExit(main())
