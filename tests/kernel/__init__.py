"""Kernel tests (a package so module names never clash with plugin tests)."""

from __future__ import annotations
