"""``f0 bundle verify``: does a bundle hold exactly the files its manifest lists?

Works on a folder, a ``.zip`` or a ``.pyz`` without unpacking it. Every
added, removed or changed file is named. Paths that would escape the bundle
(``..``, absolute, backslashes) and symbolic links are reported and never
followed or opened: a folder is walked without following links and files are
opened with ``O_NOFOLLOW``; an archive is read entry by entry in memory.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import attrs
from f0 import UsageError

from f0_bundle._archive import is_symlink_entry
from f0_bundle._manifest import (
    MANIFEST,
    MAX_MANIFEST_BYTES,
    Manifest,
    ManifestError,
    hash_stream,
    parse_manifest,
    unsafe_reason,
)

__all__ = ["Finding", "Report", "verify_bundle"]


@attrs.frozen(kw_only=True)
class Finding:
    """One thing wrong with a bundle: ``kind`` is added, removed, changed, unsafe, manifest."""

    path: str
    kind: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.path}: {self.kind}" + (f": {self.detail}" if self.detail else "")


@attrs.frozen(kw_only=True)
class Report:
    """What :func:`verify_bundle` found."""

    bundle: Path
    format: str
    findings: tuple[Finding, ...]
    manifest: Manifest | None
    manifest_sha256: str | None
    #: For an archive: the folder inside it that is the bundle root (``""`` or ``name/``).
    prefix: str = ""

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.findings and self.manifest is not None


def verify_bundle(path: Path) -> Report:
    """Check the bundle at *path* (a folder, or a zip/pyz file) against its manifest."""
    if path.is_symlink():
        raise UsageError("the bundle is a symbolic link; give its real path", where=str(path))
    if path.is_dir():
        return _verify_dir(path)
    if path.is_file():
        if not zipfile.is_zipfile(path):
            msg = "not a bundle: expected a folder, a .zip or a .pyz file"
            raise UsageError(msg, where=str(path))
        return _verify_zip(path)
    raise UsageError("bundle does not exist", where=str(path))


# -- folders -------------------------------------------------------------------


def _walk(root: Path) -> tuple[set[str], list[Finding]]:
    """Regular files under *root* (POSIX relative paths), and every link or odd file."""
    files: set[str] = set()
    findings: list[Finding] = []
    real_root = os.path.realpath(root)
    stack = [""]
    while stack:
        rel_dir = stack.pop()
        try:
            with os.scandir(root / rel_dir if rel_dir else root) as it:
                entries = list(it)
        except OSError as exc:
            detail = f"cannot list: {exc.strerror}"
            findings.append(Finding(path=rel_dir or ".", kind="unsafe", detail=detail))
            continue
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            if entry.is_symlink():
                findings.append(_link_finding(root, rel, real_root))
            elif entry.is_dir(follow_symlinks=False):
                stack.append(rel)
            elif entry.is_file(follow_symlinks=False):
                files.add(rel)
            else:
                findings.append(Finding(path=rel, kind="unsafe", detail="not a regular file"))
    return files, findings


def _link_finding(root: Path, rel: str, real_root: str) -> Finding:
    target = str((root / rel).readlink())
    # Where the link would lead, computed from its text: never followed.
    resolved = os.path.normpath(os.path.join(real_root, os.path.dirname(rel), target))  # noqa: PTH118, PTH120
    inside = resolved == real_root or resolved.startswith(real_root + os.sep)
    if os.path.isabs(target) or not inside:  # noqa: PTH117
        return Finding(
            path=rel, kind="unsafe", detail=f"symbolic link escapes the bundle (-> {target})"
        )
    return Finding(
        path=rel, kind="unsafe", detail=f"symbolic link (-> {target}); bundles hold no links"
    )


def _open_nofollow(path: Path) -> int:
    return os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))


def _verify_dir(root: Path) -> Report:
    files, findings = _walk(root)
    if MANIFEST not in files:
        findings.append(Finding(path=MANIFEST, kind="manifest", detail="missing"))
        return Report(
            bundle=root, format="dir", findings=tuple(findings), manifest=None, manifest_sha256=None
        )
    try:
        with os.fdopen(_open_nofollow(root / MANIFEST), "rb") as handle:
            raw = handle.read(MAX_MANIFEST_BYTES + 1)
    except OSError as exc:
        findings.append(
            Finding(path=MANIFEST, kind="manifest", detail=f"unreadable: {exc.strerror}")
        )
        return Report(
            bundle=root, format="dir", findings=tuple(findings), manifest=None, manifest_sha256=None
        )
    manifest, sha, problem = _parse(raw)
    if manifest is None:
        findings.append(problem)  # type: ignore[arg-type]
        return Report(
            bundle=root, format="dir", findings=tuple(findings), manifest=None, manifest_sha256=sha
        )

    def digest(rel: str, limit: int) -> tuple[str, int]:
        with os.fdopen(_open_nofollow(root / rel), "rb") as handle:
            return hash_stream(handle, limit)

    findings.extend(_compare(manifest, files - {MANIFEST}, digest))
    return _report(root, "dir", findings, manifest, sha)


# -- archives ------------------------------------------------------------------


def _verify_zip(path: Path) -> Report:
    fmt = "pyz" if path.suffix == ".pyz" else "zip"
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        msg = f"not a readable zip archive: {exc}"
        raise UsageError(msg, where=str(path)) from None
    with zf:
        findings: list[Finding] = []
        infos: dict[str, zipfile.ZipInfo] = {}
        for info in zf.infolist():
            name = info.filename
            if info.is_dir():
                continue
            reason = unsafe_reason(name)
            if reason is not None:
                findings.append(
                    Finding(path=name, kind="unsafe", detail=f"escapes the bundle ({reason})")
                )
            elif is_symlink_entry(info):
                findings.append(
                    Finding(path=name, kind="unsafe", detail="symbolic link; bundles hold no links")
                )
            elif name in infos:
                findings.append(Finding(path=name, kind="unsafe", detail="duplicate entry"))
            else:
                infos[name] = info
        prefix = _prefix(infos)
        if prefix is None:
            findings.append(Finding(path=MANIFEST, kind="manifest", detail="missing"))
            return Report(
                bundle=path,
                format=fmt,
                findings=tuple(findings),
                manifest=None,
                manifest_sha256=None,
            )
        manifest_info = infos[prefix + MANIFEST]
        with zf.open(manifest_info) as handle:
            raw = handle.read(MAX_MANIFEST_BYTES + 1)
        manifest, sha, problem = _parse(raw, prefix)
        if manifest is None:
            findings.append(problem)  # type: ignore[arg-type]
            return Report(
                bundle=path,
                format=fmt,
                findings=tuple(findings),
                manifest=None,
                manifest_sha256=sha,
            )
        outside = [n for n in infos if not n.startswith(prefix)]
        findings.extend(
            Finding(path=n, kind="added", detail="outside the bundle folder") for n in outside
        )
        inside = {n[len(prefix) :] for n in infos if n.startswith(prefix)} - {MANIFEST}

        def digest(rel: str, limit: int) -> tuple[str, int]:
            with zf.open(infos[prefix + rel]) as handle:
                return hash_stream(handle, limit)

        findings.extend(_compare(manifest, inside, digest))
        return _report(path, fmt, findings, manifest, sha, prefix)


def _prefix(infos: dict[str, zipfile.ZipInfo]) -> str | None:
    """``""`` if the manifest is at the archive root, ``"name/"`` if in one top folder."""
    if MANIFEST in infos:
        return ""
    tops = [n for n in infos if n.count("/") == 1 and n.endswith("/" + MANIFEST)]
    return tops[0][: -len(MANIFEST)] if len(tops) == 1 else None


# -- both ----------------------------------------------------------------------


def _parse(raw: bytes, prefix: str = "") -> tuple[Manifest | None, str, Finding | None]:
    sha = hashlib.sha256(raw).hexdigest()
    if len(raw) > MAX_MANIFEST_BYTES:
        return None, sha, Finding(path=prefix + MANIFEST, kind="manifest", detail="too large")
    try:
        return parse_manifest(raw), sha, None
    except ManifestError as exc:
        where = (
            f"{prefix}{MANIFEST}:{exc.where}" if exc.where[0].isdigit() else f"{prefix}{MANIFEST}"
        )
        detail = exc.message if exc.where[0].isdigit() else f"{exc.where}: {exc.message}"
        return None, sha, Finding(path=where, kind="manifest", detail=detail)


Digest = Callable[[str, int], tuple[str, int]]


def _compare(manifest: Manifest, present: set[str], digest: Digest) -> Iterator[Finding]:
    listed: set[str] = set()
    for entry in manifest.files:
        reason = unsafe_reason(entry.path)
        if reason is not None or entry.path == MANIFEST:
            why = reason or "the manifest cannot list itself"
            yield Finding(
                path=entry.path, kind="unsafe", detail=f"manifest path escapes the bundle ({why})"
            )
            continue
        listed.add(entry.path)
        if entry.path not in present:
            yield Finding(
                path=entry.path, kind="removed", detail="listed in the manifest, not in the bundle"
            )
            continue
        try:
            sha, size = digest(entry.path, entry.size)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:  # a corrupted entry
            yield Finding(path=entry.path, kind="changed", detail=f"unreadable ({exc})")
            continue
        if size != entry.size:
            yield Finding(
                path=entry.path,
                kind="changed",
                detail=f"size {size} != {entry.size} in the manifest",
            )
        elif sha != entry.sha256:
            yield Finding(
                path=entry.path, kind="changed", detail="sha256 differs from the manifest"
            )
    for rel in sorted(present - listed):
        yield Finding(path=rel, kind="added", detail="not in the manifest")


def _report(  # noqa: PLR0917 - private
    bundle: Path, fmt: str, findings: list[Finding], manifest: Manifest, sha: str, prefix: str = ""
) -> Report:
    ordered = sorted(findings, key=lambda f: (f.path, f.kind))
    return Report(
        bundle=bundle,
        format=fmt,
        findings=tuple(ordered),
        manifest=manifest,
        manifest_sha256=sha,
        prefix=prefix,
    )
