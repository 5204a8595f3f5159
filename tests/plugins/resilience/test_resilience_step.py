"""Per-step resilience keys in recipes (in-process), through the f0_step_runner wrapper."""

from __future__ import annotations

import pickle

import pytest
from f0 import RunStatus, StepStatus
from f0.hooks import Hooks
from f0.testing import invoke_cli, run_recipe_file, write_project
from f0_resilience import ResilientRunner

STEPS = """
from pathlib import Path

def put(context, params):
    for key, value in params.items():
        context.set(key, value)
    return 0

def fail(context, params):
    log = Path(params["log"])
    with log.open("a") as f:
        f.write("call\\n")
    raise ConnectionError("service down")

def ok(context, params):
    log = Path(params["log"])
    with log.open("a") as f:
        f.write("call\\n")
    context.set(params.get("key", "ok.done"), True)
    return 0
"""


def run(pm, tmp_path, steps_yaml, **options):
    root = write_project(
        tmp_path, {"steps.py": STEPS, "recipe.yaml": "metadata: {name: r}\nsteps:\n" + steps_yaml}
    )
    return run_recipe_file(Hooks(pm), root / "recipe.yaml", **options)


def calls(tmp_path, name="log.txt"):
    path = tmp_path / name
    return len(path.read_text().splitlines()) if path.exists() else 0


def test_every_runner_is_wrapped_and_still_works(res_pm, tmp_path):
    runner = Hooks(res_pm).step_runner("python")
    assert isinstance(runner, ResilientRunner)
    assert {"circuit_breaker", "rate_limit", "bulkhead", "fallback"} <= runner.option_keys
    assert callable(runner.code_digest), "optional runner methods reach the inner runner"
    assert pickle.loads(pickle.dumps(runner)) == runner
    result = run(
        res_pm,
        tmp_path,
        f"  - {{name: a, idx: 1, module: steps, function: ok, args: {{log: '{tmp_path}/log.txt'}}}}\n",
    )
    assert result.status is RunStatus.COMPLETED


def test_breaker_stops_calling_once_open_while_the_kernel_retries(res_pm, tmp_path):
    result = run(
        res_pm,
        tmp_path,
        f"""
  - {{name: seed, idx: 1, module: steps, function: put, args: {{kept: 1}}}}
  - name: call
    idx: 2
    module: steps
    function: fail
    args: {{log: '{tmp_path}/log.txt'}}
    retry_count: 4
    retry: {{delay: 0.01, jitter: 0}}
    circuit_breaker: {{failure_threshold: 2, recovery_timeout: 60, name: svc-a}}
    depends_on: [seed]
""",
    )
    step = result.steps["call"]
    assert result.status is RunStatus.FAILED
    assert step.attempts == 5
    assert calls(tmp_path) == 2, "attempts 3-5 must be refused without calling the step"
    assert "circuit breaker 'svc-a' is open after 2 failures" in step.error
    assert result.context["kept"] == 1


def test_fallback_on_the_last_attempt_only(res_pm, tmp_path):
    result = run(
        res_pm,
        tmp_path,
        f"""
  - name: call
    idx: 1
    module: steps
    function: fail
    args: {{log: '{tmp_path}/log.txt'}}
    retry_count: 2
    retry: {{delay: 0.01, jitter: 0}}
    fallback: {{set: {{prices: {{source: cache, eur: 1.1}}}}}}
  - {{name: after, idx: 2, module: steps, function: put, args: {{after.ran: true}}, depends_on: [call]}}
""",
    )
    assert result.status is RunStatus.COMPLETED
    assert calls(tmp_path) == 3, "the kernel's retries run before the fallback"
    assert result.context["prices"] == {"source": "cache", "eur": 1.1}
    assert result.context["call.fallback"] == {
        "used": True,
        "error": "ConnectionError: service down",
    }
    assert result.context["after.ran"] is True


def test_rate_limit_and_bulkhead_let_steps_run(res_pm, tmp_path):
    steps = "".join(
        f"  - {{name: s{i}, idx: {i}, module: steps, function: ok, args: {{log: '{tmp_path}/log.txt', key: 's{i}.done'}}, "
        "rate_limit: {requests_per_second: 200, burst_size: 1, name: shared}, bulkhead: {name: pool, max_capacity: 5}}\n"
        for i in range(1, 5)
    )
    result = run(res_pm, tmp_path, steps)
    assert result.status is RunStatus.COMPLETED
    assert calls(tmp_path) == 4


