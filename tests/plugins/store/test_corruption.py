"""A damaged store is never silent: real SQLite files, damaged in each way, real ``f0``.

Each kind of damage is done to a copy of a store two real ``f0 run`` processes
wrote; then ``f0 run``, ``f0 runs list``, ``f0 runs show last`` and
``f0 run --resume last`` must each either work or fail with exit code 3 and
one line naming the store file and ``f0 store`` -- never ``internal error``,
never a traceback. ``f0 store check`` must call every one of them damaged and
``f0 store repair`` must leave a store that checks clean.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.conftest import run_f0

pytestmark = pytest.mark.slow

RECIPE = """\
metadata: {name: damaged}
steps:
  - {name: a, idx: 1, type: shell, command: "echo a > ran-a.txt"}
  - {name: b, idx: 2, type: shell, command: "true", depends_on: [a]}
"""
STORE_EXIT = 3


def _checkpoint(db: Path) -> None:
    """Move everything into the main file (no -wal) so damage to it is damage to the data."""
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()


def _sql(*statements: str) -> Callable[[Path], None]:
    def damage(db: Path) -> None:
        conn = sqlite3.connect(db)
        for statement in statements:
            conn.execute(statement)
        conn.commit()
        conn.close()

    return damage


def _flip_table_page(table: str) -> Callable[[Path], None]:
    """Overwrite the b-tree root page of *table* with junk bytes (a corrupt page)."""

    def damage(db: Path) -> None:
        conn = sqlite3.connect(db)
        (root,) = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)
        ).fetchone()
        (size,) = conn.execute("PRAGMA page_size").fetchone()
        conn.close()
        with db.open("r+b") as handle:
            handle.seek((root - 1) * size)
            handle.write(bytes([0xA5, 0x5A]) * (size // 2))

    return damage


def _truncate(db: Path) -> None:
    with db.open("r+b") as handle:
        handle.truncate(db.stat().st_size // 2)


def _junk(db: Path) -> None:
    db.write_bytes(b"this is not a database, it is a text file\n" * 200)


DAMAGE: dict[str, Callable[[Path], None]] = {
    "runs page flipped": _flip_table_page("runs"),
    "steps page flipped": _flip_table_page("steps"),
    "truncated": _truncate,
    "steps table dropped": _sql("DROP TABLE steps"),
    "schema_version garbage": _sql("UPDATE meta SET value = 'x1' WHERE key = 'schema_version'"),
    "schema_version newer": _sql("UPDATE meta SET value = '99' WHERE key = 'schema_version'"),
    "bad JSON in a run row": _sql("UPDATE runs SET params = '{oops'"),
    "bad JSON in a step row": _sql("UPDATE steps SET delta = '[1,' WHERE name = 'a'"),
    "unknown run status": _sql("UPDATE runs SET status = 'WEIRD'"),
    "not a database": _junk,
}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with two completed runs of RECIPE, written by real ``f0 run`` processes."""
    folder = tmp_path_factory.mktemp("pristine")
    (folder / "r.yaml").write_text(RECIPE)
    for _ in range(2):
        out = run_f0("run", "r.yaml", "-q", "--store", "sqlite:///s.db", cwd=folder)
        assert out.returncode == 0, out
    _checkpoint(folder / "s.db")
    return folder


