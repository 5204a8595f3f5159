"""``type: health`` steps (in-process) and ``f0 health`` (in-process CLI)."""

from __future__ import annotations

import json

import pytest
from f0 import RunStatus, StepStatus
from f0.hooks import Hooks
from f0.testing import invoke_cli, run_recipe_file, write_project

CHECKS = """
def ok():
    return ("HEALTHY", "all good")

def broken():
    raise RuntimeError("backend unreachable")

def warn():
    return ("WARNING", "getting full", {"fill": 0.9})
"""
STEPS = """
def put(context, params):
    context.set("seeded", True)
    return 0
"""


def run(pm, tmp_path, steps_yaml):
    root = write_project(
        tmp_path,
        {
            "checks.py": CHECKS,
            "steps.py": STEPS,
            "recipe.yaml": "metadata: {name: h}\nsteps:\n" + steps_yaml,
        },
    )
    return run_recipe_file(Hooks(pm), root / "recipe.yaml")


def test_healthy_report_goes_to_the_context(health_pm, tmp_path):
    result = run(
        health_pm,
        tmp_path,
        "  - {name: pre, idx: 1, type: health, checks: [memory, disk], disk_paths: [.], custom: ['checks:ok', 'checks:warn'],"
        " thresholds: {memory: {warning: 100, critical: 100}, disk: {warning: 100, critical: 100}}}\n",
    )
    assert result.status is RunStatus.COMPLETED, result.steps["pre"].error
    report = result.context["pre.result"]
    assert report["status"] == "WARNING"
    assert [c["check_name"] for c in report["checks"]] == ["memory", "disk", "ok", "warn"]
    assert report["checks"][1]["metrics"]["disk_percent"] == {
        str(tmp_path / "."): pytest.approx(
            report["checks"][1]["metrics"]["disk_percent"][str(tmp_path / ".")]
        )
    }


def test_critical_fails_the_step_and_keeps_earlier_context(health_pm, tmp_path):
    result = run(
        health_pm,
        tmp_path,
        "  - {name: seed, idx: 1, module: steps, function: put}\n"
        "  - {name: pre, idx: 2, type: health, checks: [memory], thresholds: {memory: {critical: 0}}, custom: ['checks:broken'], depends_on: [seed]}\n",
    )
    assert result.status is RunStatus.FAILED
    error = result.steps["pre"].error
    assert error.startswith("health CRITICAL: memory CRITICAL: memory ")
    assert "(critical above 0%)" in error
    assert "broken CRITICAL: broken: check raised RuntimeError: backend unreachable" in error
    assert result.context["seeded"] is True


@pytest.mark.parametrize(
    ("fail_on", "status"),
    [
        ("warning", StepStatus.FAILED),
        ("critical", StepStatus.COMPLETED),
        ("never", StepStatus.COMPLETED),
    ],
)
def test_fail_on(health_pm, tmp_path, fail_on, status):
    result = run(
        health_pm,
        tmp_path,
        f"  - {{name: pre, idx: 1, type: health, checks: [], custom: ['checks:warn'], fail_on: {fail_on}}}\n",
    )
    assert result.steps["pre"].status is status


def test_missing_process_fails(health_pm, tmp_path):
    result = run(
        health_pm,
        tmp_path,
        "  - {name: pre, idx: 1, type: health, checks: [process], processes: [no-such-daemon-f0]}\n",
    )
    assert (
        result.steps["pre"].error
        == "health CRITICAL: process CRITICAL: not running: no-such-daemon-f0"
    )


BAD = {
    "checks": ("checks: [cpu, gpu]", "'checks' must be a list of cpu, memory, disk, process"),
    "process": ("checks: [process]", "the 'process' check needs 'processes'"),
    "fail_on": ("fail_on: sometimes", "'fail_on' must be one of critical, warning, never"),
    "threshold_metric": ("thresholds: {gpu: {warning: 1}}", "unknown metric 'gpu'"),
    "threshold_value": (
        "thresholds: {disk: {warning: 120}}",
        "thresholds.disk.warning must be a percentage 0-100",
    ),
    "custom_missing": ("custom: ['checks:nope']", "module 'checks' has no function 'nope'"),
    "custom_module": ("custom: ['nomod_f0:x']", "cannot import 'nomod_f0'"),
    "sample": ("sample_duration: -1", "'sample_duration' must be a number of seconds >= 0"),
    # issue 19: validated, then the sampling sleep overflowed
    "sample_huge": ("sample_duration: 1.0e300", "and at most 1,000,000,000, not a huge number"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_keys_are_reported_before_the_run(health_pm, tmp_path, case):
    text, message = BAD[case]
    write_project(
        tmp_path,
        {
            "checks.py": CHECKS,
            "recipe.yaml": f"metadata: {{name: h}}\nsteps:\n  - name: h\n    idx: 1\n    type: health\n    {text}\n",
        },
    )
    out = invoke_cli(health_pm, "validate", str(tmp_path / "recipe.yaml"))
    assert out.exit_code == 2, out.output
    assert message in out.output
    assert "recipe.yaml:6:" in out.output


@pytest.mark.parametrize(
    ("args", "code", "status"),
    [
        (["--warning", "100", "--critical", "100"], 0, "HEALTHY"),
        (["--warning", "0", "--critical", "100"], 1, "WARNING"),
        (["--warning", "0", "--critical", "0"], 2, "CRITICAL"),
        (["--disk", "/no/such/dir/f0", "--warning", "100", "--critical", "100"], 3, "UNKNOWN"),
    ],
)
def test_cli_exit_code_is_the_worst_status(health_pm, tmp_path, args, code, status):
    out = invoke_cli(
        health_pm, "health", "--json", "--only", "memory", "--only", "disk", "--sample", "0", *args
    )
    assert out.exit_code == code, out.output
    assert json.loads(out.stdout)["status"] == status


def test_cli_text_and_bad_options(health_pm, tmp_path, monkeypatch):
    out = invoke_cli(
        health_pm, "health", "--only", "memory", "--warning", "100", "--critical", "100"
    )
    assert out.stdout.splitlines()[-1] == "overall: HEALTHY"
    assert invoke_cli(health_pm, "health", "--only", "gpu").exit_code == 2
    out = invoke_cli(health_pm, "health", "--check", "no_mod_f0:x")
    assert out.exit_code == 2
    assert "--check: custom check 'no_mod_f0:x': cannot import" in out.stderr
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.py").write_text(CHECKS, encoding="utf-8")
    out = invoke_cli(
        health_pm,
        "health",
        "--json",
        "--only",
        "memory",
        "--warning",
        "100",
        "--critical",
        "100",
        "--check",
        "mine:warn",
    )
    assert out.exit_code == 1
    assert json.loads(out.stdout)["checks"][-1]["metrics"] == {"fill": 0.9}
