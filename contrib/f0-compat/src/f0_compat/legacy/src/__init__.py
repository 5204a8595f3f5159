"""Framework0's ``src`` package, over f0 (see ``f0_compat``)."""
