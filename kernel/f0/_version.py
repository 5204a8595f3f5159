"""The kernel's version, in a module of its own so any kernel module can read it."""

from __future__ import annotations

__version__ = "0.2.0"
