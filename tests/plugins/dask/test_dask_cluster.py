"""The dask scheduler end to end: the installed ``f0`` against a real cluster.

A module-scoped cluster (``dask scheduler`` + two ``dask worker`` processes on
127.0.0.1) serves most tests; the worker-kill test starts its own.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from dask_cluster import Cluster, free_port
from dask_helpers import comparable, write_recipe

from tests.e2e.conftest import F0

pytestmark = pytest.mark.slow

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
#: Every example recipe `f0 run` runs offline (stepengine graphs are for `f0 stepengine run`).
EXAMPLE_RECIPES = sorted(EXAMPLES.glob("**/recipe.yaml"))

FEATURES = """
metadata: {{name: features}}
steps:
  - {{name: first, idx: 1, module: steps, function: put, args: {{values: {{a: 1}}}}}}
  - name: flaky
    idx: 2
    module: steps
    function: flaky
    args: {{counter: {counter}, fail: 2}}
    retry_count: 2
    retry: {{delay: 0.05}}
  - {{name: slow, idx: 3, module: steps, function: sleepy, args: {{seconds: 5}}, timeout: 2}}
  - {{name: after_slow, idx: 4, module: steps, function: put, args: {{values: {{never: 1}}}}, depends_on: [slow]}}
  - {{name: broken, idx: 5, module: steps, function: boom}}
  - {{name: off, idx: 6, module: steps, function: put, enabled: false}}
  - {{name: sum, idx: 7, module: steps, function: add, args: {{inputs: [a, flaky.runs], out: total}}, depends_on: [first, flaky]}}
"""


def _run(f0: Any, recipe: Path, *args: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    done = f0("run", str(recipe), "--json", "--quiet", *args, cwd=recipe.parent, **kwargs)
    assert done.stdout, done
    return done.returncode, json.loads(done.stdout)


def test_example_recipes_are_found() -> None:
    assert EXAMPLES / "quickstart" / "recipe.yaml" in EXAMPLE_RECIPES


@pytest.mark.parametrize(
    "example", EXAMPLE_RECIPES, ids=lambda p: str(p.parent.relative_to(EXAMPLES))
)
def test_example_gives_the_same_result_as_local(
    example: Path, cluster: Cluster, f0: Any, tmp_path: Path
) -> None:
    """Statuses, attempts, errors and context match the local scheduler's.

    Some examples record values that differ between any two runs (a local
    server's port, timings inside a step's result, CPU use): the keys whose
    values differ between two local runs are compared by presence only.
    """
    variants: dict[str, tuple[str, ...]] = {
        "local": ("--workers", "2"),
        "local-again": ("--workers", "2"),
        "cluster": ("--scheduler", "dask", "--dask-address", cluster.address, "--dask-shared"),
    }
    if example.parent.name == "quickstart":  # and the LocalCluster f0 starts by itself
        variants["localcluster"] = ("--scheduler", "dask", "--workers", "2")
    results = {}
    for how, args in variants.items():
        folder = tmp_path / how / example.parent.name  # a copy each: examples write files
        shutil.copytree(example.parent, folder, ignore=shutil.ignore_patterns("out", ".f0"))
        rc, result = _run(f0, folder / example.name, *args, "--store", "none")
        assert rc == 0, (how, result)
        results[how] = comparable(result, folder)
    local, again = results["local"]["context"], results["local-again"]["context"]
    volatile = {key for key in local if local[key] != again.get(key)}
    assert not any(key.endswith(".status") for key in volatile)
    for how in variants.keys() - {"local", "local-again"}:
        got = results[how]
        assert got["status"] == results["local"]["status"], how
        assert got["steps"] == results["local"]["steps"], how
        assert got["context"].keys() == local.keys(), how
        stable = {k: v for k, v in got["context"].items() if k not in volatile}
        assert stable == {k: v for k, v in local.items() if k not in volatile}, how


@pytest.mark.parametrize("keep_going", [False, True], ids=["stop", "continue-on-error"])
def test_retries_timeouts_failures_match_local(
    keep_going: bool, cluster: Cluster, f0: Any, tmp_path: Path
) -> None:
    extra = ("--continue-on-error",) if keep_going else ()
    results = {}
    for how, args in {
        "local": ("--workers", "2"),
        "dask": ("--scheduler", "dask", "--dask-address", cluster.address),
    }.items():
        folder = tmp_path / how
        recipe = write_recipe(folder, FEATURES.format(counter=folder / "flaky.count"))
        rc, result = _run(f0, recipe, *args, *extra)
        assert rc == 1, (how, result)
        results[how] = comparable(result, folder)
    assert results["dask"] == results["local"]
    steps = results["dask"]["steps"]
    assert steps["broken"]["status"] == "FAILED"
    assert steps["broken"]["error"] == "ValueError: boom"
    # The traceback names the recipe's own file, not the worker's unpacked copy.
    assert '"<recipe folder>/steps.py", line' in steps["broken"]["traceback"]
    assert steps["off"]["status"] == "SKIPPED"
    assert "boom.partial" not in results["dask"]["context"]
    if keep_going:
        assert results["dask"]["status"] == "PARTIAL"
        assert steps["flaky"] == {
            "status": "COMPLETED",
            "attempts": 3,
            "error": None,
            "attempt_errors": ["RuntimeError: flaky failure 1", "RuntimeError: flaky failure 2"],
        }
        assert steps["slow"]["status"] == "FAILED"
        assert steps["slow"]["error"] == "timeout after 2s"
        assert steps["after_slow"]["error"] == "dependency 'slow' not satisfied"
        assert results["dask"]["context"]["total"] == 4  # a=1 + flaky.runs=3
    else:
        # Two threads on both: first and flaky start; slow takes first's thread,
        # broken flaky's once its retries are done; broken's failure stops sum.
        assert results["dask"]["status"] == "FAILED"
        assert steps["flaky"]["status"] == "COMPLETED"
        assert steps["slow"]["error"] == "timeout after 2s"
        assert steps["sum"]["error"] == "run stopped after step 'broken' failed"


def test_a_failure_stops_steps_queued_on_the_cluster(
    cluster: Cluster, f0: Any, tmp_path: Path
) -> None:
    """Steps already waiting in Dask's queues when a step fails never start.

    ``--workers 4`` on two single-thread workers: hold and broken start at
    once, c and d wait in the workers' queues. broken fails: its worker stops
    the run before taking its next task, the client tells the other one.
    """
    log = tmp_path / "executions.log"
    recipe = write_recipe(
        tmp_path / "queued",
        f"""
