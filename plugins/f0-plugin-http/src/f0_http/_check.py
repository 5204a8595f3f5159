"""Checks of ``type: http`` step keys, run by ``prepare`` before anything runs."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from f0 import Limits

from f0_http._auth import check_auth_config

__all__ = ["METHODS", "RESPONSE_MODES", "check_options", "url_problem"]

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
RESPONSE_MODES = ("auto", "json", "text", "none")

Bad = Callable[[str, str], None]


def url_problem(url: str, *, absolute: bool) -> str | None:
    """Why *url* is not a usable http(s) URL, or None."""
    if "://" not in url:
        return f"{url!r} is not an absolute URL (http://host/...)" if absolute else None
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError for a port that is not a number
    except ValueError as exc:
        return f"{url!r} is not a valid URL: {exc}"
    if parts.scheme not in {"http", "https"}:
        return f"{url!r}: scheme must be http or https, not {parts.scheme!r}"
    if not parts.hostname:
        return f"{url!r} has no host"
    return None


def _number(
    opts: Mapping[str, Any],
    key: str,
    bad: Bad,
    *,
    low: float,
    strict: bool,
    high: float = Limits.MAX_SECONDS,
) -> None:
    value = opts.get(key)
    if value is None:
        return
    is_num = isinstance(value, int | float) and not isinstance(value, bool)
    if not is_num or value < low or (strict and value == low):
        sign = ">" if strict else ">="
        bad(key, f"{key!r} must be a number {sign} {low:g}, not {_show(value)}")
    elif value > high:  # what validates must run: 1e300 s overflows every clock (issue 19)
        bad(key, f"{key!r} must be at most {high:,.0f}, not {_show(value)}")


def _integer(opts: Mapping[str, Any], key: str, bad: Bad, *, low: int) -> None:
    value = opts.get(key)
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        bad(key, f"{key!r} must be an integer >= {low}, not {_show(value)}")
    elif value > Limits.MAX_COUNT:
        bad(key, f"{key!r} must be at most {Limits.MAX_COUNT:,}, not {_show(value)}")


def _show(value: Any) -> str:
    # repr of a 5000-digit int raises; a 400-digit one is unreadable.
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**20:
        return f"a whole number of {abs(value).bit_length()} bits"
    return repr(value)


def _sub_mapping(opts: Mapping[str, Any], key: str, fields: Mapping[str, str], bad: Bad) -> None:
    """Check a nested mapping such as ``rate_limit``: known fields, right kinds."""
    value = opts.get(key)
    if value is None:
        return
    if not isinstance(value, Mapping):
        bad(key, f"{key!r} must be a mapping ({', '.join(fields)})")
        return
    for field in value:
        if field not in fields:
            bad(key, f"{key}: unknown key {field!r} (known: {', '.join(fields)})")
    for field, kind in fields.items():
        sub = {f"{key}.{field}": value[field]} if field in value else {}
        name = f"{key}.{field}"
        if kind == "positive":
            _number(sub, name, lambda _k, m: bad(key, m), low=0, strict=True)
        elif kind == "nonneg":
            _number(sub, name, lambda _k, m: bad(key, m), low=0, strict=False)
        elif kind == "count":
            _integer(sub, name, lambda _k, m: bad(key, m), low=1)
        elif sub and (not isinstance(sub[name], str) or not sub[name]):
            bad(key, f"{name!r} must be a non-empty string")


def check_options(opts: Mapping[str, Any], bad: Bad) -> None:
    """Report every problem of an http step's *opts* through ``bad(key, message)``."""
    method = opts.get("method", "GET")
    if not isinstance(method, str) or method.upper() not in METHODS:
        bad("method", f"'method' must be one of {', '.join(METHODS)}, not {method!r}")
    for key in ("url", "base_url", "base_url_from", "output_key"):
        value = opts.get(key)
        if value is not None and (not isinstance(value, str) or not value):
            bad(key, f"{key!r} must be a non-empty string")
    url, base = opts.get("url"), opts.get("base_url")
    if url is None:
        bad("url", "http steps need 'url'")
    if base is not None and "base_url_from" in opts:
        bad("base_url", "give 'base_url' or 'base_url_from', not both")
    if isinstance(base, str) and base and (problem := url_problem(base, absolute=True)):
        bad("base_url", f"'base_url' {problem}")
    has_base = base is not None or "base_url_from" in opts
    if isinstance(url, str) and url and (problem := url_problem(url, absolute=not has_base)):
        bad("url", f"'url' {problem}")
    for key in ("headers", "params"):
        value = opts.get(key)
        if value is not None and not isinstance(value, Mapping):
            bad(key, f"{key!r} must be a mapping")
        elif key == "headers" and value and not all(isinstance(v, str) for v in value.values()):
            bad(key, "'headers' values must be strings")
    if "json" in opts and "data" in opts:
        bad("data", "give 'json' or 'data', not both")
    data = opts.get("data")
    if data is not None and not isinstance(data, str | Mapping):
        bad("data", "'data' must be a string (the body) or a mapping (a form)")
    if "auth" in opts:
        for _, message in check_auth_config(opts["auth"]):
            bad("auth", message)
    _number(opts, "request_timeout", bad, low=0, strict=True)
    _integer(opts, "max_attempts", bad, low=1)
    _number(opts, "backoff_delay", bad, low=0, strict=False)
    _number(opts, "backoff_factor", bad, low=1, strict=False, high=Limits.MAX_FACTOR)
    _sub_mapping(
        opts,
        "rate_limit",
        {"requests_per_second": "positive", "burst_size": "count", "name": "name"},
        bad,
    )
    _sub_mapping(
        opts,
        "circuit_breaker",
        {"failure_threshold": "count", "timeout_seconds": "nonneg", "name": "name"},
        bad,
    )
    expect = opts.get("expect_status")
    codes = expect if isinstance(expect, list) else [expect]
    if expect is not None and not all(
        isinstance(c, int) and not isinstance(c, bool) and 100 <= c <= 599  # noqa: PLR2004
        for c in codes
    ):
        bad("expect_status", "'expect_status' must be an HTTP status (100-599) or a list of them")
    mode = opts.get("response", "auto")
    if mode not in RESPONSE_MODES:
        bad("response", f"'response' must be one of {', '.join(RESPONSE_MODES)}, not {mode!r}")
    redirects = opts.get("follow_redirects", True)
    if not isinstance(redirects, bool):
        bad("follow_redirects", "'follow_redirects' must be true or false")
