"""``APIClient``: requests with auth, retries, rate limiting and a circuit breaker.

Retries (``spec/scriptlets.md`` §1: 3 attempts, 1 s base delay, factor 2) are
made on connection errors, timeouts and 5xx answers, with tenacity's
exponential wait. Each attempt takes a rate-limiter token first and goes
through the circuit breaker, so an open circuit stops the retrying at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Self

from f0_http._auth import Authenticator
from f0_http._errors import APIIntegrationError, redact_url

if TYPE_CHECKING:
    import httpx

    from f0_http._breaker import CircuitBreaker
    from f0_http._ratelimit import RateLimiter

__all__ = ["APIClient", "RequestResult"]

_SERVER_ERROR = 500
_UNAUTHORIZED = 401


class _RetryableError(Exception):
    """One failed attempt worth retrying: a 5xx *response* or a transport *error*."""

    def __init__(self, response: httpx.Response | None, error: str | None) -> None:
        super().__init__(error or "server error")
        self.response = response
        self.error = error


class RequestResult:
    """The final response of :meth:`APIClient.make_request` and how many attempts it took."""

    def __init__(self, response: httpx.Response, attempts: int) -> None:
        self.response = response
        self.attempts = attempts


class APIClient:
    """An HTTP client for one service at *base_url* (may be ``""`` for absolute URLs).

    Use as a context manager, or call :meth:`close`.
    """

    def __init__(
        self,
        base_url: str = "",
        *,
        timeout: float = 30.0,
        max_attempts: int = 3,
        backoff_delay: float = 1.0,
        backoff_factor: float = 2.0,
        max_backoff: float = 60.0,
        rate_limiter: RateLimiter | None = None,
        circuit_breaker: CircuitBreaker | None = None,
        follow_redirects: bool = True,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        import httpx

        if max_attempts < 1:
            msg = f"max_attempts must be >= 1, not {max_attempts!r}"
            raise ValueError(msg)
        self.base_url = base_url
        self.timeout = float(timeout)
        self.max_attempts = max_attempts
        self.backoff_delay = float(backoff_delay)
        self.backoff_factor = float(backoff_factor)
        self.max_backoff = float(max_backoff)
        self.rate_limiter = rate_limiter
        self.circuit_breaker = circuit_breaker
        self._sleep = sleep
        self._auth: Authenticator | None = None
        self._http = httpx.Client(
            base_url=base_url, timeout=self.timeout, follow_redirects=follow_redirects
        )

    def configure_authentication(self, cfg: Mapping[str, Any]) -> None:
        """Authenticate every request as *cfg* says (see :mod:`f0_http._auth`)."""
        self._auth = Authenticator(cfg)

    def make_request(  # noqa: PLR0917 - the spec's signature (api_integration)
        self,
        method: str,
        endpoint: str,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        data: Any = None,
        timeout_config: float | None = None,
        *,
        json: Any = None,
    ) -> RequestResult:
        """Send one request, retrying connection errors and 5xx; return the final answer.

        4xx and a last 5xx come back as a result (the caller judges the
        status); a transport failure after the last attempt, or an open
        circuit, raises :class:`APIIntegrationError`.
        """
        import tenacity

        timeout = self.timeout if timeout_config is None else float(timeout_config)
        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.max_attempts),
            wait=tenacity.wait_exponential(
                multiplier=self.backoff_delay,
                exp_base=self.backoff_factor,
                min=self.backoff_delay,
                max=self.max_backoff,
            ),
            retry=tenacity.retry_if_exception_type(_RetryableError),
            sleep=self._sleep,
            reraise=True,
        )
        attempts = 0
        try:
            for attempt in retrying:
                with attempt:
                    attempts = attempt.retry_state.attempt_number
                    response = self._attempt(method, endpoint, headers, params, data, json, timeout)
                    return RequestResult(response, attempts)
        except _RetryableError as exc:
            if exc.response is not None:
                return RequestResult(exc.response, attempts)
            where = f"{method.upper()} {self._describe(endpoint)}"
            msg = f"{where}: {exc.error} (after {attempts} attempt{'s' if attempts > 1 else ''})"
            raise APIIntegrationError(msg) from None
        msg = "unreachable: tenacity stopped without an outcome"  # pragma: no cover
        raise AssertionError(msg)  # pragma: no cover

    def _attempt(  # noqa: PLR0917 - private, mirrors make_request
        self,
        method: str,
        endpoint: str,
        headers: Mapping[str, str] | None,
        params: Mapping[str, Any] | None,
        data: Any,
        json: Any,
        timeout: float,
    ) -> httpx.Response:
        if self.rate_limiter is not None:
            try:
                self.rate_limiter.wait_and_acquire(max_wait=max(timeout, 1.0) * 10)
            except TimeoutError as exc:
                raise APIIntegrationError(str(exc)) from None
        if self.circuit_breaker is None:
            return self._send(method, endpoint, headers, params, data, json, timeout)
        return self.circuit_breaker.call(
            self._send, method, endpoint, headers, params, data, json, timeout
        )

    def _send(  # noqa: PLR0917 - private, mirrors make_request
        self,
        method: str,
        endpoint: str,
        headers: Mapping[str, str] | None,
        params: Mapping[str, Any] | None,
        data: Any,
        json: Any,
        timeout: float,
    ) -> httpx.Response:
        import httpx

        all_headers = dict(headers or {})
        try:
            for renew in (False, True):
                if self._auth is not None:
                    all_headers.update(self._auth.headers(self._http, timeout))
                content, form = (data, None) if isinstance(data, str | bytes) else (None, data)
                response = self._http.request(
                    method.upper(),
                    endpoint,
                    headers=all_headers,
                    params=dict(params) if params else None,
                    content=content,
                    data=form,
                    json=json,
                    timeout=timeout,
                )
                oauth = self._auth is not None and self._auth.kind == "oauth2"
                if response.status_code == _UNAUTHORIZED and oauth and not renew:
                    # The cached token may have been revoked: fetch a new one, once.
                    assert self._auth is not None  # noqa: S101 - narrowed by `oauth`
                    self._auth.forget_token()
                    continue
                break
        except httpx.InvalidURL as exc:
            msg = f"invalid URL {redact_url(self._describe(endpoint))!r}: {exc}"
            raise APIIntegrationError(msg) from None
        except httpx.UnsupportedProtocol as exc:
            msg = f"unsupported URL {redact_url(self._describe(endpoint))!r}: {exc}"
            raise APIIntegrationError(msg) from None
        except httpx.TransportError as exc:
            raise _RetryableError(None, _transport_message(exc)) from None
        if response.status_code >= _SERVER_ERROR:
            raise _RetryableError(response, f"HTTP {response.status_code}")
        return response

    def _describe(self, endpoint: str) -> str:
        if "://" in endpoint or not self.base_url:
            return redact_url(endpoint)
        return redact_url(self.base_url.rstrip("/") + "/" + endpoint.lstrip("/"))

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _transport_message(exc: httpx.TransportError) -> str:
    import httpx

    kinds: dict[type[httpx.TransportError], str] = {
        httpx.ConnectError: "connection failed",
        httpx.ConnectTimeout: "connection timed out",
        httpx.ReadTimeout: "no answer in time (read timeout)",
        httpx.WriteTimeout: "write timed out",
        httpx.PoolTimeout: "no free connection in time",
        httpx.RemoteProtocolError: "the server broke the HTTP protocol",
    }
    kind = kinds.get(type(exc), "transport error")
    detail = str(exc)
    return f"{kind}: {detail}" if detail else kind
