"""f0.project (where runs live) and f0.wording (suggestions, plurals)."""

from __future__ import annotations

import pytest
from f0.project import default_store_url, project_root
from f0.wording import closest, did_you_mean, plural


@pytest.mark.parametrize("marker", [".f0/", "pyproject.toml", ".git/", ".git"])
def test_the_nearest_marked_folder_is_the_project_root(tmp_path, marker):
    deep = tmp_path / "a" / "b" / "c"
    deep.mkdir(parents=True)
    target = tmp_path / "a" / marker.rstrip("/")
    if marker.endswith("/"):
        target.mkdir()
    else:
        target.write_text("")  # .git as a file: a git worktree
    assert project_root(deep) == (tmp_path / "a").resolve()
    assert project_root(deep / "recipe.yaml") is not None or not (deep / "recipe.yaml").exists()
    assert default_store_url(deep, env=False) == f"sqlite:///{(tmp_path / 'a').resolve()}/.f0/f0.db"


def test_outside_any_project_the_working_folder_is_used(tmp_path, monkeypatch):
    monkeypatch.delenv("F0_STORE", raising=False)
    if project_root(tmp_path) is not None:
        pytest.skip("the temporary folder is inside a project")
    assert default_store_url(tmp_path) == "sqlite:///.f0/f0.db"
    monkeypatch.setenv("F0_STORE", "sqlite:///x.db")
    assert default_store_url(tmp_path) == "sqlite:///x.db"
    assert default_store_url(tmp_path, env=False) == "sqlite:///.f0/f0.db"


def test_home_and_temp_folders_are_never_project_roots(tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / ".f0").mkdir(parents=True)
    (home / "work").mkdir()
    monkeypatch.setenv("HOME", str(home))
    assert project_root(home / "work") is None
    (home / "work" / ".git").mkdir()
    assert project_root(home / "work") == (home / "work").resolve()


def test_an_f0_file_is_not_a_marker(tmp_path):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / ".f0").write_text("not a folder")
    found = project_root(tmp_path / "p")
    assert found != (tmp_path / "p").resolve()


@pytest.mark.parametrize(
    ("word", "choices", "hint"),
    [
        ("depend_on", ["depends_on", "description"], "; did you mean `depends_on`?"),
        ("Depends_On", ["depends_on"], "; did you mean `depends_on`?"),
        ("zzz", ["depends_on"], ""),
        ("name", ["name"], ""),
    ],
)
def test_did_you_mean(word, choices, hint):
    assert did_you_mean(word, choices) == hint


def test_closest_ignores_non_strings():
    assert closest("a", [1, None, "b"]) is None  # type: ignore[list-item]


@pytest.mark.parametrize(("n", "text"), [(0, "0 steps"), (1, "1 step"), (2, "2 steps")])
def test_plural(n, text):
    assert plural(n, "step") == text
    assert plural(n, "entry", "entries").split()[1] == ("entry" if n == 1 else "entries")