def test_full_bulkhead_fails_the_step_not_the_run(res_pm, tmp_path):
    from f0_resilience._shared import shared_bulkhead

    bulkhead = shared_bulkhead()
    bulkhead.create_compartment("busy-test", max_capacity=1)
    bulkhead.acquire("busy-test")
    try:
        result = run(
            res_pm,
            tmp_path,
            f"  - {{name: b, idx: 1, module: steps, function: ok, args: {{log: '{tmp_path}/log.txt'}}, bulkhead: {{name: busy-test, max_capacity: 1}}}}\n",
        )
    finally:
        bulkhead.release("busy-test", success=True)
    assert result.steps["b"].status is StepStatus.FAILED
    assert result.steps["b"].error == "bulkhead 'busy-test' is full (1 calls running); call refused"
    assert calls(tmp_path) == 0


def test_process_pool_runs_wrapped_runners(res_pm, tmp_path):
    result = run(
        res_pm,
        tmp_path,
        f"  - {{name: p, idx: 1, module: steps, function: ok, args: {{log: '{tmp_path}/log.txt'}}, circuit_breaker: true}}\n",
        pool="process",
        workers=1,
    )
    assert result.status is RunStatus.COMPLETED, result.steps["p"].error


BAD = {
    "cb_type": ("circuit_breaker: 3", "'circuit_breaker' must be a mapping"),
    "cb_field": (
        "circuit_breaker: {failure_threshold: 0}",
        "'circuit_breaker.failure_threshold' must be an integer >= 1",
    ),
    "cb_unknown": ("circuit_breaker: {threshold: 2}", "circuit_breaker: unknown key 'threshold'"),
    "rl_rate": (
        "rate_limit: {requests_per_second: -1}",
        "'rate_limit.requests_per_second' must be a number > 0",
    ),
    # issue 19: validated, then "OverflowError: int too large to convert to float" in the run
    "rl_huge": (
        "rate_limit: {requests_per_second: 1.0e300}",
        "'rate_limit.requests_per_second' must be a number > 0 and at most 1,000,000,000",
    ),
    "bh_huge": (
        "bulkhead: {max_capacity: " + "1" + "0" * 40 + "}",
        "'bulkhead.max_capacity' must be an integer >= 1 and at most 1,000,000,000",
    ),
    "fb_set": ("fallback: {value: 1}", "'fallback' needs 'set'"),
    "bh_order": (
        "bulkhead: {failure_threshold: 5, isolation_threshold: 2}",
        "isolation_threshold' must be >=",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_keys_are_reported_with_positions(res_pm, tmp_path, case):
    text, message = BAD[case]
    write_project(
        tmp_path,
        {
            "steps.py": STEPS,
            "recipe.yaml": f"metadata: {{name: r}}\nsteps:\n  - name: a\n    idx: 1\n    module: steps\n    function: put\n    {text}\n",
        },
    )
    out = invoke_cli(res_pm, "validate", str(tmp_path / "recipe.yaml"))
    assert out.exit_code == 2, out.output
    assert message in out.output
    assert "recipe.yaml:7:" in out.output


def test_without_the_plugin_the_keys_are_unknown(tmp_path):
    from f0.testing import FIRST_PARTY_PLUGINS, make_test_plugin_manager

    pm = make_test_plugin_manager(FIRST_PARTY_PLUGINS)
    write_project(
        tmp_path,
        {
            "steps.py": STEPS,
            "recipe.yaml": "metadata: {name: r}\nsteps:\n  - {name: a, idx: 1, module: steps, function: put, circuit_breaker: true}\n",
        },
    )
    out = invoke_cli(pm, "validate", str(tmp_path / "recipe.yaml"))
    assert "unknown key 'circuit_breaker'" in out.output


def test_http_keeps_its_own_keys_and_gets_fallback(tmp_path):
    import socket

    from f0.testing import FIRST_PARTY_PLUGINS, make_test_plugin_manager

    pm = make_test_plugin_manager((*FIRST_PARTY_PLUGINS, "http", "resilience"))
    runner = Hooks(pm).step_runner("http")
    assert isinstance(runner, ResilientRunner)
    assert runner.owned == {"bulkhead", "fallback"}, (
        "http defines rate_limit and circuit_breaker itself"
    )
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = run(
        pm,
        tmp_path,
        f"  - {{name: get, idx: 1, type: http, url: 'http://127.0.0.1:{port}/x', max_attempts: 2, backoff_delay: 0.01,"
        " circuit_breaker: {failure_threshold: 5}, fallback: {set: {get.result: {status_code: 0, body: cached}}}}\n",
    )
    assert result.status is RunStatus.COMPLETED
    assert result.context["get.result"] == {"status_code": 0, "body": "cached"}
    assert "connection failed" in result.context["get.fallback"]["error"]
