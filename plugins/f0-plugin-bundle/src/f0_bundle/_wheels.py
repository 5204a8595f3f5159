"""Wheels of the f0 distributions a bundle vendors, built offline from their local sources.

f0 and its plugins are usually installed from a checkout (``pip install -e``)
and are on no package index, so the bundle must carry them. ``pip wheel
--no-deps --no-build-isolation --no-index`` builds each from the folder it
was installed from, with the build backend already installed here (hatchling
for every first-party plugin): no network. hatchling writes reproducible
wheels (fixed timestamps, sorted entries), so the same sources give the same
bytes. A distribution installed from a local wheel file is copied as is.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from f0_bundle._dists import canonical
from f0_bundle._errors import BundleError
from f0_bundle._wheelcache import WheelCache

if TYPE_CHECKING:
    from f0_bundle._dists import Dist

__all__ = ["BUILD_TIMEOUT", "vendor_wheels"]

#: Seconds ``pip wheel`` may take for all distributions together.
BUILD_TIMEOUT = 300.0


def vendor_wheels(dists: list[Dist], out_dir: Path) -> tuple[dict[str, str], list[str]]:
    """Put a wheel of each of *dists* into *out_dir*.

    Returns ``{canonical name: wheel file name}`` and a warning for each
    distribution that has no local source (it stays a pinned requirement that
    the target machine must find on its index or wheelhouse).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    warnings: list[str] = []
    wheels: dict[str, str] = {}
    cache = WheelCache.from_env()
    to_build: dict[str, tuple[Dist, str | None]] = {}
    for dist in dists:
        name = canonical(dist.name)
        if dist.source_wheel is not None:
            shutil.copyfile(dist.source_wheel, out_dir / dist.source_wheel.name)
            wheels[name] = dist.source_wheel.name
        elif dist.source_dir is not None:
            key = cache.key(dist) if cache else None
            hit = cache.get(key) if cache and key else None
            if hit is not None:
                shutil.copyfile(hit, out_dir / hit.name)
                wheels[name] = hit.name
            else:
                to_build[name] = (dist, key)
        else:
            warnings.append(
                f"{dist.pin} was not installed from a local folder or wheel: not vendored; "
                "the target needs it on its package index or wheelhouse"
            )
    if to_build:
        _pip_wheel([d.source_dir for d, _ in to_build.values() if d.source_dir], out_dir)
    for wheel in sorted(out_dir.glob("*.whl")):
        wheels.setdefault(canonical(wheel.name.split("-", 1)[0]), wheel.name)
    missing = [d.pin for name, (d, _) in to_build.items() if name not in wheels]
    if missing:
        msg = f"pip wheel did not produce a wheel for {', '.join(missing)}"
        raise BundleError(msg, where="wheels")
    for name, (_, key) in to_build.items():
        if cache and key:
            cache.put(key, out_dir / wheels[name])
    return wheels, warnings


def _pip_wheel(sources: list[Path], out_dir: Path) -> None:
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--quiet",
        "--no-deps",
        "--no-build-isolation",
        "--no-index",
        "--disable-pip-version-check",
        "--no-input",
        "--wheel-dir",
        str(out_dir),
        *(str(s) for s in sources),
    ]
    env = {**os.environ, "PIP_NO_INPUT": "1"}
    if not env.get("SOURCE_DATE_EPOCH", "x").strip():
        del env["SOURCE_DATE_EPOCH"]  # hatchling fails on an empty one
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=BUILD_TIMEOUT, check=False, env=env
        )
    except subprocess.TimeoutExpired:
        msg = f"building wheels took more than {BUILD_TIMEOUT:.0f} s"
        raise BundleError(msg, where="wheels") from None
    if proc.returncode != 0:
        if "No module named pip" in proc.stderr:
            detail = f"pip is not installed in {sys.executable}"
        else:
            detail = _cause(proc.stderr) or f"exit code {proc.returncode}"
        msg = (
            f"cannot build wheels of the f0 distributions ({detail}); "
            "their build backend (hatchling) must be installed here"
        )
        raise BundleError(msg, where="wheels")


def _cause(stderr: str) -> str:
    """The line of pip's output that says what went wrong (an exception, else the last line)."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    errors = [ln for ln in lines if re.match(r"[A-Za-z_.]*(Error|Exception)\b", ln)]
    return (errors or lines or [""])[-1]
