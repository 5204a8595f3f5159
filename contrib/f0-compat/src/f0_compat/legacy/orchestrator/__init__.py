"""Framework0's ``orchestrator`` package, over f0 (see ``f0_compat``)."""
