"""``orchestrator.dependency_graph``: see :mod:`f0_compat.dependency_graph`."""

from __future__ import annotations

from f0_compat.dependency_graph import DependencyGraph

__all__ = ["DependencyGraph"]
