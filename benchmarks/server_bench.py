"""Context server throughput, side by side with Redis.

Run with ``nox -s bench`` or ``python benchmarks/server_bench.py [--json]``.

Everything runs on this machine and talks to 127.0.0.1 only; every loop is
bounded by a request count and a deadline. In one run:

``f0 set`` / ``f0 get``
    requests/s of ``POST /ctx`` and ``GET /ctx?key=`` against a real
    ``f0 serve`` (SQLite store, the default), from ``--concurrency`` HTTP/1.1
    keep-alive connections. The load generator is asyncio with hand-written
    requests (no client library in the way), in this process.
``events``
    ``--watchers`` WebSocket watchers on ``/ws`` while ``--events`` writes go
    in over HTTP: deliveries/s (events x watchers / time from the first
    write to the last delivery), and a check that every watcher got every
    event, in order (``seq`` consecutive), none lost or duplicated.
``redis set`` / ``redis get``
    Debian's ``redis-server`` (started here on a free port, persistence
    off, stopped at the end) doing SET/GET through redis-py's asyncio client
    with the same concurrency and request counts.

The ratio line is f0 / Redis (issue 11's goal: set >= 0.2x Redis). Figures
depend on the machine and its load; this machine has 2 cores shared by the
server, the load generator and Redis.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

F0 = Path(sys.executable).with_name("f0")
_CL = re.compile(rb"content-length:\s*(\d+)", re.IGNORECASE)
DEADLINE_S = 120.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_f0(workdir: Path) -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen(
        [str(F0), "serve", "--port", "0", "--store", "sqlite:///bench.db", "--no-socketio"],
        cwd=workdir,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "F0_TOKEN"},
    )
    assert proc.stderr is not None
    for line in proc.stderr:
        match = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
        if match:
            return proc, int(match.group(1))
    msg = "f0 serve did not start"
    raise RuntimeError(msg)


def start_redis(workdir: Path) -> tuple[subprocess.Popen[bytes], int] | None:
    exe = shutil.which("redis-server")
    if exe is None:
        return None
    port = free_port()
    proc = subprocess.Popen(
        [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc, port
        time.sleep(0.05)
    proc.kill()
    return None


def stop(proc: subprocess.Popen[Any]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


# -- HTTP load generator ----------------------------------------------------------------


def set_request(port: int, i: int) -> bytes:
    body = json.dumps({"key": f"k{i % 1000}", "value": i, "who": "bench"}).encode()
    return (
        f"POST /ctx HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def get_request(port: int, i: int) -> bytes:
    return f"GET /ctx?key=k{i % 1000} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()


async def http_load(port: int, make: Any, total: int, concurrency: int) -> dict[str, Any]:
    """*total* requests over *concurrency* keep-alive connections; requests/s and errors."""
    counter = iter(range(total))
    errors = 0
    latencies: list[float] = []

    async def worker() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for i in counter:
                t0 = time.perf_counter()
                writer.write(make(port, i))
                head = await reader.readuntil(b"\r\n\r\n")
                match = _CL.search(head)
                await reader.readexactly(int(match.group(1)) if match else 0)
                latencies.append(time.perf_counter() - t0)
                if head[9:12] != b"200":
                    errors += 1
        finally:
            writer.close()

    start = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(concurrency))), DEADLINE_S)
    elapsed = time.perf_counter() - start
    latencies.sort()
    return {
        "requests": total,
        "seconds": round(elapsed, 3),
        "per_s": round(total / elapsed),
        "errors": errors,
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 3),
        "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 3),
    }


# -- WebSocket fan-out -----------------------------------------------------------------


async def ws_fanout(port: int, watchers: int, events: int, concurrency: int) -> dict[str, Any]:
    from websockets.asyncio.client import connect

    url = f"ws://127.0.0.1:{port}/ws?snapshot=0&events=context&prefix=ev."
    conns = [await connect(url, max_size=None) for _ in range(watchers)]
    received: list[list[int]] = [[] for _ in range(watchers)]
    done_at: list[float] = [0.0] * watchers

    async def watch(n: int) -> None:
        seqs = received[n]
        async for text in conns[n]:
            seqs.append(json.loads(text)["seq"])
            if len(seqs) == events:
                done_at[n] = time.perf_counter()
                return

    tasks = [asyncio.create_task(watch(n)) for n in range(watchers)]
    await asyncio.sleep(0.2)

    def make(p: int, i: int) -> bytes:
        body = json.dumps({"key": f"ev.{i % 100}", "value": i}).encode()
        return (
            f"POST /ctx HTTP/1.1\r\nHost: 127.0.0.1:{p}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode() + body

    start = time.perf_counter()
    writes = await http_load(port, make, events, concurrency)
    await asyncio.wait_for(asyncio.gather(*tasks), DEADLINE_S)
    elapsed = max(done_at) - start
    for ws in conns:
        await ws.close()
    first = received[0][0] if received[0] else 0
    expected = list(range(first, first + events))
    complete = sum(1 for seqs in received if seqs == expected)
    return {
        "watchers": watchers,
        "events": events,
        "seconds": round(elapsed, 3),
        "events_per_s": round(events / elapsed),
        "deliveries_per_s": round(events * watchers / elapsed),
        "watchers_complete_in_order": complete,
        "write_errors": writes["errors"],
    }


# -- Redis -------------------------------------------------------------------------------


async def redis_load(port: int, op: str, total: int, concurrency: int) -> dict[str, Any]:
    import redis.asyncio as aredis

    clients = [aredis.Redis(host="127.0.0.1", port=port) for _ in range(concurrency)]
    counter = iter(range(total))

    async def worker(client: Any) -> None:
        for i in counter:
            if op == "set":
                await client.set(f"k{i % 1000}", json.dumps(i))
            else:
                await client.get(f"k{i % 1000}")

    for client in clients:
        await client.ping()
    start = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(worker(c) for c in clients)), DEADLINE_S)
    elapsed = time.perf_counter() - start
    for client in clients:
        await client.aclose()
    return {"requests": total, "seconds": round(elapsed, 3), "per_s": round(total / elapsed)}


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process *pid* so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measured(pid: int, coro: Any, ops: int) -> dict[str, Any]:
    """Run *coro*; add the server's CPU microseconds per operation."""
    before = cpu_seconds(pid)
    result: dict[str, Any] = asyncio.run(coro)
    used = cpu_seconds(pid) - before
    result["server_cpu_us_per_op"] = round(used / ops * 1e6, 1)
    return result


