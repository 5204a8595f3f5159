"""f0 beside its peers: per-step overhead, wall time, parallel efficiency, RSS, start-up.

Run with ``nox -s peers`` or, from the project's venv,
``python benchmarks/peers/harness.py [--quick] [--shape S ...] [--system K ...]``.

Every system runs in its own subprocess; peers run from their own virtual
environments (``.bench-venvs/<peer>``, created here from the pinned
``requirements-<peer>.txt``). f0 runs through its installed ``f0`` command
(one process per run) and in-process through the kernel API. Each figure is
the median of ``--repeats`` (>= 3) rounds; within a round every system takes
its turn, so a burst of load hits them all. Results: ``results/peers.json``
and ``results/peers.md``; ``--readme`` also puts the tables into
``benchmarks/README.md`` and ``--plot`` draws ``peers.png``.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import platform
import queue
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import recipes
import report
import shapes
from systems import HELP_COMMANDS, SYSTEMS, System

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PEERS = ("dask", "prefect", "dagster", "luigi", "doit")


# -- environments -------------------------------------------------------------------
def ensure_venv(venvs: Path, name: str) -> tuple[Path | None, str]:
    """``venvs/name`` with ``requirements-<name>.txt`` installed; (python, "") or (None, why)."""
    req = HERE / f"requirements-{name}.txt"
    folder = venvs / name
    python = folder / "bin" / "python"
    stamp = folder / ".requirements.sha256"
    digest = hashlib.sha256(req.read_bytes()).hexdigest()
    if python.exists() and stamp.exists() and stamp.read_text() == digest:
        return python, ""
    print(f"peers: creating {folder} from {req.name}", file=sys.stderr, flush=True)
    shutil.rmtree(folder, ignore_errors=True)
    steps = [
        [sys.executable, "-m", "venv", str(folder)],
        [str(python), "-m", "pip", "install", "-q", "-r", str(req)],
    ]
    for cmd in steps:
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode:
            last = (proc.stderr.strip().splitlines() or ["?"])[-1]
            return None, f"could not install {req.name}: {last}"
    stamp.write_text(digest)
    return python, ""


def versions(pythons: dict[str, Path]) -> dict[str, str]:
    """Installed version of each peer's main distribution."""
    dists = {"dask": "dask", "prefect": "prefect", "dagster": "dagster", "luigi": "luigi"}
    dists["doit"] = "doit"
    out = {"python": platform.python_version()}
    for name, python in pythons.items():
        if name not in dists:
            continue
        code = f"import importlib.metadata as m; print(m.version({dists[name]!r}))"
        proc = subprocess.run([python, "-c", code], capture_output=True, text=True, check=False)
        out[name] = proc.stdout.strip() or "?"
    return out


