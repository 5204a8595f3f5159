"""``sqlite://`` URLs and the default store URL.

Forms (SQLAlchemy's):

``sqlite:///relative/path.db``
    three slashes, then a path relative to the working folder
``sqlite:////absolute/path.db``
    four slashes: the path is ``/absolute/path.db``
``sqlite://`` or ``sqlite:///:memory:``
    a private in-memory database (gone when the store is closed)

``~`` is expanded and ``%20``-style escapes are decoded. A query string is
allowed after the path; the context store reads ``?name=NAME`` from it.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote

import attrs
import f0
from f0 import UsageError

__all__ = [
    "DEFAULT_STORE_URL",
    "SCHEME",
    "STORE_ENV",
    "SqliteUrl",
    "default_store_url",
    "is_sqlite_url",
    "parse_sqlite_url",
    "project_store_url",
]

SCHEME = "sqlite://"
#: Where runs, cache entries and context snapshots go unless ``--store``/``F0_STORE`` say
#: otherwise: the kernel's default, so ``f0 run`` and ``f0 runs`` agree.
DEFAULT_STORE_URL = f0.DEFAULT_STORE_URL
#: Environment variable that overrides the default store URL.
STORE_ENV = "F0_STORE"


@attrs.frozen(kw_only=True)
class SqliteUrl:
    """A parsed ``sqlite://`` URL; ``path`` is None for an in-memory database."""

    url: str
    path: Path | None
    query: dict[str, str] = attrs.field(factory=dict)

    @property
    def exists(self) -> bool:
        """True for an in-memory database or a database file that exists."""
        return self.path is None or self.path.exists()


def is_sqlite_url(url: str) -> bool:
    """Whether *url* has the ``sqlite`` scheme."""
    return url.startswith(SCHEME)


def parse_sqlite_url(url: str) -> SqliteUrl:
    """Parse *url*; :class:`~f0.UsageError` when it is not a usable ``sqlite://`` URL."""
    if not is_sqlite_url(url):
        msg = f"not a sqlite URL: {url!r} (use sqlite:///relative.db or sqlite:////absolute.db)"
        raise UsageError(msg, where="--store")
    rest, _, query_text = url[len(SCHEME) :].partition("?")
    query = {k: v[-1] for k, v in parse_qs(query_text, keep_blank_values=True).items()}
    if rest in {"", "/:memory:"}:
        return SqliteUrl(url=url, path=None, query=query)
    if not rest.startswith("/") or rest == "/":
        msg = (
            f"sqlite URL {url!r} has no path: use sqlite:///relative/path.db "
            "(three slashes) or sqlite:////absolute/path.db (four)"
        )
        raise UsageError(msg, where="--store")
    return SqliteUrl(url=url, path=Path(unquote(rest[1:])).expanduser(), query=query)


def default_store_url() -> str:
    """``$F0_STORE`` if set, else the project's store (see :func:`project_store_url`)."""
    return os.environ.get(STORE_ENV) or project_store_url()


def project_store_url() -> str:
    """``.f0/f0.db`` in the project root above the current folder (``f0.default_store_url``)."""
    return f0.default_store_url(env=False)
