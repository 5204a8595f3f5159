"""Worker processes of the params tests: ``python -m tests.plugins.params.params_worker MODE ...``.

Modes:
  increment FILE N [fast]   N increments of counters.hits, reading the file (no lock) after
                            each: it must parse and hold at least the value just written;
                            prints "done"
  legacy DIR N              N increment_json_dict calls (the Framework0 API) in DIR
  watch FILE STOPFILE       read the file (no lock) until STOPFILE exists; prints
                            "<reads> <last value>" or fails on invalid JSON/going backwards
  hold FILE SECONDS         hold FILE's lock; prints "held" once it has it
  loop FILE                 increment forever (killed by the test)
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from f0_params import ParamsFile


def _increment(path: str, n: int, *, durable: bool) -> None:
    params = ParamsFile(path, durable=durable)
    target = Path(path)
    for _ in range(n):
        mine = params.increment("counters", "hits")["counters"]["hits"]
        on_disk = json.loads(target.read_bytes())["counters"]["hits"]  # valid JSON after the write
        if on_disk < mine:
            sys.exit(f"the file holds {on_disk} after this process wrote {mine}")
    print("done", flush=True)


def _legacy(folder: str, n: int) -> None:
    import os

    from octo_step_engine_parameters import octo_step_engine_parameters

    os.chdir(folder)
    p = octo_step_engine_parameters()
    d, f, lock = (
        p.get_default_param_dict(),
        p.get_default_param_file_name(),
        p.get_default_param_lock_file_name(),
    )
    for _ in range(n):
        p.increment_json_dict(d, f, lock, "counters", "hits", True)
    print("done", flush=True)


def _watch(path: str, stop: str) -> None:
    reads, last = 0, -1
    target, stop_file = Path(path), Path(stop)
    while not stop_file.exists():
        try:
            raw = target.read_bytes()
        except FileNotFoundError:
            continue
        data = json.loads(raw)  # raises (and fails the worker) on a half-written file
        value = data.get("counters", {}).get("hits", 0)
        if value < last:
            sys.exit(f"went backwards: {value} after {last}")
        last = value
        reads += 1
    print(reads, last, flush=True)


def _hold(path: str, seconds: float) -> None:
    with ParamsFile(path).transaction():
        print("held", flush=True)
        time.sleep(seconds)


def _loop(path: str) -> None:
    params = ParamsFile(path, durable=False)
    print("started", flush=True)
    while True:
        params.increment("counters", "hits")


def main(argv: list[str]) -> None:
    mode, *rest = argv
    if mode == "increment":
        _increment(rest[0], int(rest[1]), durable=not (len(rest) > 2 and rest[2] == "fast"))
    elif mode == "legacy":
        _legacy(rest[0], int(rest[1]))
    elif mode == "watch":
        _watch(rest[0], rest[1])
    elif mode == "hold":
        _hold(rest[0], float(rest[1]))
    elif mode == "loop":
        _loop(rest[0])
    else:
        sys.exit(f"unknown mode {mode}")


if __name__ == "__main__":
    main(sys.argv[1:])
