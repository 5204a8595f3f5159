"""Authentication of :class:`~f0_http.APIClient` (``configure_authentication``).

``type`` is one of ``bearer`` (``token``), ``basic`` (``username``,
``password``), ``api_key`` (``key``, ``header`` default ``X-API-Key``) or
``oauth2`` (client credentials: ``token_url``, ``client_id``,
``client_secret``, optional ``scope``). Every secret may instead be named by
an environment variable: ``token_env: API_TOKEN`` reads ``$API_TOKEN`` when
the request is made, so recipes need not hold secrets.
"""

from __future__ import annotations

import base64
import os
import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from f0_http._errors import APIIntegrationError, redact_url

if TYPE_CHECKING:
    import httpx

__all__ = ["AUTH_FIELDS", "AUTH_TYPES", "Authenticator", "check_auth_config", "secret"]

#: Required fields of each auth type (each may be given as ``<field>_env``).
AUTH_FIELDS: dict[str, tuple[str, ...]] = {
    "bearer": ("token",),
    "basic": ("username", "password"),
    "api_key": ("key",),
    "oauth2": ("token_url", "client_id", "client_secret"),
}
AUTH_TYPES = tuple(AUTH_FIELDS)
_OPTIONAL = {"api_key": ("header",), "oauth2": ("scope",)}
#: Renew an OAuth2 token this many seconds before it expires.
_EXPIRY_MARGIN_S = 30.0


def check_auth_config(cfg: Any) -> list[tuple[str, str]]:
    """Problems in an auth mapping, as ``(key, message)``; empty when it is usable."""
    if not isinstance(cfg, Mapping):
        return [("auth", "'auth' must be a mapping with a 'type'")]
    kind = cfg.get("type")
    if kind not in AUTH_FIELDS:
        return [("auth", f"auth 'type' must be one of {', '.join(AUTH_TYPES)}, not {kind!r}")]
    problems: list[tuple[str, str]] = []
    allowed = {"type"}
    for field in (*AUTH_FIELDS[kind], *_OPTIONAL.get(kind, ())):
        allowed |= {field, f"{field}_env"}
        given = [k for k in (field, f"{field}_env") if k in cfg]
        if len(given) > 1:
            problems.append(("auth", f"auth: give {field!r} or {field + '_env'!r}, not both"))
        problems.extend(
            ("auth", f"auth: {key!r} must be a non-empty string")
            for key in given
            if not isinstance(cfg[key], str) or not cfg[key]
        )
        if not given and field in AUTH_FIELDS[kind]:
            problems.append(("auth", f"auth type {kind!r} needs {field!r} (or {field + '_env'!r})"))
    problems.extend(
        ("auth", f"auth: unknown key {key!r} for type {kind!r}")
        for key in cfg
        if key not in allowed
    )
    return problems


def secret(cfg: Mapping[str, Any], field: str, default: str | None = None) -> str:
    """The value of *field*: literal, or read from the variable named by ``<field>_env``."""
    env_name = cfg.get(f"{field}_env")
    if env_name is not None:
        value = os.environ.get(str(env_name))
        if not value:
            msg = f"auth: environment variable {env_name!r} (for {field!r}) is not set"
            raise APIIntegrationError(msg)
        return value
    value = cfg.get(field, default)
    if value is None:
        msg = f"auth: {field!r} is missing"
        raise APIIntegrationError(msg)
    return str(value)


class Authenticator:
    """Adds credentials to each request; fetches and caches OAuth2 tokens."""

    def __init__(self, cfg: Mapping[str, Any]) -> None:
        problems = check_auth_config(cfg)
        if problems:
            raise APIIntegrationError(problems[0][1])
        self.kind = str(cfg["type"])
        self._cfg = dict(cfg)
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()

    def headers(self, client: httpx.Client, timeout: float) -> dict[str, str]:
        """The headers that authenticate one request."""
        cfg = self._cfg
        if self.kind == "bearer":
            return {"Authorization": f"Bearer {secret(cfg, 'token')}"}
        if self.kind == "basic":
            pair = f"{secret(cfg, 'username')}:{secret(cfg, 'password')}".encode()
            return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}
        if self.kind == "api_key":
            return {secret(cfg, "header", "X-API-Key"): secret(cfg, "key")}
        return {"Authorization": f"Bearer {self._oauth2_token(client, timeout)}"}

    def forget_token(self) -> None:
        """Drop a cached OAuth2 token (the server answered 401 to it)."""
        with self._lock:
            self._token = None

    def _oauth2_token(self, client: httpx.Client, timeout: float) -> str:
        import httpx

        with self._lock:
            if self._token is not None and time.monotonic() < self._expires_at:
                return self._token
            cfg = self._cfg
            token_url = secret(cfg, "token_url")
            form = {"grant_type": "client_credentials"}
            if "scope" in cfg or "scope_env" in cfg:
                form["scope"] = secret(cfg, "scope")
            try:
                # RFC 6749 §2.3.1: client credentials by HTTP Basic authentication.
                response = client.post(
                    token_url,
                    data=form,
                    auth=(secret(cfg, "client_id"), secret(cfg, "client_secret")),
                    timeout=timeout,
                )
            except httpx.HTTPError as exc:
                msg = f"oauth2: token request to {redact_url(token_url)} failed: {type(exc).__name__}: {exc}"
                raise APIIntegrationError(msg) from None
            if response.status_code != 200:  # noqa: PLR2004 - the one success status of RFC 6749 §5.1
                msg = f"oauth2: token endpoint {redact_url(token_url)} answered HTTP {response.status_code}"
                raise APIIntegrationError(msg, status_code=response.status_code)
            try:
                body = response.json()
                token = str(body["access_token"])
            except (ValueError, KeyError, TypeError):
                msg = f"oauth2: token endpoint {redact_url(token_url)} sent no 'access_token'"
                raise APIIntegrationError(msg) from None
            expires_in = body.get("expires_in")
            lifetime = float(expires_in) if isinstance(expires_in, int | float) else 3600.0
            self._token = token
            self._expires_at = time.monotonic() + max(lifetime - _EXPIRY_MARGIN_S, 0.0)
            return token
