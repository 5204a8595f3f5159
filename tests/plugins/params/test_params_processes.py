"""Real processes: exact counts under contention, whole files for readers, lock timeouts, kill -9."""

from __future__ import annotations

import json
import os
import signal
import threading
import time

import pytest
from f0_params import ParamsFile, ParamsLockTimeoutError, read_holder_pid

from .params_support import LOCK_NAME, load, params_path, start_worker

pytestmark = pytest.mark.slow


def _finish(proc, timeout=120):
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err
    return out


def test_four_processes_times_500_increments_end_at_2000_and_every_version_is_whole(tmp_path):
    path = params_path(tmp_path)
    ParamsFile(path).read()
    stop = tmp_path / "stop"
    watcher = start_worker("watch", str(path), str(stop))
    writers = [start_worker("increment", str(path), "500") for _ in range(4)]
    try:
        for proc in writers:
            assert _finish(proc).strip() == "done"
    finally:
        stop.touch()
    reads, last = _finish(watcher).split()
    assert int(reads) > 0
    assert load(tmp_path)["counters"]["hits"] == 2000
    assert int(last) <= 2000
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([path.name, LOCK_NAME, "stop"])


def test_spec_example_eight_processes_times_100_through_the_framework0_api(tmp_path):
    writers = [start_worker("legacy", str(tmp_path), "100") for _ in range(8)]
    for proc in writers:
        _finish(proc)
    assert load(tmp_path)["counters"]["hits"] == 800
    assert load(tmp_path)["global_parameters"]["run_step_count"] == 1


def test_fast_mode_loses_nothing_either(tmp_path):
    path = params_path(tmp_path)
    writers = [start_worker("increment", str(path), "250", "fast") for _ in range(4)]
    for proc in writers:
        _finish(proc)
    assert load(tmp_path)["counters"]["hits"] == 1000


def test_threads_of_one_process_exclude_each_other(tmp_path):
    params = ParamsFile.in_dir(tmp_path, durable=False)
    errors: list[BaseException] = []

    def work():
        try:
            for _ in range(100):
                ParamsFile.in_dir(tmp_path, durable=False).increment("counters", "hits")
                params.increment("counters", "other")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert load(tmp_path)["counters"] == {"hits": 600, "other": 600}


def test_lock_timeout_names_the_lock_file_and_the_holder_pid(tmp_path, cli):
    path = params_path(tmp_path)
    holder = start_worker("hold", str(path), "30")
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        lock = tmp_path / LOCK_NAME
        assert read_holder_pid(lock) == holder.pid
        params = ParamsFile(path, timeout=0.3)
        started = time.monotonic()
        with pytest.raises(TimeoutError) as info:
            params.increment("g", "k")
        assert time.monotonic() - started >= 0.3
        error = info.value
        assert isinstance(error, ParamsLockTimeoutError)
        assert error.lock_file == str(lock)
        assert error.holder_pid == holder.pid
        assert str(error) == (
            f"{lock}: could not take the lock within 0.3s (held by pid {holder.pid})"
        )
        # The CLI: one line, exit code 1.
        result = cli("params", str(tmp_path), "g", "k", "-i", "--timeout", "0.2")
        assert result.exit_code == 1
        assert result.stderr.strip() == (
            f"{lock}: could not take the lock within 0.2s (held by pid {holder.pid})"
        )
        assert "Traceback" not in result.output
    finally:
        holder.kill()
        holder.communicate()
    # The holder died: the OS released its lock at once.
    assert ParamsFile(path, timeout=5).increment("g", "k")["g"]["k"] == 1


def test_holder_unknown_when_the_lock_file_has_no_pid(tmp_path):
    import fcntl

    lock = tmp_path / LOCK_NAME
    fd = os.open(lock, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # another program holding the lock, writing nothing
        with pytest.raises(ParamsLockTimeoutError, match=r"holder unknown") as info:
            ParamsFile.in_dir(tmp_path, timeout=0.05).update("g", "k", 1)
        assert info.value.holder_pid is None
    finally:
        os.close(fd)


def test_a_writer_killed_mid_loop_leaves_a_whole_file(tmp_path):
    path = params_path(tmp_path)
    for round_ in range(5):
        proc = start_worker("loop", str(path))
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "started"
        time.sleep(0.05 + 0.03 * round_)
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        data = json.loads(path.read_text(encoding="utf-8"))  # old or new version, never half
        hits = data["counters"]["hits"]
        # Not stuck: the dead writer's lock is gone, the count goes on from where it was.
        assert (
            ParamsFile(path, timeout=5).increment("counters", "hits")["counters"]["hits"]
            == hits + 1
        )
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert len(leftovers) <= 5  # a temp file of a killed writer may stay; never the real file