metadata: {{name: queued}}
steps:
  - {{name: hold, idx: 1, module: steps, function: put, args: {{me: hold, log: {log}, sleep: 1}}}}
  - {{name: broken, idx: 2, module: steps, function: boom}}
  - {{name: c, idx: 3, module: steps, function: put, args: {{me: c, log: {log}}}}}
  - {{name: d, idx: 4, module: steps, function: put, args: {{me: d, log: {log}}}}}
""",
    )
    dask = ("--scheduler", "dask", "--dask-address", cluster.address, "--workers", "4")
    rc, result = _run(f0, recipe, *dask)
    assert rc == 1, result
    steps = result["steps"]
    assert steps["broken"]["status"] == "FAILED"
    assert steps["hold"]["status"] == "COMPLETED"
    for name in ("c", "d"):
        assert steps[name]["status"] == "SKIPPED"
        assert steps[name]["error"] == "run stopped after step 'broken' failed"
    assert [line.split()[:2] for line in log.read_text().splitlines()] == [
        ["start", "hold"],
        ["end", "hold"],
    ]


def test_resume_and_the_run_store(cluster: Cluster, f0: Any, tmp_path: Path) -> None:
    flag = tmp_path / "gate.closed"
    flag.write_text("closed")
    log = tmp_path / "executions.log"
    recipe = write_recipe(
        tmp_path / "resume",
        f"""
metadata: {{name: resume}}
steps:
  - {{name: a, idx: 1, module: steps, function: put, args: {{me: a, log: {log}, values: {{x: 2}}}}}}
  - {{name: g, idx: 2, module: steps, function: gate, args: {{flag: {flag}}}, depends_on: [a]}}
  - {{name: b, idx: 3, module: steps, function: add, args: {{inputs: [x, x], out: y}}, depends_on: [g]}}
""",
    )
    dask = ("--scheduler", "dask", "--dask-address", cluster.address)
    rc, first = _run(f0, recipe, *dask)
    assert rc == 1
    assert first["steps"]["g"]["status"] == "FAILED"
    assert first["steps"]["b"]["status"] == "SKIPPED"
    flag.unlink()
    rc, resumed = _run(f0, recipe, *dask, "--resume", "last")
    assert rc == 0, resumed
    assert resumed["context"]["y"] == 4
    assert log.read_text().count("start a") == 1  # a was replayed, not run again
    shown = f0("runs", "show", "last", "--json", cwd=recipe.parent)
    run = json.loads(shown.stdout)
    assert run["resumed_from"] == first["run_id"]
    assert [s["status"] for s in run["steps"].values()] == ["COMPLETED"] * 3


def test_recipe_folder_is_shipped_to_workers(cluster: Cluster, f0: Any, tmp_path: Path) -> None:
    folder = tmp_path / "shipme"
    recipe = write_recipe(
        folder,
        """
metadata: {name: shipped}
steps:
  - {name: where, idx: 1, module: steps, function: where}
