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
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from f0_bundle._dists import canonical
from f0_bundle._errors import BundleError

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
    sources: list[Path] = []
    wheels: dict[str, str] = {}
    for dist in dists:
        if dist.source_wheel is not None:
            shutil.copyfile(dist.source_wheel, out_dir / dist.source_wheel.name)
            wheels[canonical(dist.name)] = dist.source_wheel.name
        elif dist.source_dir is not None:
            sources.append(dist.source_dir)
        else:
            warnings.append(
                f"{dist.pin} was not installed from a local folder or wheel: not vendored; "
                "the target needs it on its package index or wheelhouse"
            )
    if sources:
        _pip_wheel(sources, out_dir)
    for wheel in sorted(out_dir.glob("*.whl")):
        wheels.setdefault(canonical(wheel.name.split("-", 1)[0]), wheel.name)
    missing = [d.pin for d in dists if canonical(d.name) not in wheels and d.source_dir]
    if missing:
        msg = f"pip wheel did not produce a wheel for {', '.join(missing)}"
        raise BundleError(msg, where="wheels")
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
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=BUILD_TIMEOUT, check=False, env=env
        )
    except subprocess.TimeoutExpired:
        msg = f"building wheels took more than {BUILD_TIMEOUT:.0f} s"
        raise BundleError(msg, where="wheels") from None
    if proc.returncode != 0:
        lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
        if "No module named pip" in proc.stderr:
            detail = f"pip is not installed in {sys.executable}"
        else:
            detail = " / ".join(lines[-3:]) or f"exit code {proc.returncode}"
        msg = (
            f"cannot build wheels of the f0 distributions ({detail}); "
            "their build backend (hatchling) must be installed here"
        )
        raise BundleError(msg, where="wheels")
