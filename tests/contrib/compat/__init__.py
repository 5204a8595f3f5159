"""Tests of f0-compat: Framework0 code through its old import paths."""
