"""APIClient against a real HTTP server on 127.0.0.1: auth, retries, breaker, limiter."""

from __future__ import annotations

import pytest
from f0_http import APIClient, APIIntegrationError, CircuitBreaker, RateLimiter

from .http_server import CLIENT_ID, CLIENT_SECRET, STATIC_TOKEN


def client(api, **kwargs):
    kwargs.setdefault("backoff_delay", 0.01)
    return APIClient(api.url, timeout=10, **kwargs)


def test_request_with_query_headers_and_json(api):
    with client(api) as c:
        result = c.make_request(
            "post", "/echo", headers={"X-Trace": "t1"}, params={"page": 2}, json={"a": 1}
        )
    echo = result.response.json()
    assert (result.attempts, echo["method"], echo["query"]) == (1, "POST", {"page": "2"})
    assert echo["headers"]["x-trace"] == "t1"
    assert echo["body"] == '{"a":1}'


@pytest.mark.parametrize(
    ("cfg", "header", "value"),
    [
        ({"type": "bearer", "token": "abc"}, "authorization", "Bearer abc"),
        ({"type": "basic", "username": "u", "password": "p"}, "authorization", "Basic dTpw"),
        ({"type": "api_key", "key": "k1"}, "x-api-key", "k1"),
        ({"type": "api_key", "key": "k1", "header": "X-Token"}, "x-token", "k1"),
    ],
)
def test_static_auth_headers(api, cfg, header, value):
    with client(api) as c:
        c.configure_authentication(cfg)
        echo = c.make_request("GET", "/echo").response.json()
    assert echo["headers"][header] == value


def test_secret_from_environment(api, monkeypatch):
    monkeypatch.setenv("F0_TEST_TOKEN", STATIC_TOKEN)
    with client(api) as c:
        c.configure_authentication({"type": "bearer", "token_env": "F0_TEST_TOKEN"})
        assert c.make_request("GET", "/secure").response.status_code == 200


def test_missing_secret_variable_names_the_variable_only(api, monkeypatch):
    monkeypatch.delenv("F0_NOT_SET", raising=False)
    with client(api) as c:
        c.configure_authentication({"type": "bearer", "token_env": "F0_NOT_SET"})
        with pytest.raises(APIIntegrationError, match=r"'F0_NOT_SET'.*is not set"):
            c.make_request("GET", "/secure")


def oauth(api, secret=CLIENT_SECRET):
    return {
        "type": "oauth2",
        "token_url": f"{api.url}/token",
        "client_id": CLIENT_ID,
        "client_secret": secret,
    }


def test_oauth2_client_credentials_token_is_fetched_once_and_reused(api):
    with client(api) as c:
        c.configure_authentication(oauth(api))
        for _ in range(3):
            assert c.make_request("GET", "/secure").response.json() == {"secret": "data"}
    assert api.hits["/token"] == 1
    assert api.tokens == ["tok-1"]


def test_oauth2_revoked_token_is_renewed_once(api):
    with client(api) as c:
        c.configure_authentication(oauth(api))
        c.make_request("GET", "/secure")
        api.revoked.add("tok-1")
        assert c.make_request("GET", "/secure").response.status_code == 200
    assert api.tokens == ["tok-1", "tok-2"]


def test_oauth2_bad_client_secret_fails_without_leaking_it(api):
    with client(api) as c:
        c.configure_authentication(oauth(api, secret="wrong-secret-value"))
        with pytest.raises(APIIntegrationError) as info:
            c.make_request("GET", "/secure")
    assert "answered HTTP 401" in str(info.value)
    assert "wrong-secret-value" not in str(info.value)


def test_5xx_is_retried_until_success(api):
    with client(api, max_attempts=3) as c:
        result = c.make_request("GET", "/flaky/a/2")
    assert (result.response.status_code, result.attempts) == (200, 3)
    assert api.hits["/flaky/a/2"] == 3


def test_5xx_after_the_last_attempt_comes_back(api):
    with client(api, max_attempts=2) as c:
        result = c.make_request("GET", "/flaky/b/5")
    assert (result.response.status_code, result.attempts) == (503, 2)


def test_4xx_is_not_retried(api):
    with client(api) as c:
        result = c.make_request("GET", "/status/404")
    assert (result.response.status_code, result.attempts) == (404, 1)
    assert api.hits["/status/404"] == 1


def test_backoff_waits_grow_exponentially(api):
    waits: list[float] = []
    with APIClient(
        api.url, max_attempts=4, backoff_delay=1.0, backoff_factor=2.0, sleep=waits.append
    ) as c:
        c.make_request("GET", "/flaky/c/9")
    assert waits == [1.0, 2.0, 4.0]


def test_connection_refused_is_retried_then_raised(closed_port):
    waits: list[float] = []
    with (
        APIClient(f"http://127.0.0.1:{closed_port}", sleep=waits.append) as c,
        pytest.raises(APIIntegrationError, match=r"connection failed.*after 3 attempts"),
    ):
        c.make_request("GET", "/x")
    assert len(waits) == 2


def test_breaker_opens_and_stops_calling_the_server(api):
    breaker = CircuitBreaker(failure_threshold=3, timeout_seconds=60)
    with client(api, max_attempts=1, circuit_breaker=breaker) as c:
        for _ in range(3):
            assert c.make_request("GET", "/status/500").response.status_code == 500
        with pytest.raises(APIIntegrationError, match=r"circuit breaker .* is open"):
            c.make_request("GET", "/status/500")
    assert api.hits["/status/500"] == 3
    assert breaker.state == "open"


def test_open_breaker_stops_retrying_at_once(api):
    breaker = CircuitBreaker(failure_threshold=2, timeout_seconds=60)
    with (
        client(api, max_attempts=5, circuit_breaker=breaker) as c,
        pytest.raises(APIIntegrationError, match="is open"),
    ):
        c.make_request("GET", "/flaky/d/9")
    assert api.hits["/flaky/d/9"] == 2


def test_rate_limiter_takes_a_token_per_attempt(api):
    limiter = RateLimiter(requests_per_second=1000.0, burst_size=5)
    with client(api, rate_limiter=limiter) as c:
        c.make_request("GET", "/flaky/e/2")
    assert limiter.tokens <= 5
    assert api.hits["/flaky/e/2"] == 3


def test_invalid_url_is_one_clear_error():
    with (
        APIClient("") as c,
        pytest.raises(APIIntegrationError, match=r"unsupported URL|invalid URL"),
    ):
        c.make_request("GET", "ftp://example.invalid/x")
