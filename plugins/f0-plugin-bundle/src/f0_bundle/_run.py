"""``f0 bundle run``: verify, unpack, build a fresh virtualenv, run the recipe with a timeout.

Nothing runs from the bundle itself: its files are copied (or extracted)
into a new folder, each checked against its manifest hash again while being
written, so a bundle changed after ``verify`` is still caught. The
virtualenv gets only what ``requirements.txt`` and the bundled wheels name;
with a wheelhouse the install is offline (``--no-index``, and pip's own
config files are ignored so nothing else is consulted).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

from f0 import UsageError

from f0_bundle._errors import BundleError
from f0_bundle._manifest import MANIFEST
from f0_bundle._verify import Report, verify_bundle

__all__ = ["INSTALL_TIMEOUT", "run_bundle"]

#: Seconds each of ``python -m venv`` and ``pip install`` may take.
INSTALL_TIMEOUT = 600.0
#: Seconds the recipe gets to stop after SIGTERM before SIGKILL.
_GRACE = 5.0
#: Host settings that must not leak into the bundle's interpreter.
_DROP_ENV = (
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONSTARTUP",
    "PYTHONUSERBASE",
    "VIRTUAL_ENV",
    "F0_LOAD_PLUGINS",
    "F0_DISABLE_PLUGIN_AUTOLOAD",
    "F0_DISABLE_PLUGINS",
)


def run_bundle(
    bundle: Path,
    *,
    timeout: float,
    wheelhouse: Path | None = None,
    keep: bool = False,
    say: Callable[[str], None] = print,
) -> int:
    """Verify *bundle*, then run its recipe in a fresh virtualenv; return the recipe's exit code."""
    if timeout <= 0:
        raise UsageError("must be more than 0 seconds", where="--timeout")
    if wheelhouse is not None and not wheelhouse.is_dir():
        raise UsageError("wheelhouse is not a folder", where=f"--wheelhouse {wheelhouse}")
    report = verify_bundle(bundle)
    if not report.ok:
        first = report.findings[0]
        msg = f"verification failed ({len(report.findings)} problem(s)), first: {first}"
        raise BundleError(msg, where=str(bundle))
    work = Path(tempfile.mkdtemp(prefix="f0-bundle-run-"))
    try:
        root = work / "bundle"
        _unpack(report, root)
        venv = work / "venv"
        say(f"f0 bundle: building a virtualenv in {venv}")
        python = _build_venv(venv, root, wheelhouse)
        say(
            f"f0 bundle: running {report.manifest.recipe_file if report.manifest else '?'} in {root}"
        )
        return _run_recipe(python, root, timeout)
    finally:
        if keep:
            say(f"f0 bundle: kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def _unpack(report: Report, dest: Path) -> None:
    assert report.manifest is not None  # noqa: S101 - report.ok
    dest.mkdir(parents=True)
    if report.format == "dir":

        def opener(rel: str) -> IO[bytes]:
            fd = os.open(report.bundle / rel, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            return os.fdopen(fd, "rb")

        _copy_all(report, dest, opener)
        return
    with zipfile.ZipFile(report.bundle) as zf:
        _copy_all(report, dest, lambda rel: zf.open(report.prefix + rel))


def _copy_all(report: Report, dest: Path, opener: Callable[[str], IO[bytes]]) -> None:
    assert report.manifest is not None  # noqa: S101 - report.ok
    for entry in report.manifest.files:  # paths checked safe by verify
        target = dest / entry.path
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        with opener(entry.path) as src, target.open("xb") as out:
            while chunk := src.read(1024 * 1024):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != entry.sha256:
            msg = "changed while it was being unpacked (sha256 differs from the manifest)"
            raise BundleError(msg, where=f"{report.bundle}: {entry.path}")
    with opener(MANIFEST) as src, (dest / MANIFEST).open("xb") as out:
        shutil.copyfileobj(src, out)
    (dest / "run_recipe.py").chmod(0o755)


def _clean_env(venv: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _DROP_ENV}
    env["PYTHONNOUSERSITE"] = "1"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PIP_NO_INPUT"] = "1"
    if venv is not None:
        env["VIRTUAL_ENV"] = str(venv)
        env["PATH"] = os.pathsep.join([str(_bin(venv)), env.get("PATH", "")])
    return env


def _bin(venv: Path) -> Path:
    return venv / ("Scripts" if sys.platform == "win32" else "bin")


def _step(cmd: list[str], what: str, *, cwd: Path, env: dict[str, str]) -> None:
    try:
        proc = subprocess.run(
            cmd,
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        msg = f"{what} took more than {INSTALL_TIMEOUT:.0f} s"
        raise BundleError(msg, where="virtualenv") from None
    if proc.returncode != 0:
        lines = [ln.strip() for ln in (proc.stderr or proc.stdout).splitlines() if ln.strip()]
        detail = " / ".join(lines[-3:]) or f"exit code {proc.returncode}"
        msg = f"{what} failed: {detail}"
        raise BundleError(msg, where="virtualenv")


def _build_venv(venv: Path, root: Path, wheelhouse: Path | None) -> Path:
    env = _clean_env()
    _step([sys.executable, "-m", "venv", str(venv)], "creating the virtualenv", cwd=root, env=env)
    python = _bin(venv) / ("python.exe" if sys.platform == "win32" else "python")
    cmd = [str(python), "-m", "pip", "install", "--quiet"]
    wheels = sorted((root / "wheels").glob("*.whl")) if (root / "wheels").is_dir() else []
    if wheels:
        cmd += ["--find-links", str(root / "wheels")]
    if wheelhouse is not None:
        # Offline: only the bundle's wheels and the wheelhouse, no index, no pip config.
        cmd += ["--no-index", "--find-links", str(wheelhouse.resolve())]
        env["PIP_CONFIG_FILE"] = os.devnull
    cmd += ["-r", "requirements.txt", *(str(w) for w in wheels)]
    _step(cmd, "installing the bundle's requirements", cwd=root, env=env)
    return python


def _run_recipe(python: Path, root: Path, timeout: float) -> int:
    cmd = [str(python), "run_recipe.py"]
    # A session of its own, so a timeout ends the recipe and everything it started.
    proc = subprocess.Popen(
        cmd, cwd=root, env=_clean_env(python.parent.parent), start_new_session=True
    )
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc)
        msg = f"the recipe did not finish within {timeout:g} s and was stopped"
        raise BundleError(msg, where="--timeout") from None
    except KeyboardInterrupt:
        _kill(proc)
        raise


def _kill(proc: subprocess.Popen[bytes]) -> None:
    for sig, wait in ((signal.SIGTERM, _GRACE), (signal.SIGKILL, _GRACE)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
        return
