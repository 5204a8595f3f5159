"""``orchestrator.persistence``: Framework0's persistence API over f0-plugin-store.

``delta``, ``snapshot`` and the basic ``Cache`` are ``f0_store``'s public
modules; this package adds the legacy defaults and the pieces f0_store does
not have (``PersistentCache``, ``TieredCache``, ``EnhancedPersistenceV2``,
``PersistenceMetrics``).
"""
