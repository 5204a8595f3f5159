"""Installed distributions: which one provides an import, what it needs, where it came from.

``importlib.metadata.packages_distributions()`` maps top-level import names
to distributions, but not for editable installs (their RECORD lists only a
``.pth`` file); those are mapped by listing the folders their ``.pth`` adds
to ``sys.path``. f0 distributions (the kernel ``f0`` and every distribution
with an ``f0`` entry point) are told apart: a bundle vendors them as wheels.
"""

from __future__ import annotations

import importlib.metadata as md
import json
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, urlparse

import attrs
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

__all__ = ["KERNEL", "SELF", "Dist", "DistIndex", "canonical"]

#: The kernel's distribution name.
KERNEL = "f0"
#: This plugin: a tool for making bundles, never needed to run one.
SELF = "f0-plugin-bundle"


def canonical(name: str) -> str:
    """PEP 503 normalised distribution name (``F0_Plugin.X`` -> ``f0-plugin-x``)."""
    return str(canonicalize_name(name))


@attrs.frozen(kw_only=True)
class Dist:
    """One installed distribution."""

    name: str
    version: str
    #: The kernel or an f0 plugin: vendored into the bundle as a wheel.
    is_f0: bool
    #: The local folder it was installed from (editable or not), if any.
    source_dir: Path | None = None
    #: The local wheel file it was installed from, if it still exists.
    source_wheel: Path | None = None

    @property
    def pin(self) -> str:
        """``name==version``."""
        return f"{self.name}=={self.version}"


class DistIndex:
    """A snapshot of what is installed in this Python environment."""

    def __init__(self) -> None:
        self._by_name: dict[str, md.Distribution] = {}
        for dist in md.distributions():
            name = dist.metadata["Name"]
            if name:
                self._by_name.setdefault(canonical(name), dist)
        self._f0_plugins: dict[str, str] = {}  # entry-point name -> canonical dist name
        self._tops: dict[str, list[str]] = {}
        for top, names in md.packages_distributions().items():
            self._tops[top] = [canonical(n) for n in names]
        for ep in md.entry_points(group="f0"):
            if ep.dist is not None:
                dist_name = canonical(ep.dist.name)
                self._f0_plugins[ep.name] = dist_name
                self._tops.setdefault(ep.module.partition(".")[0], [dist_name])
        self._tops.setdefault(KERNEL, [KERNEL])
        for key, dist in self._by_name.items():
            for top in _editable_tops(dist):
                self._tops.setdefault(top, [key])

    def providers(self, top: str) -> list[str]:
        """Canonical names of the installed distributions that provide import *top*."""
        return [n for n in self._tops.get(top, []) if n in self._by_name]

    def get(self, name: str) -> Dist | None:
        """The installed distribution *name* (any spelling), or None."""
        key = canonical(name)
        dist = self._by_name.get(key)
        if dist is None:
            return None
        source_dir, source_wheel = _source(dist)
        return Dist(
            name=dist.metadata["Name"],
            version=dist.version,
            is_f0=key == KERNEL or key in self._f0_plugins.values(),
            source_dir=source_dir,
            source_wheel=source_wheel,
        )

    def f0_plugins(self) -> dict[str, str]:
        """Installed f0 plugins: entry-point name -> canonical distribution name."""
        return dict(self._f0_plugins)

    def closure(self, roots: Iterable[str]) -> tuple[list[Dist], list[str]]:
        """*roots* and everything they require (markers evaluated here), sorted by name.

        Returns the distributions and one warning per requirement that is not
        installed (the bundle cannot pin what is not here).
        """
        extras: dict[str, set[str]] = {}
        pending = [(canonical(r), "") for r in roots]
        warnings: list[str] = []
        while pending:
            key, extra = pending.pop()
            seen = extras.get(key)
            if seen is not None and extra in seen:
                continue
            extras.setdefault(key, set()).add(extra)
            dist = self._by_name.get(key)
            if dist is None:
                continue
            for text in dist.requires or ():
                try:
                    req = Requirement(text)
                except InvalidRequirement:
                    continue
                if req.marker is not None and not req.marker.evaluate({"extra": extra}):
                    continue
                dep = canonical(req.name)
                if dep not in self._by_name:
                    warnings.append(
                        f"{dist.metadata['Name']} requires {req}, which is not installed"
                    )
                    continue
                pending.append((dep, ""))
                pending.extend((dep, e) for e in req.extras)
        found = [d for d in (self.get(k) for k in sorted(extras)) if d is not None]
        warnings.extend(
            f"{key} is not installed: it cannot be pinned"
            for key in sorted(extras)
            if key not in self._by_name
        )
        return found, sorted(set(warnings))


def _direct_url(dist: md.Distribution) -> dict[str, object]:
    try:
        text = dist.read_text("direct_url.json")
    except OSError:
        return {}
    if not text:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _local_path(url: object) -> Path | None:
    if not isinstance(url, str):
        return None
    parsed = urlparse(url)
    if parsed.scheme != "file":
        return None
    return Path(unquote(parsed.path))


def _source(dist: md.Distribution) -> tuple[Path | None, Path | None]:
    info = _direct_url(dist)
    path = _local_path(info.get("url"))
    if path is None:
        return None, None
    if "dir_info" in info and (path / "pyproject.toml").is_file():
        return path, None
    if "archive_info" in info and path.suffix == ".whl" and path.is_file():
        return None, path
    return None, None


def _editable_tops(dist: md.Distribution) -> list[str]:
    """Top-level import names an editable install exposes through its ``.pth`` folders."""
    info = _direct_url(dist)
    dir_info = info.get("dir_info")
    if not (isinstance(dir_info, dict) and dir_info.get("editable")):
        return []
    tops: list[str] = []
    for file in dist.files or ():
        if file.suffix != ".pth":
            continue
        try:
            lines = Path(str(dist.locate_file(file))).read_text(encoding="utf-8").splitlines()
        except OSError:
            continue
        for line in lines:
            folder = Path(line.strip())
            if not line.strip() or line.startswith(("#", "import")) or not folder.is_dir():
                continue
            tops.extend(_tops_in(folder))
    return tops


def _tops_in(folder: Path) -> list[str]:
    names: list[str] = []
    for entry in sorted(folder.iterdir()):
        if entry.suffix == ".py" and entry.stem.isidentifier():
            names.append(entry.stem)
        elif entry.is_dir() and entry.name.isidentifier() and (entry / "__init__.py").is_file():
            names.append(entry.name)
    return names
