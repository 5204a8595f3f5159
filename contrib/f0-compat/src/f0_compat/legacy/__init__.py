"""Framework0's module tree, served by :mod:`f0_compat.finder` under its old names.

Each module here only re-exports names from ``f0_compat``'s own modules, so
a class is the same object whichever path imported it.
"""
