"""The observer: real runs write per-step metrics next to the run store, durably."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from f0.testing import invoke_cli
from f0_analytics._graph import STATUS_COLORS

from tests.plugins.analytics.support import PLUGINS, write_recipe

F0 = Path(sys.executable).with_name("f0")

BUSY = """
metadata: {name: busy}
steps:
  - {name: burn, idx: 1, module: work, function: burn, args: {cpu_seconds: 0.15}}
  - {name: left, idx: 2, module: work, function: nap, args: {seconds: 0.2}, depends_on: [burn]}
  - {name: right, idx: 3, module: work, function: nap, args: {seconds: 0.2}, depends_on: [burn]}
  - {name: join, idx: 4, module: work, function: nap, depends_on: [left, right]}
"""

WORK = """
import time

def burn(context, params):
    end = time.thread_time() + params["cpu_seconds"]
    while time.thread_time() < end:
        pass

def nap(context, params):
    time.sleep(params.get("seconds", 0))
"""


def _project(tmp_path: Path, recipe: str = BUSY) -> Path:
    path = write_recipe(tmp_path, recipe, name="busy.yaml")
    (tmp_path / "work.py").write_text(WORK, encoding="utf-8")
    return path


def _rows(db: Path, sql: str) -> list[Any]:
    conn = sqlite3.connect(db)
    try:
        conn.row_factory = sqlite3.Row
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_a_run_writes_each_steps_metrics_next_to_the_store(tmp_path: Path) -> None:
    from f0.manager import PluginSelection, make_plugin_manager

    recipe = _project(tmp_path)
    store = tmp_path / "hist" / "runs.db"
    pm = make_plugin_manager(PluginSelection(autoload=False, load=PLUGINS, strict=True))
    out = invoke_cli(
        pm, "run", str(recipe), "-q", "--workers", "2", "--store", f"sqlite:///{store}", env={}
    )
    assert out.exit_code == 0, out.output
    db = tmp_path / "hist" / "runs.analytics.db"
    assert db.is_file()
    (run,) = _rows(db, "SELECT * FROM runs")
    assert run["status"] == "COMPLETED"
    assert run["recipe_name"] == "busy"
    assert run["recipe_path"] == str(recipe.resolve())
    steps = {r["step"]: r for r in _rows(db, "SELECT * FROM steps")}
    assert set(steps) == {"burn", "left", "right", "join"}
    for row in steps.values():
        assert row["status"] == "COMPLETED"
        assert row["attempts"] == 1
        assert row["duration_s"] == pytest.approx(row["finished_at"] - row["started_at"])
        assert row["queue_wait_s"] >= 0
        assert row["rss_bytes"] > 10 * 2**20
    # A busy step spends CPU, a sleeping one hardly any.
    assert steps["burn"]["cpu_s"] >= 0.1
    assert steps["left"]["cpu_s"] < 0.05
    # Queue wait: from the last dependency's end to the step's start.
    ready = max(steps["left"]["finished_at"], steps["right"]["finished_at"])
    assert steps["join"]["queue_wait_s"] == pytest.approx(steps["join"]["started_at"] - ready)
    assert steps["left"]["queue_wait_s"] == pytest.approx(
        steps["left"]["started_at"] - steps["burn"]["finished_at"]
    )


def test_no_store_no_metrics(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from f0.manager import PluginSelection, make_plugin_manager

    recipe = _project(tmp_path)
    pm = make_plugin_manager(PluginSelection(autoload=False, load=PLUGINS, strict=True))
    monkeypatch.chdir(tmp_path)
    out = invoke_cli(pm, "run", str(recipe), "-q", "--store", "none", env={})
    assert out.exit_code == 0, out.output
    assert not (tmp_path / ".f0").exists()


def test_an_unwritable_analytics_file_does_not_fail_the_run(tmp_path: Path) -> None:
    from f0.manager import PluginSelection, make_plugin_manager

    recipe = _project(tmp_path)
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, so no folder can be made under it")
    pm = make_plugin_manager(PluginSelection(autoload=False, load=PLUGINS, strict=True))
    out = invoke_cli(
        pm,
        "run",
        str(recipe),
        "-q",
        "--store",
        f"sqlite:///{tmp_path / 'runs.db'}",
        env={"F0_ANALYTICS_DB": str(blocker / "x.db")},
    )
    assert out.exit_code == 0, out.output
    assert "analytics.write_failed" in out.stderr


CRASHY = """
metadata: {name: crashy}
steps:
  - {name: first, idx: 1, module: work, function: nap}
  - {name: second, idx: 2, module: work, function: nap, depends_on: [first]}
  - {name: stuck, idx: 3, module: work, function: nap, args: {seconds: 60}, depends_on: [second]}
