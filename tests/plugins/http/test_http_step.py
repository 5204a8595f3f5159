"""``type: http`` steps in recipes, run in-process against a real local server."""

from __future__ import annotations

import pytest
from f0 import RunStatus, StepStatus
from f0.hooks import Hooks
from f0.testing import invoke_cli, run_recipe_file, write_project

from .http_server import CLIENT_ID, CLIENT_SECRET

STEPS = """
def put(context, params):
    for key, value in params.items():
        context.set(key, value)
    return 0
"""


def run(http_pm, tmp_path, steps_yaml):
    root = write_project(
        tmp_path,
        {"steps.py": STEPS, "recipe.yaml": "metadata: {name: t}\nsteps:\n" + steps_yaml},
    )
    return run_recipe_file(Hooks(http_pm), root / "recipe.yaml")


def test_get_with_oauth2_writes_the_answer(http_pm, tmp_path, api, monkeypatch):
    monkeypatch.setenv("F0_TEST_SECRET", CLIENT_SECRET)
    result = run(
        http_pm,
        tmp_path,
        f"""
  - {{name: seed, idx: 1, module: steps, function: put, args: {{api.url: "{api.url}"}}}}
  - name: get
    idx: 2
    type: http
    base_url_from: api.url
    url: /secure
    auth: {{type: oauth2, token_url: /token, client_id: {CLIENT_ID}, client_secret_env: F0_TEST_SECRET}}
    rate_limit: {{requests_per_second: 100, burst_size: 2}}
    circuit_breaker: {{failure_threshold: 2, timeout_seconds: 5}}
    depends_on: [seed]
  - name: post
    idx: 3
    type: http
    method: POST
    url: {api.url}/echo
    params: {{q: x}}
    json: {{n: 1}}
    output_key: echoed
""",
    )
    assert result.status is RunStatus.COMPLETED, result.steps
    answer = result.context["get.result"]
    assert answer["status_code"] == 200
    assert answer["body"] == {"secret": "data"}
    assert answer["url"] == f"{api.url}/secure"
    assert answer["attempts"] == 1
    assert CLIENT_SECRET not in repr(result.context)
    echoed = result.context["echoed"]["body"]
    assert (echoed["method"], echoed["query"], echoed["body"]) == ("POST", {"q": "x"}, '{"n":1}')


def test_retries_then_succeeds(http_pm, tmp_path, api):
    result = run(
        http_pm,
        tmp_path,
        f"  - {{name: f, idx: 1, type: http, url: '{api.url}/flaky/s/2', backoff_delay: 0.01}}\n",
    )
    assert result.status is RunStatus.COMPLETED
    assert result.context["f.result"]["attempts"] == 3


@pytest.mark.parametrize(
    ("path", "extra", "message"),
    [
        ("/status/404", "", "GET {url}/status/404: HTTP 404 Not Found"),
        (
            "/flaky/x/9",
            "max_attempts: 2, backoff_delay: 0.01",
            "HTTP 503 Service Unavailable after 2 attempts",
        ),
        ("/notjson", "response: json", "the answer is not JSON"),
        ("/status/201", "expect_status: [200]", "HTTP 201 Created"),
    ],
)
def test_bad_answers_fail_the_step_and_keep_earlier_context(  # noqa: PLR0917
    http_pm, tmp_path, api, path, extra, message
):
    extra = f", {extra}" if extra else ""
    result = run(
        http_pm,
        tmp_path,
        f"""
  - {{name: seed, idx: 1, module: steps, function: put, args: {{kept: 1}}}}
  - {{name: call, idx: 2, type: http, url: '{api.url}{path}', depends_on: [seed]{extra}}}
""",
    )
    assert result.status is RunStatus.FAILED
    assert result.steps["call"].status is StepStatus.FAILED
    assert message.format(url=api.url) in result.steps["call"].error
    assert result.context["kept"] == 1
    assert "call.result" not in result.context


def test_connection_refused_fails_the_step(http_pm, tmp_path, closed_port):
    result = run(
        http_pm,
        tmp_path,
        f"  - {{name: c, idx: 1, type: http, url: 'http://127.0.0.1:{closed_port}/x', backoff_delay: 0.01}}\n",
    )
    error = result.steps["c"].error
    assert result.status is RunStatus.FAILED
    assert "connection failed" in error
    assert "after 3 attempts" in error


