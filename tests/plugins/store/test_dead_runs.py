"""Dead runs are known to be dead: real ``f0 run`` processes, killed with SIGKILL.

A RUNNING run whose owner process is gone reads as CRASHED (list, show) and
is what ``--resume last`` resumes; a second process cannot resume a run a live
process is resuming; after a resume dies during its replay, ``--resume last``
picks the run with the most completed work and says so.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from f0_store import open_run_store

from tests.e2e.conftest import F0, run_f0

RECIPE = """\
metadata: {name: dead}
steps:
  - {name: a, idx: 1, type: shell, command: "true"}
  - {name: b, idx: 2, type: shell, command: "test -f go || sleep 30", depends_on: [a]}
  - {name: c, idx: 3, type: shell, command: "true", depends_on: [b]}
"""
STORE = ("--store", "sqlite:///s.db")
DATA = Path(__file__).parent / "data"


def _start(folder: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("F0_DEBUG", None)
    return subprocess.Popen(
        [str(F0), "run", "r.yaml", "-q", *STORE, *args],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )


def _wait_running(folder: Path, proc: subprocess.Popen[str], count: int) -> list[dict]:
    """Wait until *count* runs are recorded and the newest has step a done."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        out = run_f0("runs", "list", "--json", *STORE, cwd=folder)
        runs = out.json() if out.returncode == 0 else []
        if len(runs) >= count and runs[0]["steps_completed"] >= 1:
            return runs
        time.sleep(0.2)
    pytest.fail("the run never got going")


def _kill(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)


@pytest.fixture
def crashed(tmp_path: Path) -> tuple[Path, str]:
    """A folder whose store holds one run killed (SIGKILL) while step b ran."""
    (tmp_path / "r.yaml").write_text(RECIPE)
    proc = _start(tmp_path)
    runs = _wait_running(tmp_path, proc, 1)
    assert runs[0]["status"] == "RUNNING"
    _kill(proc)
    return tmp_path, runs[0]["run_id"]


@pytest.mark.slow
def test_a_killed_run_is_crashed_and_resume_last_resumes_it(crashed: tuple[Path, str]) -> None:
    folder, run_id = crashed
    listed = run_f0("runs", "list", "--json", *STORE, cwd=folder).json()
    assert [(r["run_id"], r["status"]) for r in listed] == [(run_id, "CRASHED")]
    table = run_f0("runs", "list", *STORE, cwd=folder)
    assert "CRASHED" in table.stdout
    shown = run_f0("runs", "show", run_id, "--json", *STORE, cwd=folder).json()
    assert shown["status"] == "CRASHED"

    (folder / "go").touch()
    resumed = run_f0("run", "r.yaml", "-q", "--resume", "last", *STORE, cwd=folder)
    assert resumed.returncode == 0, resumed
    assert f"resuming run {run_id} (CRASHED, 1/3 steps done)" in resumed.stderr
    newest = run_f0("runs", "list", "--json", *STORE, cwd=folder).json()[0]
    assert newest["status"] == "COMPLETED"


@pytest.mark.slow
def test_a_second_resume_of_a_run_being_resumed_is_refused(crashed: tuple[Path, str]) -> None:
    folder, run_id = crashed
    first = _start(folder, "--resume", run_id)
    try:
        _wait_running(folder, first, 2)
        for ref in (run_id, "last"):
            second = run_f0("run", "r.yaml", "-q", "--resume", ref, *STORE, cwd=folder)
            assert second.returncode == 2, second
            assert f"pid {first.pid}" in second.stderr, second
            assert "internal error" not in second.stderr
    finally:
        _kill(first)
    # Once the first resumer is dead, resuming works again.
    (folder / "go").touch()
    again = run_f0("run", "r.yaml", "-q", "--resume", run_id, *STORE, cwd=folder)
    assert again.returncode == 0, again


