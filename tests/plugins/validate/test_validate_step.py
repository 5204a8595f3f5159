"""``type: validate`` steps in recipes, against real data and schema files."""

from __future__ import annotations

import json

import pytest
from f0 import RunStatus, StepStatus
from f0.testing import invoke_cli, write_project

ORDERS = json.dumps(
    [
        {"id": 1, "region": "north", "units": 12},
        {"id": 2, "region": "south", "units": -4},
        {"id": 2, "region": "mars", "units": "many"},
    ]
)
SCHEMA = json.dumps(
    {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["id", "units"],
            "properties": {"units": {"type": "integer", "minimum": 0}},
        },
    }
)


def recipe(*steps):
    return "metadata: {name: t}\nsteps:\n" + "".join(steps)


def test_a_passing_validation_writes_its_report(run):
    result = run(
        recipe(
            "  - {name: v, idx: 1, type: validate, data_file: d.csv, completeness: true,"
            " consistency: {unique: [id], types: {units: integer}}, profile: true}\n"
        ),
        {"d.csv": "id,units\n1,5\n2,6\n3,7\n"},
    )
    assert result.status is RunStatus.COMPLETED, result.steps
    report = result.context["v.result"]
    assert report["valid"] is True
    assert report["records"] == 3
    assert report["profile"]["fields"]["units"]["mean"] == 6.0


def test_a_failing_validation_lists_every_problem(run):
    result = run(
        recipe(
            "  - name: v\n    idx: 1\n    type: validate\n    data_file: orders.json\n    schema_file: schema.json\n"
            "    consistency: {unique: [id]}\n"
            "    accuracy: {allowed: {region: [north, south]}}\n"
            "    rules:\n      - {name: small, field: units, op: '<', value: 100, severity: warning}\n"
        ),
        {"orders.json": ORDERS, "schema.json": SCHEMA},
    )
    v = result.steps["v"]
    assert v.status is StepStatus.FAILED
    assert v.exit_code == 1
    error = v.error or ""
    assert error == (
        "4 validation problem(s): "
        "[error] $[1].units: -4 is less than the minimum of 0; "
        "[error] $[2].units: 'many' is not of type 'integer'; "
        "[error] id: duplicate values 2; "
        "[error] [2].region: 'mars' is not one of north, south"
    )
    assert "small" not in error  # warnings are reported, not failing


def test_fail_on_chooses_the_failing_severities(run):
    result = run(
        recipe(
            "  - {name: v, idx: 1, type: validate, data: [{a: 1}, {a: 2}], fail_on: [warning, error, critical],"
            " rules: [{name: big, field: a, op: '>', value: 1, severity: warning}]}\n"
            "  - {name: w, idx: 2, type: validate, data: [{a: 1}, {a: 2}], fail_on: [critical],"
            " rules: [{name: big, field: a, op: '>', value: 1}]}\n"
        )
    )
    assert result.steps["v"].status is StepStatus.FAILED
    assert "[warning] [0].a: 1 fails > 1" in (result.steps["v"].error or "")
    assert result.steps["w"].status is StepStatus.COMPLETED
    assert result.context["w.result"]["counts"] == {"error": 1}


def test_data_from_the_context(run):
    result = run(
        recipe(
            "  - {name: seed, idx: 1, module: steps, function: seed}\n"
            "  - {name: v, idx: 2, type: validate, data_from: rows, schema: {type: array, maxItems: 1}, depends_on: [seed]}\n"
        ),
        {"steps.py": "def seed(context, params):\n    context.set('rows', [1, 2])\n"},
    )
    assert "$: [1, 2] is too long" in (result.steps["v"].error or "")


@pytest.mark.parametrize(
    ("keys", "files", "expected"),
    [
        ("data_file: nope.json, schema: {type: object}", {}, "'nope.json': no such file"),
        (
            "data_file: bad.json, schema: {type: object}",
            {"bad.json": "[1,\n2,,]"},
            "bad.json:2:3: not valid JSON",
        ),
        (
            "data: [], schema_file: s.json",
            {"s.json": '{"type": "arrray"}'},
            "s.json: invalid schema at $.type: 'arrray' is not valid under any of the given schemas",
        ),
        ("data_from: nothing, profile: true", {}, "the context has no key 'nothing'"),
        ("data_file: link/x.json, profile: true", {}, "outside the base directory"),
    ],
)
def test_bad_inputs_fail_the_step_with_one_clear_line(run, tmp_path, keys, files, expected):
    outside = tmp_path.parent / f"{tmp_path.name}-o"
    outside.mkdir()
    (outside / "x.json").write_text("[]", encoding="utf-8")
    (tmp_path / "link").symlink_to(outside)
    result = run(recipe(f"  - {{name: v, idx: 1, type: validate, {keys}}}\n"), files)
    v = result.steps["v"]
    assert v.status is StepStatus.FAILED
    assert expected in (v.error or ""), v.error
    assert "\n" not in (v.error or "")


def test_validation_reports_positions(val_hooks, tmp_path):
    write_project(
        tmp_path,
        {
            "bad.yaml": """
            metadata: {name: bad}
            steps:
              - {name: a, idx: 1, type: validate, data: [], schema: {type: nope}}
              - {name: b, idx: 2, type: validate, schema: {}}
              - {name: c, idx: 3, type: validate, data: [], data_file: x.json}
              - {name: d, idx: 4, type: validate, data: []}
              - {name: e, idx: 5, type: validate, data: [], rules: [{field: a}, {name: r, op: '~', value: 1}, {name: k, kind: magic}]}
              - {name: f, idx: 6, type: validate, data: [], accuracy: {patterns: {a: '('}}, fail_on: [fatal]}
              - {name: g, idx: 7, type: validate, data_file: ../x.json, profile: {z_threshold: -1}}
            """
        },
    )
    out = invoke_cli(val_hooks.pm, "validate", str(tmp_path / "bad.yaml"))
    assert out.exit_code == 2
    text = out.output
    assert (
        "bad.yaml:3:49: step 'a': 'schema': invalid schema at $.type: 'nope' is not valid" in text
    )
    assert (
        "bad.yaml:4:5: step 'b': validate steps need exactly one of 'data', 'data_from' and 'data_file'"
        in text
    )
    assert "bad.yaml:5:49: step 'c': validate steps need exactly one of" in text
    assert "bad.yaml:6:5: step 'd': validate steps need at least one check" in text
    assert "step 'e': 'rules': rule 0 needs a 'name'" in text
    assert "step 'e': 'rules': rule 'r': 'op' must be one of" in text
    assert (
        "step 'e': 'rules': rule 'k': 'kind' must be one of single, conditional, aggregation, custom"
        in text
    )
    assert "step 'f': 'accuracy.patterns.a': bad regular expression" in text
    assert "step 'f': 'fail_on' must be a list of severities" in text
    assert "step 'g': 'data_file' '../x.json': '..' is not allowed" in text
    assert "step 'g': 'profile.z_threshold' must be a number > 0" in text
