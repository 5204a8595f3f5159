"""Framework0 compatibility for f0: the old import paths, backed by f0's engines.

Installing ``f0-compat`` makes ``orchestrator.*``, ``scriptlets.framework``,
``src.core.logger`` and ``tools.workspace_cleaner_v2`` importable, without
ever shadowing a user's own package of the same name: see
:mod:`f0_compat.finder`. This module is imported at every interpreter start
(through a ``.pth`` file), so it imports nothing but the standard library.
"""

from __future__ import annotations

from f0_compat.finder import LEGACY_PACKAGES, disable, enable, enabled

__all__ = ["LEGACY_PACKAGES", "disable", "enable", "enabled"]
__version__ = "0.1.0"
