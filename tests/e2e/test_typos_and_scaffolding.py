"""Issue 18: typos caught before the run, where runs live, help and scaffolding.

Every test runs the installed ``f0`` in a subprocess.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from .conftest import F0, run_f0

STEPS = """
def put(context, params):
    for key, value in params.get("values", {}).items():
        context.set(key, value)


def boom(context, params):
    if params.get("fail"):
        raise RuntimeError("asked to fail")
    context.set("boom.done", True)
"""

RECIPE = """
metadata: {name: typos}
steps:
  - name: load
    idx: 1
    module: steps
    function: put
    args: {values: {n: 1}}
  - name: clean
    idx: 2
    module: steps
    function: boom
    depends_on: [load]
    args: {fail: false}
"""


def _write(folder: Path, recipe: str = RECIPE) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "steps.py").write_text(textwrap.dedent(STEPS), encoding="utf-8")
    path = folder / "recipe.yaml"
    path.write_text(textwrap.dedent(recipe).lstrip(), encoding="utf-8")
    return path


# -- typos caught before the run ---------------------------------------------------


def test_an_unknown_step_key_is_an_error_with_a_suggestion(tmp_path):
    path = _write(tmp_path, RECIPE.replace("depends_on: [load]", "depend_on: [load]"))
    result = run_f0("run", str(path), "--store", "none", cwd=tmp_path)
    assert result.returncode == 2, result
    assert result.stderr.strip() == (
        f"{path}:12:5: step 'clean': unknown key 'depend_on' for step type 'python'; "
        "did you mean `depends_on`?"
    )
    assert "Traceback" not in result.stderr
    for command in ("validate", "plan"):
        assert run_f0(command, str(path), cwd=tmp_path).returncode == 2


def test_lenient_on_the_command_line_or_in_the_recipe_makes_it_a_warning(tmp_path):
    path = _write(tmp_path, RECIPE.replace("depends_on: [load]", "colour: red"))
    result = run_f0("run", str(path), "--store", "none", "--lenient", "--json", cwd=tmp_path)
    assert result.returncode == 0, result
    assert "warning: step 'clean': unknown key 'colour'" in result.stderr
    assert result.json()["status"] == "COMPLETED"
    validated = run_f0("validate", str(path), "--lenient", cwd=tmp_path)
    assert validated.returncode == 0, validated
    assert validated.stdout.strip().endswith("ok (2 steps, 1 warning)")
    assert run_f0("plan", str(path), "--lenient", cwd=tmp_path).returncode == 0
    # The same, said once in the recipe.
    path.write_text("lenient: true\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    assert run_f0("run", str(path), "--store", "none", cwd=tmp_path).returncode == 0
    both = run_f0("validate", str(path), "--lenient", "--strict", cwd=tmp_path)
    assert both.returncode == 2
    assert "--strict and --lenient contradict each other" in both.stderr


def test_an_unknown_top_level_key_is_an_error_with_a_suggestion(tmp_path):
    path = _write(tmp_path, "metdata: {name: x}\n" + RECIPE.split("\n", 2)[2])
    result = run_f0("validate", str(path), cwd=tmp_path)
    assert result.returncode == 2
    assert f"{path}:1:1: unknown top-level key 'metdata'; did you mean `metadata`?" in result.stdout


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (
            "clean.fial=true",
            "step 'clean' has no argument 'fial'; did you mean `fail`? (its arguments: fail)",
        ),
        ("claen.fail=true", "no step 'claen'; did you mean `clean.fail`?"),
    ],
)
def test_set_naming_a_missing_step_or_argument_is_an_error(tmp_path, item, message):
    path = _write(tmp_path)
    result = run_f0("run", str(path), "--store", "none", "--set", item, cwd=tmp_path)
    assert result.returncode == 2, result
    assert result.stderr.strip() == f"--set: {item.split('=')[0]}: {message}"
    # A real argument still works; a plain key still seeds the context.
    ok = run_f0(
        "run", str(path), "--store", "none", "--json", "--set", "clean.fail=false",
        "--set", "threshold=3", cwd=tmp_path,
    )  # fmt: skip
    assert ok.returncode == 0, ok
    assert ok.json()["context"]["threshold"] == 3


def test_every_example_recipe_still_validates():
    root = Path(__file__).resolve().parents[2]
    recipes = sorted(str(p) for p in (root / "examples").rglob("recipe.yaml"))
    assert len(recipes) >= 10
    result = run_f0("validate", *recipes, cwd=root)
    assert result.returncode == 0, result.stdout


# -- where things live -----------------------------------------------------------------


def test_runs_follow_the_recipe_to_its_project_root(tmp_path):
    project = tmp_path / "project"
    (project / "pipelines" / "nightly").mkdir(parents=True)
    (project / "pyproject.toml").write_text("[project]\nname = 'demo'\n", encoding="utf-8")
    path = _write(project / "pipelines" / "nightly")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    ran = run_f0("run", str(path), "--json", cwd=elsewhere, env={"F0_STORE": ""})
    assert ran.returncode == 0, ran
    run_id = ran.json()["run_id"]
    assert re.fullmatch(r"\d{8}-\d{6}-[0-9a-z]{4}", run_id)
    assert (project / ".f0" / "f0.db").is_file()
    assert not (elsewhere / ".f0").exists()
    # From anywhere inside the project, on a narrow terminal: the id is whole.
    listed = run_f0(
        "runs", "list", cwd=project / "pipelines", env={"COLUMNS": "40", "F0_STORE": ""}
    )
    assert listed.returncode == 0, listed
    assert run_id in listed.stdout
    assert "started" not in listed.stdout  # dropped to make room
    assert all(len(line) <= 40 for line in listed.stdout.splitlines())
    listed_json = run_f0("runs", "list", "--json", cwd=project / "pipelines" / "nightly")
    assert [r["run_id"] for r in listed_json.json()] == [run_id]
    # --store and F0_STORE still win.
    other = tmp_path / "other.db"
    stored = run_f0("run", str(path), "--json", "--store", f"sqlite:///{other}", cwd=elsewhere)
    assert stored.returncode == 0
    by_env = run_f0("runs", "list", "--json", cwd=project, env={"F0_STORE": f"sqlite:///{other}"})
    assert [r["run_id"] for r in by_env.json()] == [stored.json()["run_id"]]


def test_workdir_moves_relative_paths_but_not_step_modules(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "in.txt").write_text("hello", encoding="utf-8")
    recipe = """
    workdir: data
    metadata: {name: wd}
    steps:
      - {name: read, idx: 1, type: files, op: read, path: in.txt, output_key: text}
      - {name: shout, idx: 2, module: steps, function: put, args: {values: {x: 1}}}
    """
    path = _write(tmp_path / "r", recipe)
    (tmp_path / "r" / "data").mkdir()
    (tmp_path / "r" / "data" / "in.txt").write_text("from workdir", encoding="utf-8")
    result = run_f0("run", str(path), "--json", "--store", "none", cwd=tmp_path)
    assert result.returncode == 0, result
    assert result.json()["context"]["text"] == "from workdir"
    path.write_text(path.read_text().replace("workdir: data", "workdir: nope"))
    missing = run_f0("validate", str(path), cwd=tmp_path)
    assert missing.returncode == 2
    assert f"{path}:1:10: workdir 'nope' is not a folder" in missing.stdout


# -- help and scaffolding --------------------------------------------------------------


def test_init_scaffolds_a_project_that_runs_and_tests_green(tmp_path):
    made = run_f0("init", "demo", cwd=tmp_path)
    assert made.returncode == 0, made
    demo = tmp_path / "demo"
    assert sorted(p.name for p in demo.iterdir()) == ["recipe.yaml", "steps.py", "test_recipe.py"]
    ran = run_f0("run", "demo/recipe.yaml", "--json", "--store", "none", cwd=tmp_path)
    assert ran.returncode == 0, ran
    assert ran.json()["context"]["shouted"] == "HELLO, WORLD!"
    tested = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(demo)],
        cwd=demo,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "2 passed" in tested.stdout
    # Never overwrites: a second init changes nothing and says why.
    (demo / "steps.py").write_text("# mine\n", encoding="utf-8")
    again = run_f0("init", "demo", cwd=tmp_path)
    assert again.returncode == 2
    assert "will not overwrite" in again.stderr
    assert (demo / "steps.py").read_text(encoding="utf-8") == "# mine\n"


def test_schema_is_json_schema_and_can_be_written_to_a_file(tmp_path):
    printed = run_f0("schema", cwd=tmp_path)
    assert printed.returncode == 0, printed
    schema = printed.json()
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert (
        "python" in schema["properties"]["steps"]["items"]["properties"]["type"]["anyOf"][1]["enum"]
    )
    written = run_f0("schema", "-o", "s/recipe.schema.json", cwd=tmp_path)
    assert written.returncode == 0
    assert json.loads((tmp_path / "s" / "recipe.schema.json").read_text()) == schema


def test_a_command_of_a_missing_plugin_names_the_plugin(tmp_path):
    result = run_f0("runs", "list", cwd=tmp_path, env={"F0_DISABLE_PLUGINS": "store"})
    assert result.returncode == 2
    assert "pip install f0-plugin-store" in result.stderr
    assert "Traceback" not in result.stderr
    typo = run_f0("rnus", cwd=tmp_path)
    assert typo.returncode == 2  # click's own "No such command" for a plain typo


def test_shell_completion_is_typers_own(tmp_path):
    helped = run_f0("--help", cwd=tmp_path)
    assert "--install-completion" in helped.stdout
    assert "--show-completion" in helped.stdout
    completed = subprocess.run(
        [str(F0)],
        env={"_F0_COMPLETE": "complete_bash", "COMP_WORDS": "f0 ru", "COMP_CWORD": "1"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.stdout.split() == ["run", "runs"]


def test_messages_use_correct_plurals(tmp_path):
    one = _write(tmp_path, RECIPE.split("  - name: clean", maxsplit=1)[0])
    validated = run_f0("validate", str(one), cwd=tmp_path)
    assert validated.stdout.strip() == f"{one}: ok (1 step)"
    planned = run_f0("plan", str(one), "--store", "none", cwd=tmp_path)
    assert planned.stdout.splitlines()[0] == "plan for typos (1 step, 1 level)"
