"""Thresholds, real psutil checks on this machine, custom checks, reports."""

from __future__ import annotations

import json
import os
from pathlib import Path

import psutil
import pytest
from f0_health import (
    CustomHealthChecker,
    HealthReporter,
    HealthStatus,
    HealthThreshold,
    ServiceHealthChecker,
    SystemResourceChecker,
    load_check_function,
    percent_threshold,
    run_checks,
    worst,
)
from hypothesis import given
from hypothesis import strategies as st

H, W, C, U = HealthStatus.HEALTHY, HealthStatus.WARNING, HealthStatus.CRITICAL, HealthStatus.UNKNOWN


def test_default_thresholds_are_80_and_95():
    t = percent_threshold("cpu")
    assert (t.warning_max, t.critical_max) == (80.0, 95.0)
    assert [t.evaluate(v) for v in (0, 80, 80.1, 95, 95.1, 100)] == [H, H, W, W, C, C]
    assert SystemResourceChecker().thresholds["disk"] == percent_threshold("disk")
    assert SystemResourceChecker().sample_duration == 1.0


@given(
    value=st.floats(-1e6, 1e6),
    bounds=st.lists(st.one_of(st.none(), st.floats(-1e3, 1e3)), min_size=4, max_size=4),
    enabled=st.booleans(),
)
def test_threshold_evaluation_matches_the_spec(value, bounds, enabled):
    wmin, wmax, cmin, cmax = bounds
    t = HealthThreshold(
        metric_name="m",
        warning_min=wmin,
        warning_max=wmax,
        critical_min=cmin,
        critical_max=cmax,
        enabled=enabled,
    )

    def out(lo, hi):
        return (lo is not None and value < lo) or (hi is not None and value > hi)

    expected = H if not enabled else C if out(cmin, cmax) else W if out(wmin, wmax) else H
    assert t.evaluate(value) is expected


@given(st.lists(st.sampled_from([H, W, C, U])))
def test_worst_ranks_critical_unknown_warning_healthy(statuses):
    order = [H, W, U, C]
    assert worst(statuses) == max(statuses, key=order.index, default=H)


def test_memory_and_disk_against_psutil(tmp_path):
    checker = SystemResourceChecker(
        sample_duration=0.05, thresholds={"memory": percent_threshold("memory", 0.0, 100.0)}
    )
    mem = checker.check_memory_usage()
    assert mem.status is W, "any memory use is above a 0 % warning bound"
    assert 0 < mem.metrics["memory_percent"] <= 100
    assert mem.metrics["total_bytes"] == psutil.virtual_memory().total
    disk = checker.check_disk_usage([tmp_path, "/"])
    assert set(disk.metrics["disk_percent"]) == {str(tmp_path), "/"}
    assert disk.metrics["disk_percent"]["/"] == pytest.approx(
        psutil.disk_usage("/").percent, abs=1.0
    )
    assert disk.execution_time >= 0


def test_cpu_check_reports_a_percentage():
    cpu = SystemResourceChecker(
        sample_duration=0.05, thresholds={"cpu": percent_threshold("cpu", 100, 100)}
    ).check_cpu_usage()
    assert cpu.status is H
    assert 0 <= cpu.metrics["cpu_percent"] <= 100
    assert cpu.metrics["cpu_count"] == psutil.cpu_count()


def test_missing_disk_path_is_unknown(tmp_path):
    result = SystemResourceChecker().check_disk_usage([tmp_path / "nope"])
    assert result.status is U
    assert "FileNotFoundError" in result.error


def test_process_check_finds_this_process_and_names_missing_ones():
    me = Path(psutil.Process(os.getpid()).name()).name
    ok = ServiceHealthChecker().check_process_running([me])
    assert ok.status is H
    assert ok.metrics["processes"][me] >= 1
    bad = ServiceHealthChecker().check_process_running([me, "no-such-process-f0"])
    assert bad.status is C
    assert bad.message == "not running: no-such-process-f0"


def test_custom_checks():
    custom = CustomHealthChecker()
    custom.register_check("queue", lambda: (HealthStatus.WARNING, "queue 120 deep", {"depth": 120}))
    custom.register_check("text", lambda: ("healthy", "fine"))
    custom.register_check("boom", lambda: 1 / 0)
    custom.register_check("shape", lambda: "ok")
    results = {r.check_name: r for r in custom.run_all()}
    assert (results["queue"].status, results["queue"].metrics) == (W, {"depth": 120})
    assert results["text"].status is H
    assert results["boom"].status is C
    assert results["boom"].error == "ZeroDivisionError: division by zero"
    assert results["shape"].status is C
    assert "must return (status, message" in results["shape"].error


def test_reports_in_three_formats(tmp_path):
    custom = CustomHealthChecker()
    custom.register_check("c", lambda: (HealthStatus.CRITICAL, "bad"))
    report = run_checks(
        ["memory", "disk"], disk_paths=[str(tmp_path)], custom=custom, sample_duration=0
    )
    assert report["status"] == "CRITICAL"
    assert [c["check_name"] for c in report["checks"]] == ["memory", "disk", "c"]
    reporter = HealthReporter()
    assert json.loads(reporter.format_health_report(report, "json"))["status"] == "CRITICAL"
    text = reporter.format_health_report(report)
    assert text.splitlines()[-1] == "overall: CRITICAL"
    assert "| c | CRITICAL | bad |" in reporter.format_health_report(report, "markdown")


def test_load_check_function(tmp_path):
    (tmp_path / "mychecks.py").write_text(
        "def ok():\n    return ('HEALTHY', 'fine')\n", encoding="utf-8"
    )
    assert load_check_function("mychecks:ok", tmp_path)() == ("HEALTHY", "fine")
    for spec, message in [
        ("mychecks", "write it as module:function"),
        ("mychecks:nope", "has no function 'nope'"),
        ("no_such_mod_f0:x", "cannot import 'no_such_mod_f0'"),
    ]:
        with pytest.raises(ValueError, match=message):
            load_check_function(spec, tmp_path)
