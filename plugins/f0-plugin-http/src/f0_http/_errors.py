"""The error of the HTTP client (``spec/scriptlets.md`` §1, api_integration)."""

from __future__ import annotations

__all__ = ["APIIntegrationError", "redact_url"]


class APIIntegrationError(Exception):
    """A request that could not be made or answered as expected.

    ``status_code`` is the HTTP status of the last response, if there was one.
    Messages never contain credentials: tokens, passwords and API keys stay out.
    """

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


def redact_url(url: str) -> str:
    """*url* without the ``user:password@`` part, for messages."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    host, slash, path = rest.partition("/")
    if "@" in host:
        host = "***@" + host.rsplit("@", 1)[1]
    return f"{scheme}{sep}{host}{slash}{path}"
