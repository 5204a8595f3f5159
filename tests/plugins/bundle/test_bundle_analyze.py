"""f0 bundle analyze: files, modules, distributions, unresolved imports, exit codes."""

from __future__ import annotations

import importlib.metadata as md
import json

from f0.testing import write_project

RECIPE = """
metadata: {name: demo}
steps:
  - {name: a, idx: 1, module: steps, function: run}
"""


def analyze(cli, recipe, *extra):
    return cli("bundle", "analyze", str(recipe), *extra)


def test_example_recipe_lists_modules_data_and_plugins(cli, example):
    out = analyze(cli, example / "recipe.yaml", "--json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["success"] is True
    assert data["recipe_name"] == "bundle-demo"
    assert {(f["path"], f["kind"]) for f in data["required_files"]} == {
        ("recipe.yaml", "recipe"),
        ("pipeline.py", "module"),
        ("helpers/__init__.py", "module"),
        ("helpers/text.py", "module"),
        ("data/words.txt", "data"),
    }
    deps = {d["name"]: d for d in data["dependencies"]}
    assert set(deps) == {
        "f0",
        "f0-plugin-yaml",
        "f0-plugin-python",
        "f0-plugin-local",
        "f0-plugin-context",
    }
    assert deps["f0-plugin-python"]["why"] == ["step type python"]
    assert deps["f0-plugin-yaml"]["why"] == ["loads .yaml recipes"]
    assert all(d["f0"] for d in deps.values())


def test_text_output(cli, example):
    out = analyze(cli, example / "recipe.yaml")
    assert out.exit_code == 0
    assert "helpers/text.py  [module]" in out.stdout
    assert f"f0-plugin-local=={md.version('f0-plugin-local')}  (scheduler local)" in out.stdout


def test_third_party_imports_are_pinned_to_installed_versions(cli, tmp_path):
    write_project(
        tmp_path,
        {
            "recipe.yaml": RECIPE,
            "steps.py": "import attrs\nfrom structlog import get_logger\nimport json, os.path\n\ndef run(context, params):\n    pass\n",
        },
    )
    data = json.loads(analyze(cli, tmp_path / "recipe.yaml", "--json").stdout)
    third = {d["name"]: d for d in data["dependencies"] if not d["f0"]}
    assert third["attrs"]["version"] == md.version("attrs")
    assert third["structlog"]["version"] == md.version("structlog")
    assert third["attrs"]["why"][0].startswith("import attrs (")
    assert not {"json", "os"} & set(third)


def test_unresolved_import_exits_1_with_file_line_col(cli, tmp_path):
    write_project(
        tmp_path,
        {
            "recipe.yaml": RECIPE,
            "steps.py": "import os\nimport helpers\n\ndef run(context, params):\n    pass\n",
            "helpers.py": "from nowhere_to_be_found import thing\n",
        },
    )
    out = analyze(cli, tmp_path / "recipe.yaml")
    assert out.exit_code == 1
    line = f"{tmp_path.resolve()}/helpers.py:1:1: nowhere_to_be_found: not in the recipe folder"
    assert line in out.stderr
    assert "1 unresolved" in out.stderr


def test_missing_step_module_points_at_the_recipe_key(cli, tmp_path):
    write_project(tmp_path, {"recipe.yaml": RECIPE})
    out = analyze(cli, tmp_path / "recipe.yaml", "--json")
    assert out.exit_code == 1
    (problem,) = json.loads(out.stdout)["unresolved"]
    assert problem["module"] == "steps"
    assert problem["where"] == f"{tmp_path / 'recipe.yaml'}:3:31"


def test_optional_imports_warn_and_type_checking_imports_are_ignored(cli, tmp_path):
    write_project(
        tmp_path,
        {
            "recipe.yaml": RECIPE,
            "steps.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    import not_installed_types\n"
                "try:\n    import not_installed_fast\nexcept ImportError:\n    not_installed_fast = None\n"
                "def run(context, params):\n    pass\n"
            ),
        },
    )
    out = analyze(cli, tmp_path / "recipe.yaml", "--json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert any("optional import not_installed_fast" in w for w in data["warnings"])
    assert "not_installed_types" not in out.output


def test_packages_relative_imports_and_submodules(cli, tmp_path):
    write_project(
        tmp_path,
        {
            "recipe.yaml": RECIPE.replace("module: steps", "module: pkg.steps"),
            "pkg/__init__.py": "",
            "pkg/steps.py": "from . import util\nfrom .sub import deep\n\ndef run(context, params):\n    pass\n",
            "pkg/util.py": "",
            "pkg/sub/__init__.py": "",
            "pkg/sub/deep.py": "import pkg.util\n",
            "pkg/unused.py": "import nowhere\n",
        },
    )
    out = analyze(cli, tmp_path / "recipe.yaml", "--json")
    assert out.exit_code == 0, out.output
    paths = {f["path"] for f in json.loads(out.stdout)["required_files"]}
    assert paths == {
        "recipe.yaml",
        "pkg/__init__.py",
        "pkg/steps.py",
        "pkg/util.py",
        "pkg/sub/__init__.py",
        "pkg/sub/deep.py",
    }


def test_syntax_error_in_a_local_module_is_unresolved_at_its_line(cli, tmp_path):
    write_project(
        tmp_path, {"recipe.yaml": RECIPE, "steps.py": "def run(context, params):\n    return (\n"}
    )
    out = analyze(cli, tmp_path / "recipe.yaml")
    assert out.exit_code == 1
    assert f"{tmp_path.resolve()}/steps.py:2:" in out.stderr
    assert "syntax error" in out.stderr


def test_data_files_in_args_and_commands_inside_the_folder_only(cli, tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("no\n", encoding="utf-8")
    project = tmp_path / "proj"
    write_project(
        project,
        {
            "recipe.yaml": f"""
                metadata: {{name: demo}}
                steps:
                  - {{name: a, idx: 1, module: steps, function: run, args: {{inputs: [data/a.csv, missing.csv], cfg: {{p: conf}}, leak: {outside}, up: ../secret.txt}}}}
                  - {{name: b, idx: 2, type: shell, command: "cat scripts/run.sh --in=data/b.csv"}}
            """,
            "steps.py": "def run(context, params):\n    pass\n",
            "data/a.csv": "a\n",
            "data/b.csv": "b\n",
            "conf/x.ini": "[x]\n",
            "conf/__pycache__/junk.pyc": "",
            "conf/run.log": "",
            "scripts/run.sh": "echo hi\n",
        },
    )
    out = analyze(cli, project / "recipe.yaml", "--json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    data_files = {f["path"] for f in data["required_files"] if f["kind"] == "data"}
    assert data_files == {"data/a.csv", "data/b.csv", "conf/x.ini", "scripts/run.sh"}
    assert sum("outside the recipe folder" in w for w in data["warnings"]) == 2


def test_step_type_nobody_provides_is_unresolved(cli, tmp_path):
    write_project(
        tmp_path,
        {"recipe.yaml": "metadata: {name: d}\nsteps:\n  - {name: a, idx: 1, type: teleport}\n"},
    )
    out = analyze(cli, tmp_path / "recipe.yaml", "--json")
    assert out.exit_code == 1
    (problem,) = json.loads(out.stdout)["unresolved"]
    assert problem["module"] == "step type 'teleport'"
    assert problem["where"].startswith(f"{tmp_path / 'recipe.yaml'}:3:")


def test_missing_recipe_exits_2_without_traceback(cli, tmp_path):
    out = analyze(cli, tmp_path / "nope.yaml")
    assert out.exit_code == 2
    assert "recipe file does not exist" in out.stderr
    assert "Traceback" not in out.output


def test_imports_of_f0_and_of_editable_plugins_map_to_their_distributions(cli, tmp_path):
    write_project(
        tmp_path,
        {
            "recipe.yaml": RECIPE,
            "steps.py": "from f0 import BaseScriptlet\nimport f0_params\n\ndef run(context, params):\n    pass\n",
        },
    )
    data = json.loads(analyze(cli, tmp_path / "recipe.yaml", "--json").stdout)
    deps = {d["name"]: d for d in data["dependencies"]}
    assert deps["f0-plugin-params"]["f0"] is True
    assert deps["f0-plugin-params"]["why"] == [
        f"import f0_params ({tmp_path.resolve()}/steps.py:2:1)"
    ]
    assert "kernel" in deps["f0"]["why"]
    assert any(w.startswith("import f0 (") for w in deps["f0"]["why"])


def test_module_function_strings_in_step_keys_bring_their_local_module(cli, tmp_path):
    write_project(
        tmp_path,
        {
            "recipe.yaml": """
                metadata: {name: d}
                steps:
                  - {name: a, idx: 1, module: steps, function: run, args: {check: "probes.disk:ping", at: "12:30", other: "json:dumps"}}
            """,
            "steps.py": "def run(context, params):\n    pass\n",
            "probes/__init__.py": "",
            "probes/disk.py": "import attrs\n\ndef ping():\n    return True\n",
        },
    )
    data = json.loads(analyze(cli, tmp_path / "recipe.yaml", "--json").stdout)
    paths = {f["path"] for f in data["required_files"]}
    assert {"probes/__init__.py", "probes/disk.py"} <= paths
    assert "attrs" in {d["name"] for d in data["dependencies"]}
    assert data["unresolved"] == []