def peer_env(tmp: Path) -> dict[str, str]:
    """Environment for every subprocess: offline Prefect, Dagster at home in *tmp*, no colour."""
    env = {**os.environ, "NO_COLOR": "1", "PYTHONDONTWRITEBYTECODE": "0"}
    env.pop("F0_DEBUG", None)
    prefect_home = tmp / "prefect"
    env.update(
        {
            "PREFECT_HOME": str(prefect_home),
            "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{prefect_home}/prefect.db",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_UI_ENABLED": "false",
            "PREFECT_LOGGING_LEVEL": "WARNING",
            "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
            "PREFECT_RESULTS_PERSIST_BY_DEFAULT": "false",
            "DO_NOT_TRACK": "1",
            "DAGSTER_HOME": str(tmp / "dagster"),
        }
    )
    (tmp / "dagster").mkdir(parents=True, exist_ok=True)
    (tmp / "dagster" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    prefect_home.mkdir(parents=True, exist_ok=True)
    return env


# -- running one subprocess -----------------------------------------------------------
class Proc:
    """A subprocess in its own session; stdout lines arrive on a queue; wait4 gives its RSS."""

    def __init__(self, argv: list[str], *, cwd: Path, env: dict[str, str], log: Path) -> None:
        self.log = log.open("ab")
        self.started = time.perf_counter()
        self.popen = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self.log,
            start_new_session=True,
        )
        self.lines: queue.Queue[bytes | None] = queue.Queue()
        self.stdout: list[bytes] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self.stdout.append(line)
            self.lines.put(line)
        self.lines.put(None)

    def next_result(self, timeout: float) -> dict[str, Any] | None:
        """The next ``F0BENCH`` line; None at end of output. Raises TimeoutError."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise TimeoutError from None
            if line is None:
                return None
            if line.startswith(b"F0BENCH "):
                return json.loads(line[8:])

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)

    def wait(self) -> tuple[int, float, float]:
        """(exit code, wall seconds, peak RSS MiB) — RSS of the largest process in the tree."""
        _, status, usage = os.wait4(self.popen.pid, 0)
        wall = time.perf_counter() - self.started
        self.popen.returncode = os.waitstatus_to_exitcode(status)
        self.log.close()
        return self.popen.returncode, wall, usage.ru_maxrss / 1024


# -- the measurement plan ---------------------------------------------------------------
def plan_cases(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Every (mode, shape, size) case; ``single`` (1 step) is T(1) for the differential."""
    cases = [{"mode": "noop", "shape": "single", "size": 1, "sleep_s": 0.0}]
    for mode in args.mode:
        for shape in args.shape:
            _, full, sleep_size, quick = shapes.SHAPES[shape]
            size = quick if args.quick else (full if mode == "noop" else sleep_size)
            if args.quick and mode == "sleep":
                size = min(size, 52)
            sleep_s = shapes.SLEEP_S if mode == "sleep" else 0.0
            cases.append({"mode": mode, "shape": shape, "size": size, "sleep_s": sleep_s})
    return cases


