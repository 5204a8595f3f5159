"""The ``shell`` step type: run a command in a real subprocess.

Keys: ``command`` (a list runs without a shell, a string through ``/bin/sh``),
``env`` (merged over ``os.environ``), ``cwd`` (relative to the recipe folder,
which is the default) and ``output_key`` (default: the step's name). The
command's ``stdout``, ``stderr`` and ``exit_code`` go into the context as
``<output_key>.stdout`` and so on.

The command runs in its own process group (session), so at the step's
timeout the whole group is killed: a shell's children die with it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from f0 import Problem, Severity, StepOutcome

if TYPE_CHECKING:
    from f0 import Recipe, Step, StepContext, StepEnv

__all__ = ["ShellRunner"]

#: Exit code reported for a command killed at its timeout (as GNU ``timeout``).
TIMEOUT_EXIT_CODE = 124
#: Seconds to wait for pipes to close after the process group was killed.
_DRAIN_SECONDS = 5.0
_SCALARS = (str, int, float)


class ShellRunner:
    """Runs ``type: shell`` steps. Stateless, so it pickles to worker processes."""

    option_keys: frozenset[str] = frozenset({"command", "env", "cwd", "output_key"})

    def prepare(self, step: Step, recipe: Recipe) -> list[Problem]:  # noqa: ARG002 - protocol
        """Check ``command``, ``env``, ``cwd`` and ``output_key`` have usable types."""
        opts = step.options
        problems: list[Problem] = []

        def bad(key: str, message: str, code: str) -> None:
            pos = step.where(key) if key in opts else step.where()
            problems.append(Problem(message=f"step {step.name!r}: {message}", pos=pos, code=code))

        command = opts.get("command")
        if command is None:
            bad("command", "shell steps need 'command' (a string or a list of strings)", "E040")
        elif isinstance(command, str):
            if not command.strip():
                bad("command", "'command' is empty", "E040")
        elif isinstance(command, list):
            if not command:
                bad("command", "'command' is an empty list", "E040")
            for i, part in enumerate(command):
                if isinstance(part, bool) or not isinstance(part, _SCALARS):
                    kind = type(part).__name__
                    bad("command", f"'command[{i}]' must be a string, not {kind}", "E040")
        else:
            kind = type(command).__name__
            bad("command", f"'command' must be a string or a list of strings, not {kind}", "E040")
        env = opts.get("env")
        if env is not None:
            if not isinstance(env, Mapping):
                bad("env", f"'env' must be a mapping of strings, not {type(env).__name__}", "E041")
            else:
                for name, value in env.items():
                    if not isinstance(name, str) or not name or "=" in name:
                        bad("env", f"'env' has an invalid variable name {name!r}", "E041")
                    elif isinstance(value, bool) or not isinstance(value, _SCALARS):
                        kind = type(value).__name__
                        bad("env", f"'env.{name}' must be a string, not {kind}", "E041")
        cwd = opts.get("cwd")
        if cwd is not None and not isinstance(cwd, str):
            bad("cwd", f"'cwd' must be a string, not {type(cwd).__name__}", "E042")
        key = opts.get("output_key")
        if key is not None and (not isinstance(key, str) or not key):
            bad("output_key", "'output_key' must be a non-empty string", "E043")
        if step.args:
            problems.append(
                Problem(
                    message=f"step {step.name!r}: shell steps ignore 'args'; put them in 'command'",
                    pos=step.where("args"),
                    severity=Severity.WARNING,
                    code="W044",
                )
            )
        return problems

    def run(self, step: Step, context: StepContext, env: StepEnv) -> StepOutcome:
        """Run the command once; fail on a non-zero exit code or at ``env.timeout``."""
        opts = step.options
        command = opts.get("command")
        if isinstance(command, list):
            argv: str | list[str] = [str(part) for part in command]
        elif isinstance(command, str):
            argv = command
        else:
            return StepOutcome(success=False, exit_code=2, error="shell steps need 'command'")
        cwd = Path(env.data_dir) / str(opts.get("cwd") or ".")
        if not cwd.is_dir():
            return StepOutcome(success=False, exit_code=2, error=f"cwd is not a directory: {cwd}")
        environ = dict(os.environ)
        environ.update({str(k): str(v) for k, v in (opts.get("env") or {}).items()})
        try:
            proc = _start(argv, cwd, environ)
        except OSError as exc:
            return _start_failed(argv, exc)
        stdout, stderr, timed_out = _communicate(proc, env.timeout)
        if timed_out:
            return StepOutcome(
                success=False,
                exit_code=TIMEOUT_EXIT_CODE,
                error=f"timeout after {env.timeout:g}s",
            )
        code = proc.returncode
        key = str(opts.get("output_key") or step.name)
        context.set(f"{key}.stdout", stdout)
        context.set(f"{key}.stderr", stderr)
        context.set(f"{key}.exit_code", code)
        expected = step.success_criteria.get("exit_code", 0)
        if code == (expected if isinstance(expected, int) else 0):
            return StepOutcome(success=True, exit_code=code)
        return StepOutcome(success=False, exit_code=_exit_code(code), error=_describe(code, stderr))

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def __repr__(self) -> str:
        return "ShellRunner()"


def _start(argv: str | list[str], cwd: Path, environ: dict[str, str]) -> subprocess.Popen[bytes]:
    extra: dict[str, Any] = {}
    if os.name == "posix":
        extra["start_new_session"] = True  # its own process group, killed as one
    else:  # pragma: no cover - Windows
        extra["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP  # type: ignore[attr-defined]
    # A string command is run by the shell on purpose (S602 is off project-wide).
    return subprocess.Popen(
        argv,
        shell=isinstance(argv, str),
        cwd=cwd,
        env=environ,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **extra,
    )


def _communicate(proc: subprocess.Popen[bytes], timeout: float | None) -> tuple[str, str, bool]:
    """Wait for *proc*; kill its group at *timeout*. Returns stdout, stderr, timed_out."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        out, err = _drain(proc)
        return _text(out), _text(err), True
    except BaseException:  # Ctrl-C or a cancelled worker: never leave the command running
        _kill_group(proc)
        _drain(proc)
        raise
    return _text(out), _text(err), False


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    if os.name == "posix":
        with contextlib.suppress(ProcessLookupError, PermissionError):  # already gone
            os.killpg(proc.pid, signal.SIGKILL)
    else:  # pragma: no cover - Windows
        proc.kill()