def best(rounds: list[dict[str, Any]], key: str) -> dict[str, Any]:
    return max(rounds, key=lambda r: r[key])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20_000, help="per operation and round")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--watchers", type=int, default=50)
    parser.add_argument("--events", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=3, help="best of N (the machine is shared)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    n, c = args.requests, args.concurrency
    rounds: dict[str, list[dict[str, Any]]] = {
        k: [] for k in ("f0_set", "f0_get", "f0_events", "redis_set", "redis_get")
    }
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        proc, port = start_f0(workdir)
        redis = start_redis(workdir)
        try:
            asyncio.run(http_load(port, set_request, 2000, c))  # warm-up
            if redis is not None:
                asyncio.run(redis_load(redis[1], "set", 2000, c))
            # Candidates take turns within a round: a burst of load hits all of them.
            for _ in range(args.rounds):
                rounds["f0_set"].append(measured(proc.pid, http_load(port, set_request, n, c), n))
                if redis is not None:
                    rounds["redis_set"].append(
                        measured(redis[0].pid, redis_load(redis[1], "set", n, c), n)
                    )
                rounds["f0_get"].append(measured(proc.pid, http_load(port, get_request, n, c), n))
                if redis is not None:
                    rounds["redis_get"].append(
                        measured(redis[0].pid, redis_load(redis[1], "get", n, c), n)
                    )
                deliveries = args.events * args.watchers
                rounds["f0_events"].append(
                    measured(
                        proc.pid,
                        ws_fanout(port, args.watchers, args.events, min(c, 8)),
                        deliveries,
                    )
                )
        finally:
            stop(proc)
            if redis is not None:
                stop(redis[0])
    results: dict[str, Any] = {
        "meta": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "requests": n,
            "concurrency": c,
            "rounds": args.rounds,
            "loadavg_1m_at_end": os.getloadavg()[0],
        }
    }
    for name in ("f0_set", "f0_get", "redis_set", "redis_get"):
        if rounds[name]:
            results[name] = best(rounds[name], "per_s")
    results["f0_events"] = best(rounds["f0_events"], "deliveries_per_s")
    results["f0_events"]["all_rounds_complete_in_order"] = all(
        r["watchers_complete_in_order"] == args.watchers for r in rounds["f0_events"]
    )
    if rounds["redis_set"]:
        results["ratio"] = {
            op: {
                "throughput": round(
                    results[f"f0_{op}"]["per_s"] / results[f"redis_{op}"]["per_s"], 3
                ),
                "server_cpu": round(
                    results[f"redis_{op}"]["server_cpu_us_per_op"]
                    / max(results[f"f0_{op}"]["server_cpu_us_per_op"], 0.1),
                    3,
                ),
            }
            for op in ("set", "get")
        }
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(
        f"127.0.0.1, concurrency {c}, {n} requests per operation, best of {args.rounds} rounds, "
        f"load average {results['meta']['loadavg_1m_at_end']:.1f} on {os.cpu_count()} CPUs"
    )
    for name in ("f0_set", "f0_get", "redis_set", "redis_get"):
        if name in results:
            r = results[name]
            extra = f"  p50 {r['p50_ms']} ms  p99 {r['p99_ms']} ms" if "p50_ms" in r else ""
            print(
                f"{name:10} {r['per_s']:>8} req/s  server CPU {r['server_cpu_us_per_op']:>6} us/op{extra}"
            )
    ev = results["f0_events"]
    print(
        f"events     {ev['events']} events x {ev['watchers']} watchers in {ev['seconds']} s: "
        f"{ev['events_per_s']} events/s, {ev['deliveries_per_s']} deliveries/s, server CPU "
        f"{ev['server_cpu_us_per_op']} us/delivery; every watcher got every event in order in "
        f"every round: {ev['all_rounds_complete_in_order']}"
    )
    if "ratio" in results:
        r = results["ratio"]
        print(
            f"f0/redis throughput: set {r['set']['throughput']}x, get {r['get']['throughput']}x; "
            f"per server CPU: set {r['set']['server_cpu']}x, get {r['get']['server_cpu']}x"
        )
    else:
        print("redis-server not found: no side-by-side figures")


if __name__ == "__main__":
    main()
