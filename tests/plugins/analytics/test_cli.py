"""f0 stats and f0 metrics over a real SQLite run store filled with known durations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from f0.testing import CliOutcome, invoke_cli, make_test_plugin_manager
from prometheus_client.parser import text_string_to_metric_families

from tests.plugins.analytics.support import PLUGINS, T0, hooks, record_run, write_recipe

# 30 runs. a: about 1 s with one 5 s outlier (run 17); b: grows 0.1 s per run;
# c: fails every 5th run; d: constant.
N = 30
OUTLIER = 17


def _a(i: int) -> float:
    return 5.0 if i == OUTLIER else 1.0 + 0.01 * ((i * 7) % 5)


def _run_id(i: int) -> str:
    return f"run-{i:03d}"


@pytest.fixture
def filled(tmp_path: Path) -> tuple[Path, str]:
    recipe_path = write_recipe(tmp_path)
    h = hooks()
    recipe = h.load_recipe(recipe_path)
    url = f"sqlite:///{tmp_path / 'hist.db'}"
    store = h.run_store(url)
    try:
        for i in range(N):
            c_fails = i % 5 == 4
            record_run(
                store,
                recipe,
                _run_id(i),
                {
                    "a": ("COMPLETED", _a(i)),
                    "b": ("COMPLETED", 0.5 + 0.1 * i),
                    "c": ("FAILED" if c_fails else "COMPLETED", 0.3),
                    "d": ("SKIPPED" if c_fails else "COMPLETED", 0.0 if c_fails else 0.2),
                },
                started_at=T0 + 100 * i,
                status="FAILED" if c_fails else "COMPLETED",
            )
    finally:
        store.close()
    return recipe_path, url


def _cli(*args: str) -> CliOutcome:
    return invoke_cli(make_test_plugin_manager(PLUGINS), *args, env={})


def _stats(recipe: Path, url: str, *extra: str) -> dict[str, Any]:
    out = _cli("stats", str(recipe), "--json", "--store", url, *extra)
    assert out.exit_code == 0, out.output
    return json.loads(out.stdout)


def test_stats_per_step(filled: tuple[Path, str]) -> None:
    recipe, url = filled
    result = _stats(recipe, url)
    assert result["runs"] == N
    assert result["statuses"] == {"COMPLETED": 24, "FAILED": 6}
    steps = {s["step"]: s for s in result["steps"]}
    assert list(steps) == ["a", "b", "c", "d"]  # recipe order
    a_values = np.array([_a(i) for i in range(N)])
    a = steps["a"]
    assert a["count"] == N
    assert a["mean"] == pytest.approx(a_values.mean())
    assert a["median"] == pytest.approx(np.median(a_values))
    assert a["std_dev"] == pytest.approx(a_values.std(ddof=1))
    for q in (50, 90, 95, 99, 99.9):
        assert a[f"p{q:g}"] == pytest.approx(np.percentile(a_values, q, method="linear"))
    assert a["success_rate"] == 1.0
    flagged = {(x["run_id"], x["method"]) for x in a["anomalies"]}
    assert flagged == {(_run_id(OUTLIER), "zscore"), (_run_id(OUTLIER), "iqr")}
    assert all(x["value"] == 5.0 for x in a["anomalies"])
    assert steps["b"]["trend"]["direction"] == "increasing"
    assert steps["b"]["trend"]["slope"] == pytest.approx(0.1)
    assert steps["d"]["trend"]["direction"] == "stable"
    # c failed in 6 of 30 runs; its durations are those of the 24 it completed.
    assert steps["c"]["success_rate"] == pytest.approx(24 / 30)
    assert steps["c"]["count"] == 24
    assert steps["d"]["statuses"] == {"COMPLETED": 24, "SKIPPED": 6}
    assert steps["d"]["success_rate"] == 1.0  # skipped runs are not failures


def test_stats_last_n_and_sensitivity(filled: tuple[Path, str]) -> None:
    recipe, url = filled
    last10 = _stats(recipe, url, "--last", "10")
    assert last10["runs"] == 10
    assert last10["first_run"] == _run_id(N - 10)
    b = next(s for s in last10["steps"] if s["step"] == "b")
    expected = [0.5 + 0.1 * i for i in range(N - 10, N)]
    assert b["p90"] == pytest.approx(np.percentile(expected, 90))
    # A high threshold flags no z-score anomaly; IQR ones stay.
    relaxed = _stats(recipe, url, "--sensitivity", "10")
    a = next(s for s in relaxed["steps"] if s["step"] == "a")
    assert {x["method"] for x in a["anomalies"]} == {"iqr"}


def test_stats_text(filled: tuple[Path, str]) -> None:
    recipe, url = filled
    out = _cli("stats", str(recipe), "--store", url)
    assert out.exit_code == 0, out.output
    lines = out.stdout.splitlines()
    assert lines[0].startswith("demo: 30 runs (COMPLETED 24, FAILED 6), run-000 .. run-029")
    assert any(line.split()[:3] == ["a", "30", "100%"] for line in lines)
    assert any("run-017" in line and "zscore" in line for line in lines)


def test_stats_bad_input(filled: tuple[Path, str], tmp_path: Path) -> None:
    recipe, url = filled
    out = _cli("stats", str(recipe), "--store", url, "--sensitivity", "0")
    assert out.exit_code == 2
    assert out.stderr.strip() == "--sensitivity: must be greater than 0, not 0"
    out = _cli("stats", str(tmp_path / "missing.yaml"), "--store", url)
    assert out.exit_code == 2
    assert "recipe file does not exist" in out.stderr
    empty = _stats(recipe, f"sqlite:///{tmp_path / 'never.db'}")
    assert empty["runs"] == 0
    assert not (tmp_path / "never.db").exists()  # reading does not create a store
    text = _cli("stats", str(recipe), "--store", f"sqlite:///{tmp_path / 'never.db'}")
    assert "no recorded runs" in text.stdout


def test_metrics_exposition(filled: tuple[Path, str]) -> None:
    _, url = filled
    out = _cli("metrics", "--store", url)
    assert out.exit_code == 0, out.output
    families = {f.name: f for f in text_string_to_metric_families(out.stdout)}
    runs = {s.labels["status"]: s.value for s in families["f0_runs"].samples}
    assert runs == {"COMPLETED": 24.0, "FAILED": 6.0}
    hist = families["f0_step_duration_seconds"]
    count = next(
        s.value for s in hist.samples if s.name.endswith("_count") and s.labels["step"] == "a"
    )
    assert count == N
    inf = next(
        s.value
        for s in hist.samples
        if s.name.endswith("_bucket") and s.labels["step"] == "a" and s.labels["le"] == "+Inf"
    )
    le1 = next(
        s.value
        for s in hist.samples
        if s.name.endswith("_bucket") and s.labels["step"] == "a" and s.labels["le"] == "2.5"
    )
    assert (inf, le1) == (N, N - 1)  # the 5 s outlier is the only one above 2.5 s
    summary = families["f0_step_duration_quantiles_seconds"]
    p99 = next(
        s.value
        for s in summary.samples
        if s.labels.get("quantile") == "0.99" and s.labels["step"] == "b"
    )
    assert p99 == pytest.approx(np.percentile([0.5 + 0.1 * i for i in range(N)], 99))
    statuses = {
        (s.labels["step"], s.labels["status"]): s.value for s in families["f0_step_runs"].samples
    }
    assert statuses[("c", "FAILED")] == 6
    assert statuses[("d", "SKIPPED")] == 6


def test_metrics_of_an_empty_store(tmp_path: Path) -> None:
    out = _cli("metrics", "--store", f"sqlite:///{tmp_path / 'none.db'}")
    assert out.exit_code == 0
    families = {f.name: f for f in text_string_to_metric_families(out.stdout)}
    assert families["f0_runs"].samples == []


def test_a_damaged_analytics_file_falls_back_to_the_store(filled: tuple[Path, str]) -> None:
    recipe, url = filled
    damaged = recipe.parent / "hist.analytics.db"
    damaged.write_bytes(b"this is not a database" * 100)
    out = _cli("stats", str(recipe), "--json", "--store", url)
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["runs"] == N
    assert (
        "analytics file unreadable (file is not a database); using the run store only" in out.stderr
    )
    report = recipe.parent / "r.html"
    out = _cli("report", "last", "--store", url, "-o", str(report))
    assert out.exit_code == 0, out.output
    assert "run-029" in report.read_text()