""",
    )
    (folder / "data").mkdir()
    (folder / "data" / "input.txt").write_text("from the recipe folder\n")
    rc, result = _run(f0, recipe, "--scheduler", "dask", "--dask-address", cluster.address)
    assert rc == 0, result
    context = result["context"]
    assert context["where.data"] == "from the recipe folder"
    ran_in = Path(context["steps.where.result"]["folder"])
    assert ran_in != folder
    assert ran_in.is_relative_to(cluster.root)  # a worker's local directory
    assert not (folder / "written-by-step.txt").exists()  # what a step writes stays there
    # With --dask-shared the same recipe runs in its own folder.
    rc, result = _run(
        f0, recipe, "--scheduler", "dask", "--dask-address", cluster.address, "--dask-shared"
    )
    assert rc == 0, result
    assert Path(result["context"]["steps.where.result"]["folder"]) == folder
    assert (folder / "written-by-step.txt").exists()


def test_unreachable_address_is_one_line(f0: Any, tmp_path: Path) -> None:
    recipe = write_recipe(
        tmp_path,
        "metadata: {name: x}\nsteps:\n  - {name: a, idx: 1, module: steps, function: put}\n",
    )
    address = f"tcp://127.0.0.1:{free_port()}"  # nothing listens there
    done = f0(
        "run",
        str(recipe),
        "--scheduler",
        "dask",
        "--dask-address",
        address,
        env={"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "1s"},
    )
    assert done.returncode == 2, done
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done
    assert lines[0].startswith("--dask-address: cannot reach the Dask scheduler at")
    assert address in lines[0]
    assert "Traceback" not in done.stderr
    runs = f0("runs", "list", "--json", cwd=tmp_path)
    assert json.loads(runs.stdout or "[]") == []  # nothing was recorded as started


def test_a_killed_worker_does_not_lose_or_double_a_step(tmp_path: Path) -> None:
    cluster = Cluster(tmp_path / "cluster", workers=2)
    try:
        log = tmp_path / "side-effects.log"
        names = [f"s{n}" for n in range(4)]
        steps = "\n".join(
            f"  - {{name: {name}, idx: {n}, module: steps, function: put, "
            f"args: {{me: {name}, log: {log}, sleep: 3, values: {{done.{name}: {n}}}}}}}"
            for n, name in enumerate(names, 1)
        )
        steps += (
            "\n  - {name: total, idx: 9, module: steps, function: add, "
            f"args: {{inputs: [{', '.join(f'done.{n}' for n in names)}], out: total}}, "
            f"depends_on: [{', '.join(names)}]}}"
        )
        recipe = write_recipe(tmp_path / "kill", f"metadata: {{name: kill}}\nsteps:\n{steps}\n")
        proc = subprocess.Popen(
            [str(F0), "run", str(recipe), "--json", "--quiet", "--scheduler", "dask"],
            cwd=recipe.parent,
            env={**os.environ, "F0_DASK_ADDRESS": cluster.address, "NO_COLOR": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            worker_pids = {w.pid for w in cluster.workers}
            victim = None
            deadline = time.monotonic() + 60
            while victim is None and time.monotonic() < deadline:
                for line in log.read_text().splitlines() if log.exists() else []:
                    kind, step, pid = line.split()
                    if kind == "start" and int(pid) in worker_pids:
                        victim = (step, int(pid))
                        break
                time.sleep(0.05)
            assert victim is not None, cluster.logs()
            os.kill(victim[1], signal.SIGKILL)  # mid-step: it sleeps 3 s
            out, err = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        assert proc.returncode == 0, err
        result = json.loads(out)
        assert all(s["status"] == "COMPLETED" for s in result["steps"].values())
        assert all(s["attempts"] == 1 for s in result["steps"].values())
        assert result["context"]["total"] == sum(range(1, 5))
        lines = [line.split() for line in log.read_text().splitlines()]
        ends = [step for kind, step, _ in lines if kind == "end"]
        assert sorted(ends) == sorted(names)  # each step's code finished exactly once...
        starts = [step for kind, step, _ in lines if kind == "start"]
        assert starts.count(victim[0]) == 2  # ...the killed one having started twice
        # Each step's delta was applied once: the run store has one record per
        # step, numbered 1..5 in completion order without a gap or a repeat.
        shown = subprocess.run(
            [str(F0), "runs", "show", result["run_id"], "--json"],
            cwd=recipe.parent,
            capture_output=True,
            text=True,
            check=True,
        )
        seqs = sorted(s["seq"] for s in json.loads(shown.stdout)["steps"].values())
        assert seqs == list(range(1, 6))
    finally:
        cluster.stop()


def test_ctrl_c_cancels_the_run(cluster: Cluster, tmp_path: Path) -> None:
    log = tmp_path / "executions.log"
    recipe = write_recipe(
        tmp_path / "cancel",
        f"""
metadata: {{name: cancel}}
steps:
  - {{name: long, idx: 1, module: steps, function: put, args: {{me: long, log: {log}, sleep: 8}}}}
  - {{name: after, idx: 2, module: steps, function: put, depends_on: [long]}}
""",
    )
    proc = subprocess.Popen(
        [str(F0), "run", str(recipe), "--json", "--quiet", "--scheduler", "dask",
         "--dask-address", cluster.address],
        cwd=recipe.parent,
        env={**os.environ, "NO_COLOR": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not (log.exists() and "start long" in log.read_text()):
            assert time.monotonic() < deadline, "the step never started"
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 1, err
    assert "Traceback" not in err
    result = json.loads(out)
    assert result["status"] == "CANCELLED"
    assert result["steps"]["long"]["status"] == "CANCELLED"
    assert result["steps"]["after"]["status"] == "SKIPPED"
    assert result["steps"]["after"]["error"] == "run cancelled"