@pytest.fixture
def damaged_store(pristine: Path, tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    work = tmp_path / "w"
    _copy(pristine, work)
    DAMAGE[request.param](work / "s.db")
    return work


def _copy(pristine: Path, work: Path) -> None:
    """Copy the store folder; its runs now belong to the copy's recipe (paths are absolute)."""
    shutil.copytree(pristine, work)
    (work / "ran-a.txt").unlink()
    _sql(f"UPDATE runs SET recipe_path = '{work / 'r.yaml'}'")(work / "s.db")
    _checkpoint(work / "s.db")


def _assert_store_error(out, db: Path) -> None:  # type: ignore[no-untyped-def]
    assert out.returncode == STORE_EXIT, out
    assert "internal error" not in out.stderr
    assert "Traceback" not in out.stderr
    line = out.stderr.strip().splitlines()[-1]
    assert str(db) in line or "s.db" in line, out
    assert "f0 store" in line or "upgrade f0-plugin-store" in line, out


@pytest.mark.parametrize("damaged_store", list(DAMAGE), indirect=True)
def test_every_command_works_or_says_the_store_is_damaged(damaged_store: Path) -> None:
    work, db = damaged_store, damaged_store / "s.db"
    store = ("--store", "sqlite:///s.db")
    results = {
        "runs list": run_f0("runs", "list", *store, cwd=work),
        "runs show": run_f0("runs", "show", "last", *store, cwd=work),
        "resume": run_f0("run", "r.yaml", "-q", "--resume", "last", *store, cwd=work),
        "run": run_f0("run", "r.yaml", "-q", *store, cwd=work),
    }
    failed = 0
    for what, out in results.items():
        assert out.returncode in {0, STORE_EXIT}, (what, out)
        if out.returncode == STORE_EXIT:
            failed += 1
            _assert_store_error(out, db)
    assert failed, "every command succeeded on a damaged store"
    if results["run"].returncode == STORE_EXIT:
        # It failed before its first step, or said loudly it was not fully recorded.
        ran = (work / "ran-a.txt").exists()
        assert not ran or "NOT fully recorded" in results["run"].stderr, results["run"]

    check = run_f0("store", "check", "--json", *store, cwd=work)
    assert check.returncode == STORE_EXIT, check
    assert check.json()["ok"] is False
    assert check.json()["problems"]

    repair = run_f0("store", "repair", "--json", *store, cwd=work)
    assert repair.returncode == 0, repair
    report = repair.json()
    assert report["backup"]
    assert Path(report["backup"]).exists()
    again = run_f0("store", "check", "--json", *store, cwd=work)
    assert again.returncode == 0, again
    listed = run_f0("runs", "list", "--json", *store, cwd=work)
    assert listed.returncode == 0, listed
    assert len(listed.json()) == report["kept"].get("runs", 0)
    assert run_f0("run", "r.yaml", "-q", *store, cwd=work).returncode == 0


@pytest.mark.parametrize(
    "damaged_store", ["bad JSON in a step row", "runs page flipped"], indirect=True
)
def test_repair_output_leaves_the_damaged_file_alone(
    damaged_store: Path, request: pytest.FixtureRequest
) -> None:
    work = damaged_store
    before = (work / "s.db").read_bytes()
    out = run_f0("store", "repair", "--store", "sqlite:///s.db", "-o", "new.db", cwd=work)
    assert out.returncode == 0, out
    assert (work / "s.db").read_bytes() == before
    assert run_f0("store", "check", "--store", "sqlite:///new.db", cwd=work).returncode == 0
    shown = run_f0("runs", "list", "--json", "--store", "sqlite:///new.db", cwd=work).json()
    # A bad step row costs that step; a corrupt page of runs costs the runs on it.
    assert len(shown) == (2 if "JSON" in request.node.name else 0)


def test_repair_keeps_every_readable_row(pristine: Path, tmp_path: Path) -> None:
    work = tmp_path / "w"
    _copy(pristine, work)
    _sql("UPDATE steps SET delta = '[1,' WHERE name = 'a' AND rowid = 1")(work / "s.db")
    out = run_f0("store", "repair", "--json", "--store", "sqlite:///s.db", cwd=work)
    report = out.json()
    assert report["kept"]["runs"] == 2
    assert report["kept"]["steps"] == 3
    assert report["dropped"]["steps"] == 1
    shown = run_f0("runs", "show", "last", "--json", "--store", "sqlite:///s.db", cwd=work)
    assert shown.returncode == 0, shown


def test_a_store_that_breaks_mid_run_fails_the_run_loudly(tmp_path: Path) -> None:
    """Step a drops the steps table under the running f0: the run must not end 0."""
    drop = "import sqlite3; c = sqlite3.connect('s.db'); c.execute('DROP TABLE steps'); c.commit()"
    recipe = {
        "metadata": {"name": "midrun"},
        "steps": [
            {"name": "a", "idx": 1, "type": "shell", "command": ["python3", "-c", drop]},
            {"name": "b", "idx": 2, "type": "shell", "command": "true", "depends_on": ["a"]},
        ],
    }
    (tmp_path / "r.yaml").write_text(json.dumps(recipe))
    out = run_f0("run", "r.yaml", "--json", "--store", "sqlite:///s.db", cwd=tmp_path)
    assert out.returncode == STORE_EXIT, out
    assert "NOT fully recorded" in out.stderr
    assert "internal error" not in out.stderr
    assert out.json()["status"] == "COMPLETED"  # the steps themselves ran


def test_a_locked_store_is_an_error_after_the_lock_limit(tmp_path: Path) -> None:
    (tmp_path / "r.yaml").write_text(RECIPE)
    assert run_f0("run", "r.yaml", "-q", "--store", "sqlite:///s.db", cwd=tmp_path).returncode == 0
    holder = sqlite3.connect(tmp_path / "s.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        out = run_f0(
            "run",
            "r.yaml",
            "-q",
            "--store",
            "sqlite:///s.db",
            cwd=tmp_path,
            env={"F0_STORE_LOCK_TIMEOUT": "0.5"},
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    _assert_store_error_unavailable(out, "locked")


def test_a_read_only_store_is_an_error(tmp_path: Path) -> None:
    import os
    import subprocess

    (tmp_path / "r.yaml").write_text(RECIPE)
    assert run_f0("run", "r.yaml", "-q", "--store", "sqlite:///s.db", cwd=tmp_path).returncode == 0
    db = tmp_path / "s.db"
    _checkpoint(db)
    (tmp_path / "ran-a.txt").unlink()
    root = os.geteuid() == 0  # root ignores permissions, not the immutable attribute
    if root:
        made = subprocess.run(["chattr", "+i", str(db)], check=False, capture_output=True)
        if made.returncode:
            pytest.skip(f"cannot make the file read-only as root: {made.stderr!r}")
    else:
        db.chmod(0o444)
    try:
        out = run_f0("run", "r.yaml", "-q", "--store", "sqlite:///s.db", cwd=tmp_path)
    finally:
        if root:
            subprocess.run(["chattr", "-i", str(db)], check=True)
    _assert_store_error_unavailable(out, "read-only")
    assert not (tmp_path / "ran-a.txt").exists()  # it failed before its first step


def _assert_store_error_unavailable(out, word: str) -> None:  # type: ignore[no-untyped-def]
    assert out.returncode == STORE_EXIT, out
    assert word in out.stderr, out
    assert "s.db" in out.stderr
    assert "internal error" not in out.stderr
