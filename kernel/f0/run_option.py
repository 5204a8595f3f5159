"""``RunOption``: an option a plugin adds to ``f0 run`` (see ``f0_run_options``).

Its own module, away from :mod:`f0.model`: the hook is asked whenever the
CLI is built (``f0 --help`` too), and creating one small attrs class is all
that should cost.
"""

from __future__ import annotations

import attrs

__all__ = ["RunOption"]


@attrs.frozen(kw_only=True)
class RunOption:
    """An option a plugin adds to ``f0 run`` (``--context-server URL``...).

    Its value reaches the run as ``RunInfo.options[key]`` and
    ``SchedulerOptions.extra[key]``, where *key* is *name* with ``-`` as ``_``.
    Unset options are absent (not ``None``).
    """

    #: Long option name without dashes: ``"context-server"``.
    name: str
    help: str
    #: Environment variable read when the option is not given.
    envvar: str | None = None
    metavar: str = "VALUE"
    #: A boolean ``--name`` switch instead of an option with a value.
    flag: bool = False
    #: A short form such as ``"-t"`` (optional).
    short: str | None = None

    @property
    def key(self) -> str:
        """The key of the value in ``RunInfo.options``."""
        return self.name.replace("-", "_")