@pytest.mark.slow
def test_resume_last_prefers_the_run_with_more_work_over_a_resume_killed_in_replay(
    crashed: tuple[Path, str],
) -> None:
    folder, run_id = crashed
    first = _start(folder, "--resume", run_id)
    runs = _wait_running(folder, first, 2)
    _kill(first)
    resume_id = runs[0]["run_id"]
    # Killed while replaying: none of the replayed steps made it to the store.
    conn = sqlite3.connect(folder / "s.db")
    conn.execute("DELETE FROM steps WHERE run_id = ?", (resume_id,))
    conn.commit()
    conn.close()
    (folder / "go").touch()
    out = run_f0("run", "r.yaml", "-q", "--resume", "last", *STORE, cwd=folder)
    assert out.returncode == 0, out
    assert f"resuming run {run_id} (CRASHED, 1/3 steps done)" in out.stderr, out
    assert f"newest run {resume_id} (CRASHED, 0/3 steps done)" in out.stderr, out
    newest = run_f0("runs", "show", "last", "--json", *STORE, cwd=folder).json()
    assert newest["resumed_from"] == run_id


def _owner_row(db: Path, run_id: str, **values: object) -> None:
    conn = sqlite3.connect(db)
    sets = ", ".join(f"{k} = ?" for k in values)
    conn.execute(f"UPDATE run_owners SET {sets} WHERE run_id = ?", (*values.values(), run_id))
    conn.commit()
    conn.close()


def test_owner_on_another_host_is_judged_by_its_heartbeat(tmp_path: Path) -> None:
    from tests.plugins.store.helpers import start

    db = tmp_path / "s.db"
    store = open_run_store(f"sqlite:///{db}")
    try:
        start(store, "live", started_at=time.time())
        start(store, "stale", started_at=time.time())
        start(store, "reused-pid", started_at=time.time())
        _owner_row(db, "live", host="elsewhere", heartbeat_at=time.time())
        _owner_row(db, "stale", host="elsewhere", heartbeat_at=time.time() - 3600)
        # Same host, same pid (this process), another start time: the pid was reused.
        _owner_row(db, "reused-pid", proc_started=1.0)
        status = {s.run_id: s.status.value for s in store.list_runs()}
        assert status == {"live": "RUNNING", "stale": "CRASHED", "reused-pid": "CRASHED"}
        assert store.get_run("stale").status.value == "CRASHED"
    finally:
        store.close()


def test_a_store_made_by_the_previous_schema_opens_and_migrates(tmp_path: Path) -> None:
    """main's f0 wrote this file (schema 1): one completed run, one killed mid-run."""
    db = tmp_path / "v1.db"
    shutil.copy(DATA / "main-schema-v1.db", db)
    store = open_run_store(f"sqlite:///{db}")
    try:
        runs = store.list_runs()
        assert [r.status.value for r in runs] == ["CRASHED", "COMPLETED"]
        assert store.get_run(runs[1].run_id).steps.keys() == {"a", "b"}
    finally:
        store.close()
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("2",)
    conn.close()
    check = run_f0("store", "check", "--store", f"sqlite:///{db}", cwd=tmp_path)
    assert check.returncode == 0, check


def test_a_started_run_records_its_owner_and_beats_until_the_store_closes(tmp_path: Path) -> None:
    """The heartbeat thread beats every interval and stops when asked; close stops them all."""
    import threading

    from f0_store._owner import Heartbeat

    beats = threading.Semaphore(0)
    beat = Heartbeat(beats.release, interval=0.01)
    try:
        assert beats.acquire(timeout=10)
        assert beats.acquire(timeout=10)
    finally:
        beat.stop()
    time.sleep(0.05)
    while beats.acquire(blocking=False):  # drain what was in flight
        pass
    time.sleep(0.05)
    assert not beats.acquire(blocking=False)

    from tests.plugins.store.helpers import start

    db = tmp_path / "s.db"
    store = open_run_store(f"sqlite:///{db}")
    try:
        start(store, "r1", started_at=time.time())
        conn = sqlite3.connect(db)
        host, pid = conn.execute("SELECT host, pid FROM run_owners WHERE run_id = 'r1'").fetchone()
        conn.close()
        assert (host, pid) == (socket.gethostname(), os.getpid())
        assert store._heartbeats  # a live run beats
    finally:
        store.close()
    assert not store._heartbeats
