"""``tools.workspace_cleaner_v2``: real files removed, a dry run that removes nothing."""

from __future__ import annotations

import json
import os
import time

import pytest
from tools.workspace_cleaner_v2 import CleanupRule, WorkspaceCleanerV2

from .compat_support import module, python


@pytest.fixture
def workspace(tmp_path):
    root = tmp_path / "ws"
    files = {
        "pkg/__init__.py": "",
        "pkg/__pycache__/mod.cpython-311.pyc": "x" * 10,
        "pkg/old.pyc": "y" * 5,
        "notes.txt~": "backup",
        "run.log": "log",
        "keep.txt": "keep",
        ".pytest_cache/v/cache": "c",
        "build/lib/a.py": "a",
        ".git/objects/x.log": "never",  # protected
        ".f0/f0.db": "run history",  # protected
        ".venv/lib/__pycache__/a.pyc": "venv",  # protected
        "env2/pyvenv.cfg": "home = /usr",  # a virtual environment by its marker
        "env2/lib/z.pyc": "venv",
    }
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def snapshot(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


def test_a_framework0_cleanup_script_runs_unchanged(workspace):
    before = snapshot(workspace)
    done = python(
        """
        from tools.workspace_cleaner_v2 import WorkspaceCleanerV2
        cleaner = WorkspaceCleanerV2(".", dry_run=True)
        preview = cleaner.clean()
        print(preview.dry_run, preview.total_removed)
        result = cleaner.clean(dry_run=False)
        print(result.success, sorted(result.removed_dirs), sorted(result.removed_files))
        """,
        workspace,
    )
    assert done.returncode == 0, done.stderr
    first, second = done.stdout.splitlines()
    assert first == "True 6"
    assert second == (
        "True ['.pytest_cache', 'build', 'pkg/__pycache__'] ['notes.txt~', 'pkg/old.pyc', 'run.log']"
    )
    after = snapshot(workspace)
    assert set(after) < set(before)
    assert {"keep.txt", "pkg/__init__.py", ".git/objects/x.log", ".f0/f0.db"} <= set(after)
    assert ".venv/lib/__pycache__/a.pyc" in after
    assert "env2/lib/z.pyc" in after
    assert not (workspace / "build").exists()


def test_dry_run_removes_nothing_and_reports_sizes(workspace):
    before = snapshot(workspace)
    result = WorkspaceCleanerV2(workspace, dry_run=True).clean()
    assert snapshot(workspace) == before
    assert result.dry_run
    assert "pkg/__pycache__" in result.removed_dirs
    assert result.bytes_freed == 10 + 5 + 6 + 3 + 1 + 1
    assert result.by_rule["python_cache"] == 2
    assert result.to_dict()["total_removed"] == 6


def test_rules_can_be_chosen_added_and_removed(workspace):
    cleaner = WorkspaceCleanerV2(workspace)
    assert cleaner.clean(rules=["logs"]).removed_files == ["run.log"]
    assert (workspace / "pkg/old.pyc").exists()
    cleaner.add_rule(CleanupRule("text", ["keep.txt"], directories=False))
    assert cleaner.remove_rule("python_cache")
    result = cleaner.clean()
    assert "keep.txt" in result.removed_files
    assert (workspace / "pkg/old.pyc").exists()
    with pytest.raises(ValueError, match="unknown rule"):
        cleaner.clean(rules=["nope"])
    with pytest.raises(ValueError, match="relative"):
        CleanupRule("escape", ["../x"])
    with pytest.raises(ValueError, match="not a folder"):
        WorkspaceCleanerV2(workspace / "missing")


def test_age_limit_and_symlinks(workspace, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious.log").write_text("outside the root")
    (workspace / "link").symlink_to(outside, target_is_directory=True)
    old = workspace / "ancient.log"
    old.write_text("old")
    week_ago = time.time() - 8 * 86400
    os.utime(old, (week_ago, week_ago))
    cleaner = WorkspaceCleanerV2(
        workspace, rules=[CleanupRule("old_logs", ["*.log"], min_age_days=7)]
    )
    result = cleaner.clean()
    assert result.removed_files == ["ancient.log"]
    assert (outside / "precious.log").exists()  # the link was not followed
    assert (workspace / "run.log").exists()  # too recent


def test_command_line(workspace):
    listing = module(["tools.workspace_cleaner_v2", "--list-rules"], workspace)
    assert listing.returncode == 0
    assert "python_cache: __pycache__, *.pyc, *.pyo" in listing.stdout
    dry = module(["tools.workspace_cleaner_v2", ".", "--dry-run", "--json"], workspace)
    assert dry.returncode == 0, dry.stderr
    assert json.loads(dry.stdout)["dry_run"] is True
    assert (workspace / "run.log").exists()
    real = module(["tools.workspace_cleaner_v2", "--rule", "logs"], workspace)
    assert real.returncode == 0
    assert "removed run.log" in real.stdout
    assert not (workspace / "run.log").exists()
    bad = module(["tools.workspace_cleaner_v2", "--rule", "nope"], workspace)
    assert bad.returncode == 2
    assert "unknown rule" in bad.stderr
    assert "Traceback" not in bad.stderr
