"""``tools.workspace_cleaner_v2``: Framework0's rule-based workspace cleaner.

:class:`WorkspaceCleanerV2` removes files and folders under a workspace
root that match its rules (caches, build output, logs, editor leftovers),
with a dry run that only reports. ``spec/junk.md`` lists the legacy
cleaners as not worth rebuilding (``git clean -X`` does this for a git
checkout); this one is kept small for scripts that import it.

Safety: nothing outside the root is touched; symbolic links are never
followed (a matching link is removed as a link); ``.git``, ``.hg``,
``.svn``, virtual environments (``.venv``, ``venv``, any folder holding a
``pyvenv.cfg``) and ``.f0`` (f0's run store) are never entered or removed.

Command line: ``python -m tools.workspace_cleaner_v2 [ROOT] [--dry-run] [--rule NAME]... [--json]``
(exit 0 done, 1 some removals failed, 2 bad usage).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import shutil
import stat
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "DEFAULT_RULES",
    "PROTECTED_NAMES",
    "CleanupResult",
    "CleanupRule",
    "WorkspaceCleanerV2",
    "main",
]

#: Folder names never entered nor removed.
PROTECTED_NAMES = frozenset({".git", ".hg", ".svn", ".venv", "venv", ".f0"})


@dataclass
class CleanupRule:
    """Paths matching any of *patterns* are removed.

    A pattern without ``/`` matches a file or folder name anywhere
    (``*.pyc``, ``__pycache__``); one with ``/`` matches the path relative to
    the root (``build/*``). *directories* False: folders never match.
    *min_age_days*: only entries not modified for that long.
    """

    name: str
    patterns: list[str]
    description: str = ""
    enabled: bool = True
    directories: bool = True
    min_age_days: float | None = None

    def __post_init__(self) -> None:
        if not self.name or not isinstance(self.name, str):
            msg = "a rule needs a non-empty name"
            raise ValueError(msg)
        if isinstance(self.patterns, str) or not self.patterns:
            msg = f"rule {self.name!r}: patterns must be a non-empty list of glob patterns"
            raise ValueError(msg)
        for pattern in self.patterns:
            if not pattern or pattern.startswith("/") or ".." in Path(pattern).parts:
                msg = f"rule {self.name!r}: pattern {pattern!r} must be relative to the root"
                raise ValueError(msg)

    def matches(self, relative: str, name: str, *, is_dir: bool, mtime: float, now: float) -> bool:
        """Whether the entry at *relative* (POSIX, from the root) is this rule's."""
        if not self.enabled or (is_dir and not self.directories):
            return False
        if self.min_age_days is not None and now - mtime < self.min_age_days * 86400:
            return False
        return any(
            fnmatch.fnmatchcase(relative if "/" in p else name, p.rstrip("/"))
            for p in self.patterns
        )


#: Framework0's kinds of clutter.
DEFAULT_RULES: tuple[CleanupRule, ...] = (
    CleanupRule("python_cache", ["__pycache__", "*.pyc", "*.pyo"], "Python bytecode"),
    CleanupRule(
        "tool_caches",
        [".pytest_cache", ".mypy_cache", ".ruff_cache", ".hypothesis", ".coverage"],
        "test and lint caches",
    ),
    CleanupRule("build", ["build", "dist", "*.egg-info"], "build output", directories=True),
    CleanupRule("notebook_checkpoints", [".ipynb_checkpoints"], "Jupyter checkpoints"),
    CleanupRule("editor_leftovers", ["*~", "*.swp", "*.tmp", ".DS_Store"], "editor and OS files"),
    CleanupRule("logs", ["*.log"], "log files", directories=False),
)


@dataclass
class CleanupResult:
    """What :meth:`WorkspaceCleanerV2.clean` removed (or, in a dry run, would remove)."""

    workspace_root: str
    dry_run: bool
    removed_files: list[str] = field(default_factory=list)
    removed_dirs: list[str] = field(default_factory=list)
    bytes_freed: int = 0
    errors: list[str] = field(default_factory=list)
    by_rule: dict[str, int] = field(default_factory=dict)
    duration_seconds: float = 0.0

    @property
    def success(self) -> bool:
        """No removal failed."""
        return not self.errors

    @property
    def total_removed(self) -> int:
        """Files plus folders."""
        return len(self.removed_files) + len(self.removed_dirs)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {**asdict(self), "success": self.success, "total_removed": self.total_removed}


def _tree_size(path: Path) -> int:
    total = 0
    for folder, _dirs, files in os.walk(path, followlinks=False):
        for name in files:
            try:
                total += (Path(folder) / name).lstat().st_size
            except OSError:
                continue
    return total


class WorkspaceCleanerV2:
    """Removes what its rules match under *workspace_root* (default: the current folder)."""

    def __init__(
        self,
        workspace_root: str | Path | None = None,
        rules: Iterable[CleanupRule] | None = None,
        dry_run: bool = False,
    ) -> None:
        root = Path(workspace_root) if workspace_root is not None else Path.cwd()
        if not root.is_dir():
            msg = f"workspace root is not a folder: {root}"
            raise ValueError(msg)
        self.workspace_root = root.resolve()
        self.dry_run = dry_run
        self._rules: dict[str, CleanupRule] = {}
        for rule in DEFAULT_RULES if rules is None else rules:
            self.add_rule(rule)

    # -- rules -------------------------------------------------------------
    def add_rule(self, rule: CleanupRule) -> None:
        """Add *rule* (replacing one of the same name)."""
        if not isinstance(rule, CleanupRule):
            msg = f"expected a CleanupRule, not {type(rule).__name__}"
            raise TypeError(msg)
        self._rules[rule.name] = rule

    def remove_rule(self, name: str) -> bool:
        """Drop rule *name*; False if there was none."""
        return self._rules.pop(name, None) is not None

    def list_rules(self) -> list[CleanupRule]:
        """The rules, in the order they were added."""
        return list(self._rules.values())

    def _selected(self, only: Iterable[str] | None) -> list[CleanupRule]:
        if only is None:
            return self.list_rules()
        names = list(only)
        unknown = [n for n in names if n not in self._rules]
        if unknown:
            msg = f"unknown rule(s) {', '.join(unknown)}; known: {', '.join(self._rules)}"
            raise ValueError(msg)
        return [self._rules[n] for n in names]

    # -- work ----------------------------------------------------------------
    def scan(self, rules: Iterable[str] | None = None) -> list[tuple[Path, CleanupRule]]:
        """What would be removed: (path, rule) pairs, a matched folder's contents not listed."""
        return list(self._walk(self._selected(rules)))

    def _walk(self, rules: list[CleanupRule]) -> Iterator[tuple[Path, CleanupRule]]:
        now = time.time()
        root = self.workspace_root
        for folder, dirs, files in os.walk(root, topdown=True, followlinks=False):
            here = Path(folder)
            keep = []
            for name in sorted(dirs):
                path = here / name
                if name in PROTECTED_NAMES or (path / "pyvenv.cfg").exists():
                    continue
                try:
                    info = path.lstat()
                except OSError:  # gone meanwhile
                    continue
                link = stat.S_ISLNK(info.st_mode)
                rule = self._match(rules, path, name, is_dir=not link, mtime=info.st_mtime, now=now)
                if rule is not None:
                    yield path, rule
                elif not link:
                    keep.append(name)
            dirs[:] = keep  # matched folders go whole; links are never entered
            for name in sorted(files):
                path = here / name
                try:
                    info = path.lstat()
                except OSError:
                    continue
                rule = self._match(rules, path, name, is_dir=False, mtime=info.st_mtime, now=now)
                if rule is not None:
                    yield path, rule

    def _match(
        self,
        rules: list[CleanupRule],
        path: Path,
        name: str,
        *,
        is_dir: bool,
        mtime: float,
        now: float,
    ) -> CleanupRule | None:
        relative = path.relative_to(self.workspace_root).as_posix()
        for rule in rules:
            if rule.matches(relative, name, is_dir=is_dir, mtime=mtime, now=now):
                return rule
        return None

    def clean(
        self, dry_run: bool | None = None, rules: Iterable[str] | None = None
    ) -> CleanupResult:
        """Remove every match (only report them when *dry_run*, default: the constructor's)."""
        dry = self.dry_run if dry_run is None else dry_run
        started = time.perf_counter()
        result = CleanupResult(workspace_root=str(self.workspace_root), dry_run=dry)
        for path, rule in self.scan(rules):
            relative = path.relative_to(self.workspace_root).as_posix()
            is_dir = path.is_dir() and not path.is_symlink()
            try:
                size = _tree_size(path) if is_dir else path.lstat().st_size
            except OSError:  # gone meanwhile
                continue
            if not dry:
                try:
                    if is_dir:
                        shutil.rmtree(path)
                    else:
                        path.unlink()
                except OSError as exc:
                    result.errors.append(f"{relative}: {exc.strerror or exc}")
                    continue
            (result.removed_dirs if is_dir else result.removed_files).append(relative)
            result.bytes_freed += size
            result.by_rule[rule.name] = result.by_rule.get(rule.name, 0) + 1
        result.duration_seconds = time.perf_counter() - started
        return result


def main(argv: list[str] | None = None) -> int:
    """``[ROOT] [--dry-run] [--rule NAME]... [--json]``: 0 done, 1 some removals failed, 2 usage."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.workspace_cleaner_v2",
        description="Remove caches, build output and editor leftovers under ROOT.",
    )
    parser.add_argument("root", nargs="?", default=".", help="workspace root (default: .)")
    parser.add_argument("--dry-run", "-n", action="store_true", help="only list what would go")
    parser.add_argument("--rule", action="append", metavar="NAME", help="only this rule (repeat)")
    parser.add_argument("--list-rules", action="store_true", help="print the rules and exit")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    try:
        cleaner = WorkspaceCleanerV2(args.root, dry_run=args.dry_run)
        if args.list_rules:
            for rule in cleaner.list_rules():
                print(f"{rule.name}: {', '.join(rule.patterns)}  ({rule.description})")  # noqa: T201
            return 0
        result = cleaner.clean(rules=args.rule)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)  # noqa: T201 - a command line
        return 2
    if args.json:
        print(json.dumps(result.to_dict()))  # noqa: T201
    else:
        verb = "would remove" if result.dry_run else "removed"
        for relative in result.removed_dirs:
            print(f"{verb} {relative}/")  # noqa: T201
        for relative in result.removed_files:
            print(f"{verb} {relative}")  # noqa: T201
        print(f"{verb} {result.total_removed} entries, {result.bytes_freed} bytes")  # noqa: T201
    for error in result.errors:
        print(f"error: {error}", file=sys.stderr)  # noqa: T201
    return 0 if result.success else 1
