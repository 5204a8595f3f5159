"""4 processes x 2000 increments of one key, side by side: f0 params against the usual ways.

Run with ``nox -s bench`` or ``python benchmarks/params_bench.py [--json]
[--processes 4] [--increments 2000] [--rounds 3]``.

Every candidate does the same job: N processes, each incrementing one
counter M times, read-modify-write, and the final value is checked
(``lost`` = N*M - final). Workers are started and imported first, then
released together; the clock runs from the release until the last one ends.
Within a round the candidates take turns, so a burst of load from other
processes hits all of them; the table shows the median over rounds.

``f0 durable``      ``ParamsFile.increment`` in the default mode: the lock file
                    held for the read-modify-write, temp file + fsync + os.replace.
``f0 fast``         the same without the fsync (``durable=False``).
``naive``           read, +1, write (temp file + os.replace), no lock at all.
``flock loop``      the same as ``f0 fast`` written by hand: ``fcntl.flock``
                    (blocking) on the lock file around read, +1, temp file +
                    os.replace; no library. The floor for a locked JSON file.
``flock loop fsync`` the same with an fsync before the replace.
``flock loop 2 syncs`` the same again, and after the lock is released an fsync of
                    the folder, which makes the rename durable: the same two syncs
                    as ``f0 durable``, so the floor for a durable locked JSON file.
``FileLock 50ms``   the ``flock loop`` under ``filelock.FileLock`` with its default
                    50 ms poll interval (reference: why f0 does not use it).
``FileLock 1ms``    the same with ``poll_interval=0.001``.
``sqlite FULL``     sqlite3, WAL, ``BEGIN IMMEDIATE``; SELECT, UPDATE, COMMIT,
                    ``synchronous=FULL`` (an fsync of the WAL per commit).
``sqlite NORMAL``   the same at ``synchronous=NORMAL`` (no fsync per commit).
"""

from __future__ import annotations

import argparse
import fcntl
import json
import multiprocessing as mp
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import filelock
from f0_params import ParamsFile, get_default_param_dict

GROUP, KEY = "bench", "counter"


# The hand-written loops use plain os/open calls on str paths, as one would
# write them (pathlib costs a few microseconds per call).
def _write_replace(path: str, data: dict[str, Any], *, fsync: bool = False) -> None:
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as handle:  # noqa: PTH123
        handle.write(json.dumps(data, indent=4))
        if fsync:
            handle.flush()
            os.fsync(handle.fileno())
    os.replace(tmp, path)  # noqa: PTH105


def _rmw(path: str, *, fsync: bool = False) -> None:
    with open(path, "rb") as handle:  # noqa: PTH123
        data = json.loads(handle.read())
    data[GROUP][KEY] = data[GROUP].get(KEY, 0) + 1
    _write_replace(path, data, fsync=fsync)


# -- workers: (folder, n) ------------------------------------------------------------
def work_f0_durable(folder: str, n: int) -> None:
    params = ParamsFile.in_dir(folder, durable=True)
    for _ in range(n):
        params.increment(GROUP, KEY)


def work_f0_fast(folder: str, n: int) -> None:
    params = ParamsFile.in_dir(folder, durable=False)
    for _ in range(n):
        params.increment(GROUP, KEY)


def work_naive(folder: str, n: int) -> None:
    path = str(Path(folder) / "p.json")
    for _ in range(n):
        try:
            _rmw(path)
        except (ValueError, FileNotFoundError):  # a torn read: the update is lost
            continue


def _flock_worker(*, fsync: bool, sync_dir: bool = False) -> Callable[[str, int], None]:
    def work(folder: str, n: int) -> None:
        path, lock = str(Path(folder) / "p.json"), str(Path(folder) / "p.lock")
        for _ in range(n):
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                _rmw(path, fsync=fsync)
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)
            if sync_dir:  # after the unlock, as f0 durable does: the rename is now durable
                dir_fd = os.open(folder, os.O_RDONLY)
                try:
                    os.fsync(dir_fd)
                finally:
                    os.close(dir_fd)

    return work


work_flock = _flock_worker(fsync=False)
work_flock_fsync = _flock_worker(fsync=True)
work_flock_two_syncs = _flock_worker(fsync=True, sync_dir=True)


def _filelock_worker(poll: float) -> Callable[[str, int], None]:
    def work(folder: str, n: int) -> None:
        path = str(Path(folder) / "p.json")
        lock = filelock.FileLock(str(Path(folder) / "p.lock"), timeout=60, poll_interval=poll)
        for _ in range(n):
            with lock:
                _rmw(path)

    return work


work_filelock_50ms = _filelock_worker(0.05)
work_filelock_1ms = _filelock_worker(0.001)


def _sqlite_worker(sync: str) -> Callable[[str, int], None]:
    def work(folder: str, n: int) -> None:
        db = sqlite3.connect(str(Path(folder) / "p.db"), timeout=60, isolation_level=None)
        db.execute(f"PRAGMA synchronous={sync}")
        for _ in range(n):
            db.execute("BEGIN IMMEDIATE")
            (value,) = db.execute("SELECT v FROM kv WHERE k = ?", (KEY,)).fetchone()
            db.execute("UPDATE kv SET v = ? WHERE k = ?", (value + 1, KEY))
            db.execute("COMMIT")
        db.close()

    return work


work_sqlite_full = _sqlite_worker("FULL")
work_sqlite_normal = _sqlite_worker("NORMAL")


