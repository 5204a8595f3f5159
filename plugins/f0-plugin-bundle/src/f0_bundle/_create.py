"""``f0 bundle create``: analyse the recipe, stage every file, pack it as dir, zip or pyz.

Everything is first written into a staging folder beside the output, then
moved (dir) or zipped (zip, pyz) into place atomically, so a failed create
leaves no half bundle. Reproducible: ``created_at`` and every timestamp come
from ``SOURCE_DATE_EPOCH`` or else the newest mtime of the recipe's own files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import platform
import re
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
from f0 import UsageError, __version__
from packaging.requirements import InvalidRequirement, Requirement

from f0_bundle._analyze import Analysis, analyze
from f0_bundle._archive import replace_dir, write_zip
from f0_bundle._dists import SELF, Dist, DistIndex, canonical
from f0_bundle._docker import base_image_for, dockerfile
from f0_bundle._errors import BundleError
from f0_bundle._launcher import pyz_main, run_recipe_script
from f0_bundle._manifest import MANIFEST, MANIFEST_VERSION, FileEntry, dump_manifest, hash_stream
from f0_bundle._wheels import vendor_wheels

if TYPE_CHECKING:
    from f0 import Recipe

    from f0_bundle._plugins import Providers

__all__ = ["FORMATS", "CreateOptions", "Created", "bundle_name", "create_bundle", "source_epoch"]

FORMATS = ("dir", "zip", "pyz")
STARTUP = "run_recipe.py"
_SHEBANG = b"#!/usr/bin/env python3\n"
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@attrs.frozen(kw_only=True)
class CreateOptions:
    """How ``f0 bundle create`` builds a bundle beyond its format."""

    #: Vendor only the f0 plugins the recipe needs (loader, step types,
    #: scheduler, context store, imports) instead of every installed one.
    minimal: bool = False
    dockerfile: bool = False
    base_image: str | None = None


@attrs.frozen(kw_only=True)
class Created:
    """A bundle :func:`create_bundle` wrote."""

    path: Path
    format: str
    file_count: int
    total_size: int
    manifest_sha256: str
    warnings: tuple[str, ...]


def bundle_name(recipe: Recipe) -> str:
    """The bundle's name: the recipe's name made safe for a file name."""
    stem = recipe.path.stem if recipe.path else "recipe"
    name = _UNSAFE_NAME.sub("-", recipe.name or stem).strip(".-")
    return name or "recipe"


def source_epoch(files: list[Path]) -> int:
    """``SOURCE_DATE_EPOCH`` if set (and not empty), else the newest mtime of *files* (whole seconds)."""
    env = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if env:  # set and not empty
        try:
            value = int(env)
        except ValueError:
            msg = f"must be a whole number of seconds, not {env!r}"
            raise UsageError(msg, where="SOURCE_DATE_EPOCH") from None
        if value < 0:
            raise UsageError("must not be negative", where="SOURCE_DATE_EPOCH")
        return value
    newest = max((int(f.stat().st_mtime) for f in files), default=0)
    # Zip entries keep even seconds only: an even stamp makes the manifest's
    # created_at and every entry's time the same instant.
    return newest - newest % 2


def create_bundle(
    recipe: Recipe, output_dir: Path, fmt: str, options: CreateOptions, hooks: Providers | None
) -> Created:
    """Write the bundle of *recipe* into *output_dir* as *fmt* (``dir``, ``zip``, ``pyz``)."""
    if fmt not in FORMATS:
        msg = f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})"
        raise UsageError(msg, where="--format")
    base_image = base_image_for(options.base_image) if options.dockerfile else ""
    index = DistIndex()
    analysis = analyze(recipe, hooks, index)
    if not analysis.success:
        first = analysis.unresolved[0]
        more = len(analysis.unresolved) - 1
        extra = f" (and {more} more; see f0 bundle analyze)" if more else ""
        msg = f"cannot bundle {first.module}: {first.reason}{extra}"
        raise BundleError(msg, where=first.where)
    name = bundle_name(recipe)
    epoch = source_epoch([f.source for f in analysis.files])
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        msg = f"cannot create the output folder: {exc.strerror or exc}"
        raise UsageError(msg, where=f"--output {output_dir}") from None
    staging = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".staging", dir=output_dir))
    try:
        built = _stage(staging, recipe, analysis, index, name, fmt, options, base_image, epoch)
        dest = output_dir / (name if fmt == "dir" else f"{name}.{fmt}")
        files = [e.path for e in built[0]] + [MANIFEST]
        if fmt == "dir":
            _normalise_tree(staging, epoch)
            replace_dir(staging, dest)
        else:
            prefix = f"{name}/" if fmt == "zip" else ""
            shebang = _SHEBANG if fmt == "pyz" else None
            write_zip(staging, files, dest, epoch=epoch, prefix=prefix, shebang=shebang)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    entries, manifest_sha, warnings = built
    return Created(
        path=dest,
        format=fmt,
        file_count=len(entries),
        total_size=sum(e.size for e in entries),
        manifest_sha256=manifest_sha,
        warnings=tuple(warnings),
    )


def _stage(  # noqa: PLR0917 - private, called once
    staging: Path,
    recipe: Recipe,
    analysis: Analysis,
    index: DistIndex,
    name: str,
    fmt: str,
    options: CreateOptions,
    base_image: str,
    epoch: int,
) -> tuple[list[FileEntry], str, list[str]]:
    warnings = list(analysis.warnings)
    for item in analysis.files:
        target = staging / item.path
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.copyfile(item.source, target)
        except OSError as exc:
            msg = f"cannot copy into the bundle: {exc.strerror or exc}"
            raise BundleError(msg, where=str(item.source)) from None
    f0_keys = {canonical(n.name) for n in analysis.needs if n.is_f0}
    if not options.minimal:
        f0_keys |= set(index.f0_plugins().values()) - {SELF}
    third = {canonical(n.name) for n in analysis.needs if not n.is_f0}
    closure, closure_warnings = index.closure(sorted(f0_keys | third))
    warnings.extend(closure_warnings)
    wheels, wheel_warnings = vendor_wheels([d for d in closure if d.is_f0], staging / "wheels")
    warnings.extend(wheel_warnings)
    extra = _recipe_requirements(analysis)
    requirements = _requirements_text(name, closure, wheels, extra)
    (staging / "requirements.txt").write_text(requirements, encoding="utf-8")
    (staging / STARTUP).write_text(
        run_recipe_script(name, analysis.recipe_path.name), encoding="utf-8"
    )
    (staging / STARTUP).chmod(0o755)
    if options.dockerfile:
        text = dockerfile(
            name=name,
            recipe_file=analysis.recipe_path.name,
            base_image=base_image,
            f0_version=__version__,
            has_wheels=bool(wheels),
        )
        (staging / "Dockerfile").write_text(text, encoding="utf-8")
    if fmt == "pyz":
        (staging / "__main__.py").write_text(pyz_main(name), encoding="utf-8")
    entries = _entries(staging)
    data: dict[str, Any] = {
        "manifest_version": MANIFEST_VERSION,
        "package_name": name,
        "recipe_name": recipe.name,
        "recipe_file": analysis.recipe_path.name,
        "startup_script": STARTUP,
        "bundle_format": fmt,
        "created_at": dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "framework": "f0",
        "framework_version": __version__,
        "python_version": platform.python_version(),
        "python_requires": f">={platform.python_version_tuple()[0]}.{platform.python_version_tuple()[1]}",
        "source_workspace": str(analysis.recipe_dir),
        "minimal": options.minimal,
        "dependencies": [line for line in requirements.splitlines() if line and line[0] != "#"],
        "f0_distributions": [
            {"name": d.name, "version": d.version, "wheel": _wheel_path(d, wheels)}
            for d in closure
            if d.is_f0
        ],
        "framework_dirs": ["wheels"] if wheels else [],
        "files": [e.to_json() for e in entries],
        "file_count": len(entries),
        "total_size_bytes": sum(e.size for e in entries),
        "warnings": sorted(set(warnings)),
    }
    raw = dump_manifest(data)
    (staging / MANIFEST).write_bytes(raw)
    return entries, hashlib.sha256(raw).hexdigest(), warnings


def _wheel_path(dist: Dist, wheels: dict[str, str]) -> str | None:
    wheel = wheels.get(canonical(dist.name))
    return f"wheels/{wheel}" if wheel else None


def _recipe_requirements(analysis: Analysis) -> list[str]:
    found: list[str] = []
    for i, text in enumerate(analysis.requirements):
        try:
            found.append(str(Requirement(text)))
        except InvalidRequirement as exc:
            msg = f"not a requirement: {exc}"
            raise UsageError(
                msg, where=f"{analysis.recipe_path}: metadata.requirements[{i}]"
            ) from None
    return found


def _requirements_text(
    name: str, closure: list[Dist], wheels: dict[str, str], extra: list[str]
) -> str:
    def version(dist: Dist) -> str:
        wheel = wheels.get(canonical(dist.name))
        return wheel.split("-")[1] if wheel else dist.version

    lines = [
        f"# Requirements of the f0 bundle {name!r}, pinned to the versions installed where it was made.",
        "# Install: python -m pip install --find-links wheels -r requirements.txt wheels/*.whl",
        "# f0 distributions (their wheels are in wheels/):",
        *(f"{d.name}=={version(d)}" for d in closure if d.is_f0),
        "# third-party distributions:",
        *(d.pin for d in closure if not d.is_f0),
    ]
    if extra:
        lines += ["# the recipe's metadata.requirements:", *extra]
    return "\n".join(lines) + "\n"


def _entries(root: Path) -> list[FileEntry]:
    entries: list[FileEntry] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for fname in filenames:
            path = Path(dirpath) / fname
            with path.open("rb") as handle:
                sha, size = hash_stream(handle)
            entries.append(FileEntry(path=path.relative_to(root).as_posix(), sha256=sha, size=size))
    return sorted(entries, key=lambda e: e.path)


def _normalise_tree(root: Path, epoch: int) -> None:
    """Fixed modes and timestamps, so two dir bundles of the same inputs are the same tree.

    Every file is fsynced too: the folder is renamed into place next, and the
    bundle must not be there with contents still in flight.
    """
    for dirpath, dirnames, filenames in os.walk(root, topdown=False):
        for fname in filenames:
            path = Path(dirpath) / fname
            path.chmod(0o755 if fname == STARTUP and Path(dirpath) == root else 0o644)
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            os.utime(path, (epoch, epoch))
        for dname in dirnames:
            os.utime(Path(dirpath) / dname, (epoch, epoch))
    root.chmod(0o755)
    os.utime(root, (epoch, epoch))
