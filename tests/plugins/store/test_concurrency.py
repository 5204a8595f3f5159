"""Many processes and threads on one store file: nobody fails with "database is locked"."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from f0 import StepStatus
from f0_store import SnapshotManager, open_context_store, open_run_store
from f0_store._db import Database

from tests.plugins.store.helpers import record, start

# One worker process: opens the (maybe not yet existing) file, records a whole
# run step by step, a cache entry per step, a context key per step and a
# snapshot, each write its own transaction, all while seven others do the same.
WORKER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from f0 import CacheEntry, Recipe, RunInfo, RunResult, RunStatus, Step, StepResult, StepStatus
    from f0_store import SnapshotManager, open_context_store, open_run_store
    from tests.plugins.store.helpers import record

    url, worker, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    run_id = f"run-{worker}"
    recipe = Recipe(name=f"w{worker}", steps=[Step(name=f"s{i}", idx=i) for i in range(steps)],
                    path=Path(f"w{worker}.yaml"))
    store = open_run_store(url)
    ctx = open_context_store(url)
    info = RunInfo(run_id=run_id, recipe=recipe, started_at=time.time())
    store.start_run(info, recipe_hash="h", params={"worker": worker})
    for i in range(steps):
        store.record_step(run_id, record(f"s{i}", seq=i + 1, changes={f"k{worker}.{i}": i}))
        ctx.write({f"w{worker}.{i}": i}, [f"w{worker}.{i - 1}"] if i % 2 else [])
        if i % 25 == 0:
            store.cache_put(CacheEntry(recipe_path=str(recipe.path.resolve()), step_name=f"s{i}",
                                       fingerprint=str(i), definition={}))
            store.list_runs(limit=3)
    with SnapshotManager(url=url) as snaps:
        snaps.create_snapshot({"worker": worker}, tags=[f"w{worker}"])
    results = {f"s{i}": StepResult(name=f"s{i}", status=StepStatus.COMPLETED) for i in range(steps)}
    store.finish_run(RunResult(run_id=run_id, recipe_name=recipe.name, status=RunStatus.COMPLETED,
                               steps=results, context={"worker": worker},
                               started_at=info.started_at, finished_at=time.time()))
    store.close()
    ctx.close()
    """
)

ROOT = Path(__file__).resolve().parents[3]  # worker processes import tests.plugins.store.helpers
PROCESSES = 8
STEPS = 150


@pytest.mark.slow
def test_eight_processes_write_one_new_store(tmp_path):
    url = f"sqlite:///{tmp_path}/new/f0.db"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, url, str(n), str(STEPS)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for n in range(PROCESSES)
    ]
    outputs = [p.communicate(timeout=240) for p in procs]
    for proc, (_, stderr) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, stderr
        assert "locked" not in stderr

    store = open_run_store(url)
    runs = store.list_runs()
    assert sorted(r.run_id for r in runs) == [f"run-{n}" for n in range(PROCESSES)]
    for summary in runs:
        assert summary.steps_completed == summary.steps_total == STEPS
        run = store.get_run(summary.run_id)
        assert [s.seq for s in run.steps.values()] == list(range(1, STEPS + 1))
    assert len(store.cache_list()) == PROCESSES * len(range(0, STEPS, 25))
    store.close()
    ctx = open_context_store(url)
    data = dict(ctx.load())
    # Odd steps removed the key of the step before: keys of even steps remain only if
    # the next (odd) step did not remove them, i.e. the last one when STEPS is odd.
    expected = {f"w{n}.{i}": i for n in range(PROCESSES) for i in range(1, STEPS, 2)}
    assert data == expected
    ctx.close()
    with SnapshotManager(url=url) as snaps:
        assert snaps.list_tags() == {f"w{n}": 1 for n in range(PROCESSES)}


def test_threads_share_one_store(tmp_path):
    store = open_run_store(f"sqlite:///{tmp_path}/f0.db")
    start(store, "r1", steps=[f"s{i}" for i in range(200)])
    errors: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            for i in range(offset, 200, 4):
                store.record_step("r1", record(f"s{i}", seq=i + 1))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    run = store.get_run("r1")
    assert len(run.steps) == 200
    assert {s.result.status for s in run.steps.values()} == {StepStatus.COMPLETED}
    store.close()


def test_a_writer_outlasting_the_busy_timeout_is_retried(tmp_path):
    """SQLite gives up after busy_timeout; tenacity keeps trying until the lock is free."""
    path = tmp_path / "f0.db"
    db = Database(path, busy_timeout=0.01)
    holder = Database(path)
    locked = threading.Event()
    release = threading.Event()

    def hold() -> None:
        def wait(conn):
            locked.set()
            release.wait(timeout=30)

        holder.write(wait)

    thread = threading.Thread(target=hold)
    thread.start()
    locked.wait(timeout=30)

    def insert(conn):
        conn.execute("INSERT INTO meta (key, value) VALUES ('probe', 'x')")

    # Attempts fail with SQLITE_BUSY at BEGIN IMMEDIATE while the holder writes:
    # count them, and let the holder go once two have failed.
    original = db._transaction
    calls = []

    def counting(begin, fn):
        calls.append(begin)
        if len(calls) == 3:
            release.set()
        return original(begin, fn)

    db._transaction = counting
    db.write(insert)
    thread.join()
    assert len(calls) >= 3
    assert db.read(
        lambda conn: conn.execute("SELECT value FROM meta WHERE key = 'probe'").fetchone()
    ) == ("x",)
    db.close()
    holder.close()