def sized_for(
    system: System, case: dict[str, Any], cut: dict[Any, tuple[int, str]]
) -> dict[str, Any]:
    """*case* at the size *system* runs it (its budget cap, or a size cut after a timeout)."""
    key = (system.key, case["mode"], case["shape"])
    size, note = case["size"], ""
    cap = system.caps.get((case["mode"], case["shape"]))
    if cap and cap[0] < size:
        size, note = cap
    if key in cut and cut[key][0] < size:
        size, note = cut[key]
    if case["shape"] == "grid":  # whole layers only
        width = shapes.grid_width(size, case["sleep_s"])
        size = max(width, size // width * width)
    if case["shape"] == "fan":
        size = max(size, 3)
    return {**case, "size": size, "note": note, "id": f"{case['mode']}-{case['shape']}-{size}"}


class Harness:
    def __init__(self, args: argparse.Namespace, tmp: Path) -> None:
        self.args = args
        self.tmp = tmp
        self.env = peer_env(tmp)
        self.records: list[dict[str, Any]] = []
        self.cut: dict[tuple[str, str, str], tuple[int, str]] = {}
        self.pythons: dict[str, Path] = {}
        self.missing: dict[str, str] = {}
        self.recipe_dir = tmp / "recipes"
        self.f0 = Path(sys.executable).with_name("f0")

    def recipe(self, case: dict[str, Any]) -> Path:
        folder = self.recipe_dir / case["id"]
        path = folder / "recipe.yaml"
        if not path.exists():
            recipes.write_recipe(folder, case["shape"], case["size"], case["sleep_s"])
        return path

    def record(self, system: System, case: dict[str, Any], rep: int, **fields: Any) -> None:
        self.records.append(
            {
                "system": system.key,
                "mode": case["mode"],
                "shape": case["shape"],
                "size": case["size"],
                "note": case.get("note", ""),
                "rep": rep,
                **fields,
            }
        )
        shown = {k: round(v, 4) if isinstance(v, float) else v for k, v in fields.items()}
        print(f"  {system.key:14} {case['id']:24} {shown}", file=sys.stderr, flush=True)

    def timed_out(self, system: System, case: dict[str, Any]) -> None:
        """Cut this case's size by 5 for the rest of the run (and re-run it this round)."""
        new = max(1, case["size"] // 5)
        why = f"N={case['size']:,} did not finish in {self.args.timeout:.0f} s"
        self.cut[(system.key, case["mode"], case["shape"])] = (new, why)

    def run_cli(self, system: System, cases: list[dict[str, Any]], rep: int) -> None:
        # A CLI run is short and its start-up noisy: --cli-runs runs per case and round.
        for base in [c for c in cases for _ in range(self.args.cli_runs)]:
            case = sized_for(system, base, self.cut)
            for _ in range(3):  # at most two cuts after timeouts
                recipe = self.recipe(case)
                cwd = self.tmp / "cwd" / f"{system.key}-{case['id']}-{rep}"
                cwd.mkdir(parents=True, exist_ok=True)
                argv = [
                    str(self.f0),
                    "run",
                    str(recipe),
                    "--json",
                    "--workers",
                    str(shapes.WORKERS),
                ]
                proc = Proc(
                    [*argv, *system.cli_args], cwd=cwd, env=self.env, log=cwd / "stderr.log"
                )
                timer = threading.Timer(self.args.timeout, proc.kill)
                timer.start()
                rc, wall, rss = proc.wait()
                timer.cancel()
                if wall >= self.args.timeout:
                    self.record(system, case, rep, status="timeout", wall_s=wall)
                    self.timed_out(system, case)
                    case = sized_for(system, base, self.cut)
                    continue
                ok = rc == 0 and b'"COMPLETED"' in b"".join(proc.stdout)[:200]
                status = "ok" if ok else f"error: exit {rc}, see {cwd / 'stderr.log'}"
                self.record(system, case, rep, status=status, wall_s=wall, run_s=wall, rss_mib=rss)
                shutil.rmtree(cwd, ignore_errors=True)
                break

    def run_worker(self, system: System, cases: list[dict[str, Any]], rep: int) -> None:
        python = Path(sys.executable) if system.venv is None else self.pythons.get(system.venv)
        if python is None:
            for case in cases:
                why = self.missing.get(system.venv or "", "not installed")
                self.record(
                    system, sized_for(system, case, self.cut), rep, status=f"not run: {why}"
                )
            return
        todo = [sized_for(system, c, self.cut) for c in cases]
        attempts = 0
        while todo and attempts < 4:
            attempts += 1
            sized = {c["id"]: c for c in todo}
            job = {
                "variant": system.variant,
                "tmp": str(self.tmp),
                "cases": [
                    {k: c[k] for k in ("id", "shape", "size", "sleep_s", "recipe") if k in c}
                    for c in todo
                ],
            }
            if system.script == "w_f0api.py":  # f0 in-process runs the generated recipes
                for c in job["cases"]:
                    c["recipe"] = str(self.recipe(sized[c["id"]]))
            log = self.tmp / "logs" / f"{system.key}-{rep}.log"
            log.parent.mkdir(exist_ok=True)
            argv = [str(python), str(HERE / system.script), json.dumps(job)]
            proc = Proc(argv, cwd=self.tmp, env=self.env, log=log)
            done: set[str] = set()
            current = todo[0]
            try:
                for current in todo:
                    line = proc.next_result(self.args.timeout)
                    if line is None:
                        break
                    done.add(line["id"])  # the worker answers in order
                    self.record(
                        system,
                        current,
                        rep,
                        status="ok",
                        run_s=line["run_s"],
                        rss_mib=line["maxrss_kb"] / 1024,
                    )
            except TimeoutError:
                proc.kill()
                self.record(system, current, rep, status="timeout", run_s=self.args.timeout)
                self.timed_out(system, current)
                done.add(current["id"])
                proc.wait()
                todo = [
                    sized_for(system, c, self.cut)
                    for c in cases
                    if sized_for(system, c, self.cut)["id"] not in done
                ]
                continue
            rc, wall, rss = proc.wait()
            missing = [c for c in todo if c["id"] not in done]
            if missing:
                tail = log.read_text(errors="replace").strip().splitlines()[-1:] or ["?"]
                self.record(system, missing[0], rep, status=f"error: exit {rc}: {tail[0][:160]}")
                done.add(missing[0]["id"])
                todo = list(missing[1:])
                continue
            self.records.append(
                {"system": system.key, "rep": rep, "batch_wall_s": wall, "batch_rss_mib": rss}
            )
            todo = []

    def run_rounds(self, systems: list[System], cases: list[dict[str, Any]]) -> None:
        for rep in range(1, self.args.repeats + 1):
            print(
                f"peers: round {rep}/{self.args.repeats} ({time.strftime('%H:%M:%S')}, load {load()})",
                file=sys.stderr,
                flush=True,
            )
            for system in systems:
                if system.kind == "cli":
                    self.run_cli(system, cases, rep)
                else:
                    self.run_worker(system, cases, rep)

    def run_f0_commands(self) -> list[dict[str, Any]]:
        """``f0 validate`` / ``f0 plan`` / ``f0 run`` of the 10,000-step recipes, wall and RSS."""
        size = 500 if self.args.quick else 10_000
        rows = []
        for shape, n in (("chain", size), ("fan", size + 2)):
            case = {
                "mode": "noop",
                "shape": shape,
                "size": n,
                "sleep_s": 0.0,
                "id": f"cmd-{shape}-{n}",
            }
            recipe = self.recipe(case)
            for command in ("validate", "plan", "run"):
                argv = [str(self.f0), command, str(recipe)]
                argv += ["--json", "--store", "none", "--workers", "2"] if command == "run" else []
                argv += ["--store", "none"] if command == "plan" else []
                walls, rsss, status = [], [], "ok"
                for _ in range(self.args.repeats):
                    cwd = self.tmp / "cwd" / "cmd"
                    cwd.mkdir(parents=True, exist_ok=True)
                    proc = Proc(argv, cwd=cwd, env=self.env, log=cwd / "stderr.log")
                    timer = threading.Timer(self.args.timeout, proc.kill)
                    timer.start()
                    rc, wall, rss = proc.wait()
                    timer.cancel()
                    if rc:
                        status = f"exit {rc}"
                    walls.append(wall)
                    rsss.append(rss)
                row = {
                    "command": f"f0 {command}",
                    "shape": shape,
                    "size": n,
                    "status": status,
                    "wall_s": statistics.median(walls),
                    "rss_mib": max(rsss),
                }
                print(f"  {row}", file=sys.stderr, flush=True)
                rows.append(row)
        return rows

    def run_help(self) -> list[dict[str, Any]]:
        """``--help`` start-up of each console script, median of 5 (after 1 warm-up)."""
        runs = 3 if self.args.quick else 5
        rows = []
        floor = [sys.executable, "-c", "pass"]
        for label, venv, argv in (("python -c pass (floor)", None, ()), *HELP_COMMANDS):
            if venv is not None and venv not in self.pythons:
                if not self.args.quick:
                    rows.append(
                        {
                            "command": label,
                            "status": f"not run: {self.missing.get(venv, 'not selected')}",
                        }
                    )
                continue
            bindir = Path(sys.executable).parent if venv is None else self.pythons[venv].parent
            cmd = floor if not argv else [str(bindir / argv[0]), *argv[1:]]
            walls, status = [], "ok"
            for i in range(runs + 1):
                t0 = time.perf_counter()
                proc = subprocess.run(
                    cmd, env=self.env, capture_output=True, check=False, timeout=120
                )
                if i:
                    walls.append(time.perf_counter() - t0)
                if proc.returncode:
                    status = f"exit {proc.returncode}"
            rows.append(
                {"command": label, "status": status, "median_ms": statistics.median(walls) * 1000}
            )
            print(f"  {rows[-1]}", file=sys.stderr, flush=True)
        return rows


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--shape", nargs="+", choices=list(shapes.SHAPES), default=list(shapes.SHAPES)
    )
    parser.add_argument("--system", nargs="+", choices=list(SYSTEMS), default=list(SYSTEMS))
    parser.add_argument("--mode", nargs="+", choices=("noop", "sleep"), default=["noop", "sleep"])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument(
        "--repeats", type=int, default=3, help="rounds; each figure is their median"
    )
    parser.add_argument(
        "--cli-runs", type=int, default=3, help="f0 CLI runs per case and round (all in the median)"
    )
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds before a run is cut")
    parser.add_argument(
        "--no-extras", action="store_true", help="skip f0 validate/plan and --help timings"
    )
    parser.add_argument(
        "--out", type=Path, default=HERE / "results", help="folder for peers.json/.md"
    )
    parser.add_argument("--venvs", type=Path, default=ROOT / ".bench-venvs", help="peer venvs")
    parser.add_argument(
        "--readme", action="store_true", help="write the tables into benchmarks/README.md"
    )
    parser.add_argument(
        "--plot", action="store_true", help="draw peers.png (matplotlib in its own venv)"
    )
    parser.add_argument(
        "--from-json", type=Path, help="no runs: re-render the tables of a peers.json"
    )
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be >= 1")
    return args


def render(args: argparse.Namespace, data: dict[str, Any]) -> None:
    """Write peers.json and peers.md, print the tables, update the README and plot as asked."""
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "peers.json").write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    markdown = report.markdown(data)
    (args.out / "peers.md").write_text(markdown, encoding="utf-8")
    print(markdown)
    if args.readme:
        report.update_readme(ROOT / "benchmarks" / "README.md", markdown)
    if args.plot:
        python, why = ensure_venv(args.venvs, "plot")
        if python is None:
            print(f"peers: no plot: {why}", file=sys.stderr)
        else:
            subprocess.run(
                [python, HERE / "plot.py", args.out / "peers.json", HERE / "peers.png"], check=True
            )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.from_json:
        data = json.loads(args.from_json.read_text(encoding="utf-8"))
        keys = list(dict.fromkeys(r["system"] for r in data["results"]))
        cases = [
            {"mode": r["mode"], "shape": r["shape"], "size": r["full_size"]}
            for r in data["results"]
            if r["system"] == keys[0]
        ]
        data["results"] = report.summarise(data["records"], [SYSTEMS[k] for k in keys], cases)
        render(args, data)
        return 0
    systems = [SYSTEMS[k] for k in args.system]
    started = time.time()
    meta: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started)),
        "load_before": load(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "repeats": args.repeats,
        "workers": shapes.WORKERS,
        "timeout_s": args.timeout,
        "cli_runs": args.cli_runs,
        "quick": args.quick,
        "argv": sys.argv[1:] if argv is None else argv,
    }
    with tempfile.TemporaryDirectory(prefix="f0-peers-") as tmpdir:
        harness = Harness(args, Path(tmpdir))
        wanted = {s.venv for s in systems if s.venv}
        if not args.no_extras and not args.quick:
            wanted |= {v for _, v, _ in HELP_COMMANDS if v}
        for name in sorted(wanted):
            python, why = ensure_venv(args.venvs, name)
            if python is None:
                harness.missing[name] = why
            else:
                harness.pythons[name] = python
        meta["versions"] = versions(harness.pythons)
        cases = plan_cases(args)
        harness.run_rounds(systems, cases)
        commands = help_rows = []
        if not args.no_extras:
            commands = harness.run_f0_commands() if any(s.group == "f0" for s in systems) else []
            help_rows = harness.run_help()
    meta["load_after"] = load()
    meta["duration_s"] = round(time.time() - started, 1)
    results = report.summarise(harness.records, systems, cases)
    data = {
        "meta": meta,
        "results": results,
        "commands": commands,
        "help": help_rows,
        "records": harness.records,
    }
    render(args, data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
