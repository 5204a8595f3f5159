"""The ``http`` step type: one HTTP request, its answer written to the context.

```yaml
- name: items
  idx: 2
  type: http
  method: GET                       # default GET
  base_url_from: server.url         # or base_url: https://api.example.com
  url: /items                       # absolute, or relative to the base URL
  auth: {type: bearer, token_env: API_TOKEN}
  rate_limit: {requests_per_second: 5, burst_size: 10}
```

The answer goes to ``<output_key>`` (default ``<step name>.result``) as
``{status_code, url, headers, body, attempts}``. A status >= 400 (or one not
in ``expect_status``) fails the step, as do connection errors after the last
attempt and an open circuit breaker.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from f0 import Problem, StepOutcome

from f0_http._check import check_options, url_problem

if TYPE_CHECKING:
    import httpx
    from f0 import Recipe, Step, StepContext, StepEnv

__all__ = ["HttpStepRunner"]

_CLIENT_ERROR = 400


class HttpStepRunner:
    """Runs ``type: http`` steps. Stateless, so it pickles to worker processes."""

    option_keys: frozenset[str] = frozenset(
        {
            "method",
            "url",
            "base_url",
            "base_url_from",
            "headers",
            "params",
            "json",
            "data",
            "auth",
            "request_timeout",
            "max_attempts",
            "backoff_delay",
            "backoff_factor",
            "rate_limit",
            "circuit_breaker",
            "expect_status",
            "response",
            "follow_redirects",
            "output_key",
        }
    )

    def prepare(self, step: Step, recipe: Recipe) -> list[Problem]:  # noqa: ARG002 - protocol
        """Check every key of the step; each problem carries the key's position."""
        problems: list[Problem] = []

        def bad(key: str, message: str) -> None:
            pos = step.where(key) if key in step.options else step.where()
            problems.append(Problem(message=f"step {step.name!r}: {message}", pos=pos, code="E060"))

        check_options(step.options, bad)
        return problems

    def run(self, step: Step, context: StepContext, env: StepEnv) -> StepOutcome:  # noqa: ARG002
        """Make the request; write the answer; fail on errors and unexpected statuses."""
        from f0_http._errors import APIIntegrationError

        opts = step.options
        try:
            url, base = _target(opts, context)
            result, method = _request(opts, url, base)
        except APIIntegrationError as exc:
            return StepOutcome(success=False, exit_code=1, error=str(exc))
        response = result.response
        shown = f"{method} {_clean(str(response.request.url))}"
        expect = opts.get("expect_status")
        if expect is not None:
            wanted = expect if isinstance(expect, list) else [expect]
            ok = response.status_code in wanted
        else:
            ok = response.status_code < _CLIENT_ERROR
        if not ok:
            reason = f"HTTP {response.status_code} {response.reason_phrase}".rstrip()
            tries = f" after {result.attempts} attempts" if result.attempts > 1 else ""
            return StepOutcome(success=False, exit_code=1, error=f"{shown}: {reason}{tries}")
        try:
            body = _body(response, str(opts.get("response", "auto")))
        except ValueError as exc:
            return StepOutcome(success=False, exit_code=1, error=f"{shown}: {exc}")
        value = {
            "status_code": response.status_code,
            "url": _clean(str(response.url)),
            "headers": dict(response.headers),
            "body": body,
            "attempts": result.attempts,
        }
        context.set(str(opts.get("output_key") or f"{step.name}.result"), value)
        return StepOutcome(success=True)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def __repr__(self) -> str:
        return "HttpStepRunner()"


def _target(opts: Mapping[str, Any], context: StepContext) -> tuple[str, str]:
    """The step's URL and base URL (read from the context for ``base_url_from``)."""
    from f0_http._errors import APIIntegrationError

    base = str(opts.get("base_url") or "")
    key = opts.get("base_url_from")
    if key is not None:
        if key not in context:
            msg = f"'base_url_from': the context has no key {key!r}"
            raise APIIntegrationError(msg)
        found = context.get(key)
        problem = url_problem(found, absolute=True) if isinstance(found, str) else "not a string"
        if problem:
            msg = f"'base_url_from': context key {key!r}: {problem}"
            raise APIIntegrationError(msg)
        base = str(found)
    return str(opts["url"]), base


def _request(opts: Mapping[str, Any], url: str, base: str) -> tuple[Any, str]:
    from f0_http._client import APIClient
    from f0_http._shared import shared_breaker, shared_limiter

    full = url if "://" in url else base.rstrip("/") + "/" + url.lstrip("/")
    parts = urlsplit(full)
    host = f"{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 80)}"
    limiter = breaker = None
    if (rate := opts.get("rate_limit")) is not None:
        limiter = shared_limiter(
            str(rate.get("name", host)),
            float(rate.get("requests_per_second", 1.0)),
            int(rate.get("burst_size", 10)),
        )
    if (cb := opts.get("circuit_breaker")) is not None:
        breaker = shared_breaker(
            str(cb.get("name", host)),
            int(cb.get("failure_threshold", 5)),
            float(cb.get("timeout_seconds", 30.0)),
        )
    method = str(opts.get("method", "GET")).upper()
    with APIClient(
        base,
        timeout=float(opts.get("request_timeout", 30.0)),
        max_attempts=int(opts.get("max_attempts", 3)),
        backoff_delay=float(opts.get("backoff_delay", 1.0)),
        backoff_factor=float(opts.get("backoff_factor", 2.0)),
        rate_limiter=limiter,
        circuit_breaker=breaker,
        follow_redirects=bool(opts.get("follow_redirects", True)),
    ) as client:
        if "auth" in opts:
            client.configure_authentication(opts["auth"])
        result = client.make_request(
            method,
            url,
            headers=opts.get("headers"),
            params=opts.get("params"),
            data=opts.get("data"),
            json=opts.get("json"),
        )
        # Read the body while the connection is open.
        result.response.read()
        return result, method


def _body(response: httpx.Response, mode: str) -> Any:
    if mode == "none" or not response.content:
        return None
    is_json = "json" in response.headers.get("content-type", "")
    if mode == "json" or (mode == "auto" and is_json):
        try:
            return response.json()
        except ValueError as exc:
            msg = f"the answer is not JSON: {exc}"
            raise ValueError(msg) from None
    return response.text


def _clean(url: str) -> str:
    from f0_http._errors import redact_url

    return redact_url(url)
