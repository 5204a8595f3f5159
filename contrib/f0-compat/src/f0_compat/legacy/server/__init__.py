"""Framework0's ``server`` package, served by f0-compat."""
