"""What runs on a Dask worker: one attempt of one step.

The task function is module-level so it pickles by reference: every worker
needs ``f0-plugin-dask`` (and the plugins of the recipe's step types)
installed, as it needs ``f0`` itself. It only touches its arguments and the
worker's own folder, and returns the attempt's outcome and, if it
succeeded, the step's delta; the client applies that delta.

:func:`stop_run` marks a run stopped in this worker process: from then on
it does not start a first attempt of that run's steps, and answers
``(None, None)`` instead. Without ``--continue-on-error`` a worker marks the
run itself when a step's last attempt fails here, before it takes its next
task (as a local pool thread stops before its next claim), and the client
broadcasts the mark to every other worker when it gets the failure.
"""

from __future__ import annotations

import collections
import contextlib
import sys
import threading
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
from f0 import StepOutcome, run_attempt

if TYPE_CHECKING:
    from f0 import Delta, Step, StepContext, StepEnv, StepRunner

__all__ = ["attempt_on_worker", "shipped_folder", "stop_run"]

_UNPACK_LOCK = threading.Lock()
#: Runs stopped by a failure, newest last. Bounded: a long-lived worker serves
#: many runs, and a run's tasks are all gone once its client has its results.
_STOPPED: collections.deque[str] = collections.deque(maxlen=256)


def stop_run(run_id: str) -> None:
    """Mark *run_id* as stopped in this worker process (run through ``Client.run``).

    Runs in the worker's event loop, before any task of the run that is
    still queued here starts; ``deque.append`` is atomic under the GIL.
    """
    if run_id not in _STOPPED:
        _STOPPED.append(run_id)


def shipped_folder(zip_name: str) -> Path:
    """The recipe folder shipped as *zip_name* (``Client.upload_file``), unpacked once per worker.

    The archive's name carries its content digest, so a changed recipe
    folder unpacks beside the old one instead of over it.
    """
    from distributed import get_worker

    local = Path(get_worker().local_directory)
    target = local / "f0-recipes" / Path(zip_name).stem
    with _UNPACK_LOCK:  # several tasks of one worker may arrive at once
        if not target.is_dir():
            partial = target.with_name(target.name + ".partial")
            with zipfile.ZipFile(local / zip_name) as archive:
                archive.extractall(partial)
            partial.rename(target)
    return target


def _with_deadline(
    runner: StepRunner, step: Step, view: StepContext, env: StepEnv, timeout: float
) -> StepOutcome:
    """:func:`f0.run_attempt` in a daemon thread, given up after *timeout* seconds.

    A Python thread cannot be killed: past the deadline the view is closed
    (the step's later writes raise and are dropped) and the thread is left
    to end on its own; the worker slot is free again at once.
    """
    box: list[StepOutcome] = []
    thread = threading.Thread(
        target=lambda: box.append(run_attempt(runner, step, view, env)),
        name=f"f0-step-{step.name}",
        daemon=True,
    )
    thread.start()
    thread.join(timeout)
    if box:
        return box[0]
    view.close()
    return StepOutcome(success=False, exit_code=1, error=f"timeout after {timeout:g}s")


def attempt_on_worker(
    runner: StepRunner,
    step: Step,
    view: StepContext,
    env: StepEnv,
    shipped: str | None,
    *,
    stop_on_failure: bool = False,
) -> tuple[StepOutcome | None, Delta | None]:
    """Make one attempt of *step* on this worker; return (outcome, delta if it succeeded).

    *shipped* names the uploaded recipe archive; steps then run in its
    unpacked copy (``env.base_dir`` is that folder), else in the recipe
    folder itself (same machine, or a shared filesystem).

    A first attempt of a run that :func:`stop_run` marked is not made: the
    answer is ``(None, None)``, "not started". Later attempts of a step that
    already started still run, as the local scheduler's retries do. With
    *stop_on_failure*, a failed last attempt marks its run stopped here.
    """
    if env.attempt == 1 and env.run_id in _STOPPED:
        return None, None
    recipe_dir = env.base_dir
    if shipped is not None:
        env = attrs.evolve(env, base_dir=shipped_folder(shipped))
    # What a step prints goes to stderr, as under `f0 run --json` locally: a
    # LocalCluster's workers share f0's stdout, which carries only the result.
    with contextlib.redirect_stdout(sys.stderr):
        if env.timeout is None:
            outcome = run_attempt(runner, step, view, env)
        else:
            outcome = _with_deadline(runner, step, view, env, env.timeout)
    if not outcome.success and stop_on_failure and env.attempt >= step.retry.max_attempts:
        stop_run(env.run_id)
    if shipped is not None and outcome.traceback:
        # The traceback names the user's files, not the worker's unpacked copy of them.
        text = outcome.traceback.replace(str(env.base_dir), str(recipe_dir))
        outcome = attrs.evolve(outcome, traceback=text)
    # Under --trace a failed attempt's delta goes back too: its reads go in the trace.
    return outcome, (view.delta() if outcome.success or env.trace else None)
