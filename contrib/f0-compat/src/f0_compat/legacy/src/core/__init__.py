"""Framework0's ``src.core`` package, over f0 (see ``f0_compat``)."""
