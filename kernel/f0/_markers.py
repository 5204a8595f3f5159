"""The pluggy markers, in a module of their own so plugins import them cheaply."""

from __future__ import annotations

import pluggy

hookimpl = pluggy.HookimplMarker("f0")
hookspec = pluggy.HookspecMarker("f0")
