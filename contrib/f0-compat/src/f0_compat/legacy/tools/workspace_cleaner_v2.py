"""``tools.workspace_cleaner_v2``: deliberately not rebuilt (spec ``junk.md``).

Framework0's third workspace cleaner deleted files by its own rules; f0 does
not rebuild it. Importing it fails with this advice instead of a bare
``ModuleNotFoundError``.
"""

from __future__ import annotations

_ADVICE = (
    "tools.workspace_cleaner_v2 (WorkspaceCleanerV2) is not part of f0-compat: "
    "Framework0's workspace cleaners are not rebuilt. Use `git clean -fdX` "
    "(remove ignored files) or `git clean -fdx -n` to preview, and `f0 cache clear` "
    "for f0's step cache."
)
raise ImportError(_ADVICE, name=__name__)
