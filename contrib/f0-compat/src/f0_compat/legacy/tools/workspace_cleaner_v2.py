"""``tools.workspace_cleaner_v2``: Framework0's rule-based workspace cleaner (see :mod:`f0_compat.workspace_cleaner`).

Command line: ``python -m tools.workspace_cleaner_v2 [ROOT] [--dry-run] [--rule NAME]... [--json]``.
"""

from __future__ import annotations

from f0_compat.workspace_cleaner import (
    DEFAULT_RULES,
    PROTECTED_NAMES,
    CleanupResult,
    CleanupRule,
    WorkspaceCleanerV2,
    main,
)

__all__ = [
    "DEFAULT_RULES",
    "PROTECTED_NAMES",
    "CleanupResult",
    "CleanupRule",
    "WorkspaceCleanerV2",
    "main",
]

if __name__ == "__main__":
    raise SystemExit(main())
