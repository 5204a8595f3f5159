"""Framework0's ``scriptlets`` package, over f0 (see ``f0_compat``)."""