# -- setup and final value per kind ------------------------------------------------------
def _setup_json(folder: Path) -> None:
    data = get_default_param_dict()
    data[GROUP] = {KEY: 0}
    (folder / "p.json").write_text(json.dumps(data, indent=4), encoding="utf-8")


def _final_json(folder: Path) -> int:
    if not (folder / "p.json").exists():
        msg = f"{folder}/p.json is missing; the folder holds {sorted(p.name for p in folder.iterdir())}"
        raise RuntimeError(msg)
    return int(json.loads((folder / "p.json").read_text(encoding="utf-8"))[GROUP][KEY])


def _setup_f0(folder: Path) -> None:
    ParamsFile.in_dir(folder).update(GROUP, KEY, 0)


def _final_f0(folder: Path) -> int:
    return int(ParamsFile.in_dir(folder).get(GROUP, KEY))


def _setup_sqlite(folder: Path) -> None:
    db = sqlite3.connect(str(folder / "p.db"), isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER NOT NULL)")
    db.execute("INSERT INTO kv VALUES (?, 0)", (KEY,))
    db.close()


def _final_sqlite(folder: Path) -> int:
    db = sqlite3.connect(str(folder / "p.db"))
    (value,) = db.execute("SELECT v FROM kv WHERE k = ?", (KEY,)).fetchone()
    db.close()
    return int(value)


CANDIDATES: dict[
    str, tuple[Callable[[str, int], None], Callable[[Path], None], Callable[[Path], int]]
] = {
    "f0 durable": (work_f0_durable, _setup_f0, _final_f0),
    "f0 fast": (work_f0_fast, _setup_f0, _final_f0),
    "naive (no lock)": (work_naive, _setup_json, _final_json),
    "flock loop": (work_flock, _setup_json, _final_json),
    "flock loop fsync": (work_flock_fsync, _setup_json, _final_json),
    "flock loop 2 syncs": (work_flock_two_syncs, _setup_json, _final_json),
    "FileLock 50ms": (work_filelock_50ms, _setup_json, _final_json),
    "FileLock 1ms": (work_filelock_1ms, _setup_json, _final_json),
    "sqlite FULL": (work_sqlite_full, _setup_sqlite, _final_sqlite),
    "sqlite NORMAL": (work_sqlite_normal, _setup_sqlite, _final_sqlite),
}


#: The columns "x <candidate>": the goal's reference, and the two floors of the file protocol.
REFERENCES = ("sqlite FULL", "flock loop", "flock loop 2 syncs")


def _worker(target: Callable[[str, int], None], folder: str, n: int, barrier: Any) -> None:
    barrier.wait()
    target(folder, n)


def run_once(name: str, processes: int, increments: int, root: Path) -> tuple[float, int]:
    """One measurement: (increments per second, lost updates)."""
    target, setup, final = CANDIDATES[name]
    folder = Path(tempfile.mkdtemp(prefix="bench-", dir=root))
    setup(folder)
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(processes + 1)
    workers = [
        ctx.Process(target=_worker, args=(target, str(folder), increments, barrier))
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    barrier.wait()
    started = time.perf_counter()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    if any(worker.exitcode != 0 for worker in workers):
        msg = f"{name}: a worker failed"
        raise RuntimeError(msg)
    total = processes * increments
    return total / elapsed, total - final(folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--increments", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", nargs="*", choices=list(CANDIDATES), default=list(CANDIDATES))
    parser.add_argument("--json", action="store_true", help="Print one JSON object.")
    parser.add_argument("--dir", default=None, help="Where the files go (default: a temp dir).")
    args = parser.parse_args()
    rates: dict[str, list[float]] = {name: [] for name in args.only}
    lost: dict[str, list[int]] = {name: [] for name in args.only}
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        for round_ in range(args.rounds):
            for name in args.only:
                rate, missing = run_once(name, args.processes, args.increments, Path(tmp))
                rates[name].append(rate)
                lost[name].append(missing)
                if not args.json:
                    print(
                        f"round {round_ + 1}: {name:16s} {rate:9.0f}/s lost {missing}",
                        file=sys.stderr,
                    )
    median = {name: statistics.median(values) for name, values in rates.items()}
    rows = []
    for name in args.only:
        row: dict[str, Any] = {
            "candidate": name,
            "increments_per_s": round(median[name]),
            "best": round(max(rates[name])),
            "worst": round(min(rates[name])),
            "lost_updates": max(lost[name]),
        }
        for ref in REFERENCES:
            if ref in median:
                row[f"x {ref}"] = round(median[name] / median[ref], 2)
        rows.append(row)
    meta = {
        "processes": args.processes,
        "increments": args.increments,
        "rounds": args.rounds,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "filelock": filelock.__version__,
        "sqlite": sqlite3.sqlite_version,
    }
    if args.json:
        print(json.dumps({"meta": meta, "rows": rows}))
        return
    print(
        f"\n{args.processes} processes x {args.increments} increments, median of {args.rounds} rounds "
        f"(Python {meta['python']}, {meta['cpus']} CPUs, filelock {meta['filelock']}, SQLite {meta['sqlite']})\n"
    )
    header = ["candidate", "incr/s", "best", "worst", "lost"]
    header += [f"x {ref}" for ref in REFERENCES]
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|")
    for row in rows:
        cells = [
            row["candidate"],
            f"{row['increments_per_s']:,}",
            f"{row['best']:,}",
            f"{row['worst']:,}",
            str(row["lost_updates"]),
            *(str(row.get(f"x {ref}", "-")) for ref in REFERENCES),
        ]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
