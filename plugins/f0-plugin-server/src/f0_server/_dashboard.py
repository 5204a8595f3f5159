"""The dashboard page (``dashboard.html`` beside this module, read once)."""

from __future__ import annotations

import functools
from importlib import resources

__all__ = ["dashboard_html"]


@functools.cache
def dashboard_html() -> str:
    """The page's text: one self-contained HTML file, no external resources."""
    return resources.files("f0_server").joinpath("dashboard.html").read_text(encoding="utf-8")