def _drain(proc: subprocess.Popen[bytes]) -> tuple[bytes, bytes]:
    try:
        return proc.communicate(timeout=_DRAIN_SECONDS)
    except subprocess.TimeoutExpired:
        # A grandchild left the group and holds the pipes: stop listening.
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
        proc.wait()
        return b"", b""


def _text(data: bytes | None) -> str:
    return (data or b"").decode("utf-8", errors="replace")


def _start_failed(argv: str | list[str], exc: OSError) -> StepOutcome:
    program = argv[0] if isinstance(argv, list) else argv
    if isinstance(exc, FileNotFoundError):
        return StepOutcome(success=False, exit_code=127, error=f"command not found: {program}")
    if isinstance(exc, PermissionError):
        return StepOutcome(success=False, exit_code=126, error=f"permission denied: {program}")
    return StepOutcome(success=False, exit_code=126, error=f"cannot start {program}: {exc}")


def _exit_code(code: int) -> int:
    # Killed by signal N shows as -N; report it the way a shell does (128 + N).
    return 128 - code if code < 0 else code


def _describe(code: int, stderr: str) -> str:
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        head = f"killed by {name}"
    else:
        head = f"exit code {code}"
    lines = [line for line in stderr.splitlines() if line.strip()]
    return f"{head}: {lines[-1].strip()}" if lines else head
