"""Framework0's ``tools`` package, over f0 (see ``f0_compat``)."""
