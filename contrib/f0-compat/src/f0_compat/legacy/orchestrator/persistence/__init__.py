"""``orchestrator.persistence``: Framework0's persistence API over f0-plugin-store."""