"""


@pytest.mark.slow
def test_steps_finished_before_a_kill_are_kept(tmp_path: Path) -> None:
    recipe = _project(tmp_path, CRASHY)
    proc = subprocess.Popen(
        [str(F0), "run", str(recipe), "-q"],
        cwd=tmp_path,
        env={**os.environ, "NO_COLOR": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    db = tmp_path / ".f0" / "f0.analytics.db"
    try:
        deadline = time.monotonic() + 60
        done: list[Any] = []
        while time.monotonic() < deadline:
            if db.exists():
                try:
                    done = _rows(db, "SELECT step FROM steps")
                except sqlite3.OperationalError:  # created, schema not there yet
                    done = []
                if len(done) == 2:
                    break
            time.sleep(0.05)
        assert len(done) == 2, "the two quick steps were never recorded"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    steps = {r["step"]: r["status"] for r in _rows(db, "SELECT step, status FROM steps")}
    assert steps == {"first": "COMPLETED", "second": "COMPLETED"}
    (run,) = _rows(db, "SELECT status FROM runs")
    assert run["status"] == "RUNNING"  # never finished: it was killed
    # The killed run still has a report: what finished, and no final context.
    report = subprocess.run(
        [str(F0), "report", "last", "-o", "killed.html"],
        cwd=tmp_path,
        env={**os.environ, "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert report.returncode == 0, report.stderr
    html = (tmp_path / "killed.html").read_text()
    # The store knows its process is gone (issue 19): the run reads as CRASHED.
    assert f'id="run-status" style="background:{STATUS_COLORS["FAILED"]}">CRASHED<' in html
    assert html.count('<g class="bar"') == 2
    assert '<g class="node" data-step="stuck" data-status="PENDING">' in html  # from the recipe
    assert "no final context was recorded" in html


FLAKY = """
metadata: {name: flaky}
steps:
  - {name: a, idx: 1, module: work, function: nap}
  - {name: b, idx: 2, module: work, function: nap, depends_on: [a]}
  - {name: c, idx: 3, module: work, function: maybe_fail, depends_on: [b]}
"""

MAYBE = """

def maybe_fail(context, params):
    if context.get("fail"):
        raise RuntimeError("asked to fail")
"""


def test_replayed_steps_of_a_resumed_run_are_not_duration_samples(tmp_path: Path) -> None:
    import json

    from f0.manager import PluginSelection, make_plugin_manager

    recipe = _project(tmp_path, FLAKY)
    with (tmp_path / "work.py").open("a") as handle:
        handle.write(MAYBE)
    store = f"sqlite:///{tmp_path / 'runs.db'}"

    def cli(*args: str) -> Any:
        pm = make_plugin_manager(PluginSelection(autoload=False, load=PLUGINS, strict=True))
        return invoke_cli(pm, *args, env={})

    assert cli("run", str(recipe), "-q", "--store", store, "--set", "fail=true").exit_code == 1
    resumed = cli(
        "run", str(recipe), "-q", "--store", store, "--resume", "last", "--set", "fail=false"
    )
    assert resumed.exit_code == 0, resumed.output
    db = tmp_path / "runs.analytics.db"
    rows = _rows(db, "SELECT run_id, step, status, attempts FROM steps ORDER BY recorded_at")
    assert [(r["step"], r["status"], r["attempts"]) for r in rows] == [
        ("a", "COMPLETED", 1),
        ("b", "COMPLETED", 1),
        ("c", "FAILED", 1),
        ("a", "COMPLETED", 0),  # replayed from the first run
        ("b", "COMPLETED", 0),
        ("c", "COMPLETED", 1),
    ]
    out = cli("stats", str(recipe), "--json", "--store", store)
    steps = {s["step"]: s for s in json.loads(out.stdout)["steps"]}
    assert (steps["a"]["count"], steps["a"]["runs"]) == (1, 2)
    assert steps["a"]["success_rate"] == 1.0
    assert (steps["c"]["count"], steps["c"]["success_rate"]) == (1, 0.5)


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="Linux /proc only")
def test_a_forked_child_reads_its_own_rss() -> None:
    # The parent's reading is fresh (well within RSS_EVERY_S) when it forks: the
    # child must not answer with it, nor read the parent's /proc/self.
    from f0_analytics._collect import current_rss

    assert current_rss()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: grow by 64 MiB, then ask
        code = 1
        try:
            ballast = bytearray(64 << 20)
            ballast[::4096] = b"x" * len(ballast[::4096])
            mine = int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            said = current_rss() or 0
            code = 0 if abs(said - mine) < (16 << 20) else 2
        finally:
            os.write(write, bytes([code]))
            os._exit(0)
    os.close(write)
    answer = os.read(read, 1)
    os.waitpid(pid, 0)
    os.close(read)
    assert answer == b"\x00"