def test_token_never_appears_in_errors(http_pm, tmp_path, api):
    result = run(
        http_pm,
        tmp_path,
        f"  - {{name: s, idx: 1, type: http, url: '{api.url}/secure', auth: {{type: bearer, token: sup3r-s3cret}}}}\n",
    )
    assert result.status is RunStatus.FAILED
    assert "HTTP 401" in result.steps["s"].error
    assert "sup3r-s3cret" not in result.steps["s"].error


def test_missing_base_url_key_fails_clearly(http_pm, tmp_path):
    result = run(
        http_pm, tmp_path, "  - {name: g, idx: 1, type: http, base_url_from: nope, url: /x}\n"
    )
    assert result.steps["g"].error == "'base_url_from': the context has no key 'nope'"


BAD = {
    "method": ("method: FETCH", "'method' must be one of"),
    "no_url": ("method: GET", "http steps need 'url'"),
    "scheme": ("url: 'ftp://example.org/x'", "scheme must be http or https"),
    "relative": ("url: /x", "is not an absolute URL"),
    "port": ("url: 'http://127.0.0.1:notaport/x'", "is not a valid URL"),
    "auth_type": ("url: 'http://h/x'\n    auth: {type: magic}", "auth 'type' must be one of"),
    "auth_missing": ("url: 'http://h/x'\n    auth: {type: basic, username: u}", "needs 'password'"),
    "attempts": (
        "url: 'http://h/x'\n    max_attempts: 0",
        "'max_attempts' must be an integer >= 1",
    ),
    "rate": (
        "url: 'http://h/x'\n    rate_limit: {requests_per_second: 0}",
        "rate_limit.requests_per_second",
    ),
    "breaker_key": (
        "url: 'http://h/x'\n    circuit_breaker: {threshold: 3}",
        "unknown key 'threshold'",
    ),
    "status": ("url: 'http://h/x'\n    expect_status: [200, 999]", "'expect_status' must be"),
    # issue 19: numbers that validated, then overflowed the client's clock or retried forever
    "huge_timeout": (
        "url: 'http://h/x'\n    request_timeout: 1.0e300",
        "'request_timeout' must be at most 1,000,000,000, not 1e+300",
    ),
    "huge_attempts": (
        "url: 'http://h/x'\n    max_attempts: " + "1" + "0" * 400,
        "'max_attempts' must be at most 1,000,000,000, not a whole number of 1329 bits",
    ),
    "huge_factor": (
        "url: 'http://h/x'\n    backoff_factor: 1.0e300",
        "'backoff_factor' must be at most 1,000, not 1e+300",
    ),
    "huge_breaker": (
        "url: 'http://h/x'\n    circuit_breaker: {timeout_seconds: 1.0e300}",
        "'circuit_breaker.timeout_seconds' must be at most 1,000,000,000",
    ),
    "json_and_data": ("url: 'http://h/x'\n    json: {a: 1}\n    data: x", "give 'json' or 'data'"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_keys_are_reported_before_the_run_with_a_position(http_pm, tmp_path, case):
    text, message = BAD[case]
    write_project(
        tmp_path,
        {
            "recipe.yaml": f"metadata: {{name: t}}\nsteps:\n  - name: h\n    idx: 1\n    type: http\n    {text}\n"
        },
    )
    out = invoke_cli(http_pm, "validate", str(tmp_path / "recipe.yaml"))
    assert out.exit_code == 2, out.output
    assert message in out.output
    assert "recipe.yaml:" in out.output
    assert "Traceback" not in out.output


def test_position_points_at_the_key(http_pm, tmp_path):
    write_project(
        tmp_path,
        {
            "recipe.yaml": "metadata: {name: t}\nsteps:\n  - name: h\n    idx: 1\n    type: http\n    url: 'ftp://x/y'\n"
        },
    )
    out = invoke_cli(http_pm, "validate", str(tmp_path / "recipe.yaml"))
    assert "recipe.yaml:6:" in out.output


def test_step_type_is_listed(http_pm):
    assert "http" in Hooks(http_pm).step_types()
