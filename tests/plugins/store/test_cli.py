"""``f0 runs``, ``f0 cache`` and ``f0 ctx`` in-process, on real SQLite files."""

from __future__ import annotations

import json

import pytest
from f0.testing import invoke_cli, make_test_plugin_manager, write_project
from f0_store import SnapshotManager, open_context_store, open_run_store

PLUGINS = ("yaml", "python", "local", "context", "store", "cache")

RECIPE = """
metadata: {name: demo}
steps:
  - {name: one, idx: 1, module: steps, function: inc, args: {key: a}}
  - {name: two, idx: 2, module: steps, function: inc, args: {key: b, by: 2}, depends_on: [one], cache: true}
  - {name: three, idx: 3, module: steps, function: maybe_fail, depends_on: [two]}
"""

STEPS = """
def inc(context, params):
    context.set(params["key"], context.get(params["key"], 0) + params.get("by", 1))


def maybe_fail(context, params):
    if context.get("fail"):
        raise RuntimeError("asked to fail")
    context.set("done", True)
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("F0_STORE", raising=False)
    return write_project(tmp_path, {"recipe.yaml": RECIPE, "steps.py": STEPS})


@pytest.fixture
def cli():
    pm = make_test_plugin_manager(PLUGINS)

    def run(*args, env=None):
        return invoke_cli(pm, *args, env=env)

    return run


@pytest.fixture
def two_runs(project, cli):
    """A completed run, then a failed one with ``--set fail=true a=5``; returns their ids."""
    first = cli("run", "recipe.yaml", "--json", "-q")
    assert first.exit_code == 0, first.output
    second = cli("run", "recipe.yaml", "--json", "-q", "--set", "fail=true", "--set", "a=5")
    assert second.exit_code == 1, second.output
    return json.loads(first.stdout)["run_id"], json.loads(second.stdout)["run_id"]


def test_the_default_store_is_the_kernels():
    from f0.hooks import DEFAULT_STORE_URL as KERNEL_DEFAULT
    from f0_store import DEFAULT_STORE_URL

    assert DEFAULT_STORE_URL == KERNEL_DEFAULT


def test_help_lists_the_sub_apps(cli):
    out = cli("--help").output
    for name in ("runs", "cache", "ctx"):
        assert name in out


# -- no store yet ----------------------------------------------------------------
@pytest.mark.parametrize(
    "args",
    [("runs", "list"), ("cache", "list"), ("ctx", "list")],
)
def test_listing_a_store_that_does_not_exist(project, cli, args):
    text = cli(*args)
    assert text.exit_code == 0, text.output
    assert text.stdout.startswith("no ")
    as_json = cli(*args, "--json")
    assert json.loads(as_json.stdout) == []
    assert not (project / ".f0").exists()  # listing does not create the store


def test_show_on_a_store_that_does_not_exist(project, cli):
    out = cli("runs", "show", "last")
    assert out.exit_code == 2
    assert "no run 'last'" in out.stderr
    assert "no runs yet" in out.stderr
    assert cli("ctx", "restore", "latest").exit_code == 2
    assert cli("cache", "clear").stdout.strip() == "removed 0 cache entries"
    assert not (project / ".f0").exists()


def test_store_none(project, cli):
    assert json.loads(cli("runs", "list", "--json", "--store", "none").stdout) == []


# -- runs ---------------------------------------------------------------------------
def test_runs_list(two_runs, cli):
    first, second = two_runs
    rows = json.loads(cli("runs", "list", "--json").stdout)
    assert [r["run_id"] for r in rows] == [second, first]
    assert rows[0]["status"] == "FAILED"
    assert (rows[0]["steps_completed"], rows[0]["steps_failed"], rows[0]["steps_total"]) == (
        2,
        1,
        3,
    )
    assert rows[1]["recipe_path"].endswith("recipe.yaml")
    assert rows[1]["duration_s"] >= 0
    assert [r["run_id"] for r in json.loads(cli("runs", "list", "--json", "-n", "1").stdout)] == [
        second
    ]
    assert len(json.loads(cli("runs", "list", "--json", "--recipe", "recipe.yaml").stdout)) == 2
    assert json.loads(cli("runs", "list", "--json", "--recipe", "other.yaml").stdout) == []
    table = cli("runs", "list").stdout
    assert first in table
    assert second in table
    assert "FAILED" in table


def test_runs_show(two_runs, cli):
    first, second = two_runs
    shown = json.loads(cli("runs", "show", "last", "--json").stdout)
    assert shown["run_id"] == second
    assert shown["status"] == "FAILED"
    assert shown["params"] == {"fail": True, "a": 5}
    steps = shown["steps"]
    assert list(steps) == ["one", "two", "three"]
    assert steps["three"]["status"] == "FAILED"
    assert "asked to fail" in steps["three"]["error"]
    assert steps["one"]["attempts"] == 1
    assert steps["one"]["changed_keys"] == ["a"]
    assert shown["context"]["a"] == 6
    text = cli("runs", "show", first[:-2]).stdout  # a unique prefix (both runs may share a second)
    assert f"run {first}" in text
    assert "COMPLETED" in text
    assert "done = true" in text


def test_runs_diff(two_runs, cli):
    first, second = two_runs
    diff = json.loads(cli("runs", "diff", first, second, "--json").stdout)
    assert diff["a"] == first
    assert diff["b"] == second
    assert diff["context"]["changed"]["a"] == {"old": 1, "new": 6}
    assert diff["context"]["added"]["fail"] is True
    assert diff["context"]["removed"] == {"done": True}
    assert diff["steps"] == {"three": {"a": "COMPLETED", "b": "FAILED"}}
    text = cli("runs", "diff", first, "last").stdout
    assert "~ a: 1 -> 6" in text
    assert "+ fail = true" in text
    assert "three: COMPLETED -> FAILED" in text


def test_run_refs_that_match_nothing_or_too_much(two_runs, cli):
    out = cli("runs", "show", "nope")
    assert out.exit_code == 2
    assert "no run 'nope'" in out.stderr
    assert "newest runs:" in out.stderr
    ambiguous = cli("runs", "show", "2")
    assert ambiguous.exit_code == 2
    assert "ambiguous" in ambiguous.stderr


def test_the_store_option_and_env(project, cli, tmp_path):
    url = f"sqlite:///{tmp_path}/elsewhere/runs.db"
    assert cli("run", "recipe.yaml", "-q", "--store", url).exit_code == 0
    assert len(json.loads(cli("runs", "list", "--json", "--store", url).stdout)) == 1
    assert len(json.loads(cli("runs", "list", "--json", env={"F0_STORE": url}).stdout)) == 1
    assert json.loads(cli("runs", "list", "--json").stdout) == []


# -- cache ----------------------------------------------------------------------------
def test_cache_list_and_clear(two_runs, cli, project):
    entries = json.loads(cli("cache", "list", "--json").stdout)
    assert [e["step"] for e in entries] == ["two"]
    assert entries[0]["recipe_path"] == str(project / "recipe.yaml")
    assert entries[0]["expired"] is False
    assert "two" in cli("cache", "list", "--recipe", "recipe.yaml").stdout
    assert json.loads(cli("cache", "list", "--json", "--recipe", "x.yaml").stdout) == []
    assert cli("cache", "clear", "one").stdout.strip() == "removed 0 cache entries"
    assert cli("cache", "clear", "two", "--recipe", "recipe.yaml").stdout.strip() == (
        "removed 1 cache entry"
    )
    assert json.loads(cli("cache", "list", "--json").stdout) == []


# -- ctx --------------------------------------------------------------------------------
def test_ctx_snapshot_restore_diff_list(two_runs, cli, tmp_path):
    first, second = two_runs
    made = json.loads(cli("ctx", "snapshot", "--from-run", first, "-t", "good", "--json").stdout)
    assert made["is_delta"] is False
    assert made["source"] == f"run:{first}"
    out = cli("ctx", "snapshot", "--delta", "-m", "after the failure")  # default: the last run
    assert out.exit_code == 0, out.output
    assert "delta over " + made["version"] in out.stdout
    listed = json.loads(cli("ctx", "list", "--json").stdout)
    assert [m["is_delta"] for m in listed] == [False, True]
    assert listed[1]["description"] == "after the failure"
    assert [
        m["version"] for m in json.loads(cli("ctx", "list", "--json", "--tag", "good").stdout)
    ] == [made["version"]]

    restored = json.loads(cli("ctx", "restore", "latest").stdout)
    store = open_run_store("sqlite:///.f0/f0.db")
    assert restored == dict(store.get_run(second).context)
    store.close()
    assert json.loads(cli("ctx", "restore", "good").stdout)["a"] == 1

    target = tmp_path / "out" / "ctx.json"
    assert cli("ctx", "restore", made["version"], "--to", str(target)).exit_code == 0
    assert json.loads(target.read_text())["done"] is True

    diff = json.loads(cli("ctx", "diff", "good", "latest", "--json").stdout)
    assert diff["changed"]["a"] == {"old": 1, "new": 6}
    assert diff["removed"] == {"done": True}
    assert json.loads(cli("ctx", "diff", "good", f"run:{first}", "--json").stdout)["changed"] == {}
    text = cli("ctx", "diff", "good", "latest").stdout
    assert "- done (was true)" in text


def test_ctx_snapshot_from_a_file_and_into_a_context_store(project, cli, tmp_path):
    source = tmp_path / "in.json"
    source.write_text(json.dumps({"x": 1, "y": [1.0, True]}))
    made = cli("ctx", "snapshot", "--file", str(source), "--version", "mine")
    assert made.exit_code == 0, made.output
    assert made.stdout.startswith("mine: snapshot of 2 keys")
    url = f"sqlite:///{tmp_path}/ctx.db"
    into = open_context_store(url)
    into.write({"stale": 1}, ())
    into.close()
    assert cli("ctx", "restore", "mine", "--context", url).exit_code == 0
    store = open_context_store(url)
    assert dict(store.load()) == {"x": 1, "y": [1.0, True]}
    store.close()
    again = cli("ctx", "snapshot", "--context", url, "--json")
    assert json.loads(again.stdout)["source"] == f"context:{url}"
    with SnapshotManager(url="sqlite:///.f0/f0.db") as snaps:
        assert snaps.compare_snapshots("mine", snaps.resolve("latest")) == {
            "added": {},
            "removed": [],
            "modified": {},
        }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("ctx", "snapshot", "--file", "missing.json"), "cannot read context file"),
        (("ctx", "snapshot", "--file", "list.json"), "holds a JSON object, not list"),
        (("ctx", "snapshot", "--file", "list.json", "--from-run", "last"), "give one of"),
        (("ctx", "snapshot"), "no runs yet"),
        (("ctx", "snapshot", "--store", "memory://"), "sqlite://"),
    ],
)
def test_ctx_snapshot_errors(project, cli, args, message):
    (project / "list.json").write_text("[1]")
    out = cli(*args)
    assert out.exit_code == 2, out.output
    assert message in out.stderr
    assert "Traceback" not in out.output


def test_ctx_refs_that_match_nothing(project, cli, tmp_path):
    source = tmp_path / "in.json"
    source.write_text("{}")
    cli("ctx", "snapshot", "--file", str(source), "--version", "v-one")
    out = cli("ctx", "restore", "nothing")
    assert out.exit_code == 2
    assert "no context version, id prefix or tag 'nothing'" in out.stderr
    assert "newest: v-one" in out.stderr


def test_ctx_snapshot_of_an_unfinished_run(project, cli):
    from f0 import Recipe, RunInfo, Step

    store = open_run_store("sqlite:///.f0/f0.db")
    recipe = Recipe(name="r", steps=[Step(name="a", idx=1)])
    store.start_run(
        RunInfo(run_id="running", recipe=recipe, started_at=1.0), recipe_hash="", params={}
    )
    store.close()
    out = cli("ctx", "snapshot", "--from-run", "running")
    assert out.exit_code == 2
    assert "has not finished" in out.stderr
    assert "has not finished" in cli("runs", "show", "running").stdout


def test_a_sqlite_context_persists_across_runs(project, cli, tmp_path):
    url = f"sqlite:///{tmp_path}/ctx.db?name=demo"
    for expected in (1, 2):
        out = cli("run", "recipe.yaml", "--json", "-q", "--context", url, "--store", "none")
        assert out.exit_code == 0, out.output
        assert json.loads(out.stdout)["context"]["a"] == expected
    store = open_context_store(url)
    assert dict(store.load())["b"] == 4
    store.close()
