"""``f0 validate`` in-process on YAML and JSON recipes: one line per problem, exit 0 or 2."""

from __future__ import annotations

import json

from f0.testing import invoke_cli


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_recipe(cli_pm, tmp_path):
    path = write(
        tmp_path,
        "ok.yaml",
        "metadata: {name: ok}\nsteps:\n  - {name: a, idx: 1, module: m, function: f}\n",
    )
    result = invoke_cli(cli_pm, "validate", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"{path}: ok (1 step)"


def test_every_problem_is_one_line_with_its_position(cli_pm, tmp_path):
    path = write(
        tmp_path,
        "bad.yml",
        "metadata: {name: bad}\n"
        "steps:\n"
        "  - name: clean\n"
        "    idx: 1\n"
        "    module: m\n"
        "    function: f\n"
        "    timeout: soon\n"
        "    enabled: yes\n"
        "  - {name: b, module: m, function: f, depends_on: clean}\n",
    )
    result = invoke_cli(cli_pm, "validate", str(path))
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [
        f"{path}:7:14: step 'clean': timeout must be a number of seconds > 0, got 'soon'",
        f"{path}:8:14: step 'clean': enabled must be true or false, got 'yes' "
        "(YAML 1.2 reads yes/no/on/off as text: write true or false, unquoted)",
        f"{path}:9:5: warning: step 'b': idx is missing; using its position in the list, 2",
        f"{path}: 2 errors (2 steps, 1 warning)",
    ]


def test_syntax_error_is_one_line(cli_pm, tmp_path):
    path = write(tmp_path, "broken.yaml", "steps:\n  - a: b: c\n")
    result = invoke_cli(cli_pm, "validate", str(path))
    assert result.exit_code == 2
    assert f"{path}:2:9: invalid YAML: mapping values are not allowed here" in result.output
    assert "Traceback" not in result.output


def test_json_output_of_a_json_recipe(cli_pm, tmp_path):
    recipe = {
        "metadata": {"name": "j"},
        "steps": [{"name": "a", "idx": 1, "module": "m", "function": "f", "retries": -1}],
    }
    recipe_text = json.dumps(recipe)
    path = write(tmp_path, "r.json", recipe_text)
    result = invoke_cli(cli_pm, "validate", "--json", str(path))
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert report["valid"] is False
    (problem,) = report["problems"]
    assert problem == {
        "file": str(path),
        "line": 1,
        "col": recipe_text.index("-1") + 1,
        "severity": "error",
        "code": "E004",
        "where": "steps[0].retries",
        "message": "step 'a': retries must be a whole number >= 0, got -1",
    }
