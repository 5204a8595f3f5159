"""``orchestrator.persistence.enhanced``: see :mod:`f0_compat.persistence.enhanced`."""

from __future__ import annotations

from f0_compat.persistence.enhanced import (
    DEFAULT_BASE_PATH,
    CachedPersistenceDecorator,
    EnhancedPersistenceV2,
    create_enhanced_persistence,
)

__all__ = [
    "DEFAULT_BASE_PATH",
    "CachedPersistenceDecorator",
    "EnhancedPersistenceV2",
    "create_enhanced_persistence",
]
