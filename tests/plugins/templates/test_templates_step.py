"""``type: template`` steps against real template files in tmp_path."""

from __future__ import annotations

import hashlib

import pytest
from f0 import RunStatus, StepStatus
from f0.testing import invoke_cli, write_project

SEED = "  - {name: seed, idx: 1, type: python, module: steps, function: seed}\n"
STEPS = """
def seed(context, params):
    context.set("sales.rows", [{"region": "n", "units": 3}, {"region": "s", "units": 5}])
"""


def recipe(*steps):
    return "metadata: {name: t}\nsteps:\n" + SEED + "".join(steps)


def test_inline_template_into_a_context_key(run):
    result = run(
        recipe(
            "  - name: a\n    idx: 2\n    type: template\n    depends_on: [seed]\n"
            "    template: \"{{ greeting }}, {{ rows | map(attribute='units') | sum }} units in {{ ctx['recipe.name'] }}\"\n"
            "    vars: {greeting: Hello}\n    vars_from: {rows: sales.rows}\n"
        ),
        {"steps.py": STEPS},
    )
    assert result.status is RunStatus.COMPLETED, result.steps
    assert result.context["a.result"] == "Hello, 8 units in t"


def test_file_template_with_extends_into_a_file(run, tmp_path):
    files = {
        "steps.py": STEPS,
        "tpl/base.j2": "# {{ title }}\n{% block body %}{% endblock %}",
        "tpl/page.j2": '{% extends "base.j2" %}{% block body %}{% for r in rows %}- {{ r.region }}\n{% endfor %}{% endblock %}',
    }
    result = run(
        recipe(
            "  - {name: p, idx: 2, type: template, template_file: page.j2, template_dir: tpl,"
            " vars: {title: T}, vars_from: {rows: sales.rows}, output_file: out/page.md,"
            " output_key: page, depends_on: [seed]}\n"
        ),
        files,
    )
    assert result.status is RunStatus.COMPLETED, result.steps
    text = (tmp_path / "out" / "page.md").read_text()
    assert text == "# T\n- n\n- s\n"
    assert result.context["page"] == {
        "path": "out/page.md",
        "size": len(text),
        "md5": hashlib.md5(text.encode()).hexdigest(),
    }


def test_undefined_variables_are_errors_unless_strict_is_off(run):
    result = run(
        recipe(
            '  - {name: a, idx: 2, type: template, template: "x\\n{{ nope }}"}\n',
            '  - {name: b, idx: 3, type: template, template: "[{{ nope }}]", strict: false}\n',
            "  - {name: c, idx: 4, type: template, template: \"{{ ctx['no.such.key'] }}\"}\n",
        ),
        {"steps.py": STEPS},
    )
    assert result.steps["a"].status is StepStatus.FAILED
    assert result.steps["a"].error == "<template>:2: undefined: 'nope' is undefined"
    assert result.context["b.result"] == "[]"
    assert result.steps["c"].status is StepStatus.FAILED
    assert "undefined" in (result.steps["c"].error or "")


def test_a_syntax_error_in_a_file_names_its_line(run):
    result = run(
        recipe("  - {name: a, idx: 2, type: template, template_file: t.j2}\n"),
        {"steps.py": STEPS, "t.j2": "line one\n{% for x in y %}\n{{ x }\n{% endfor %}\n"},
    )
    assert result.steps["a"].status is StepStatus.FAILED
    assert result.steps["a"].error == "t.j2:3: syntax error: unexpected '}'"


def test_an_error_in_an_included_file_names_that_file(run):
    result = run(
        recipe("  - {name: a, idx: 2, type: template, template_file: main.j2}\n"),
        {
            "steps.py": STEPS,
            "main.j2": "top\n{% include 'part.j2' %}\n",
            "part.j2": "ok\n\n{{ 1 // 0 }}\n",
        },
    )
    assert (
        result.steps["a"].error
        == "part.j2:3: ZeroDivisionError: integer division or modulo by zero"
    )


def test_the_sandbox_refuses_unsafe_access(run):
    result = run(
        recipe(
            "  - {name: a, idx: 2, type: template, template: \"{{ ''.__class__.__mro__[1].__subclasses__() }}\"}\n"
        ),
        {"steps.py": STEPS},
    )
    assert result.steps["a"].status is StepStatus.FAILED
    assert "<template>:1: " in (result.steps["a"].error or "")
    assert "unsafe" in (result.steps["a"].error or "")


def test_autoescape(run):
    result = run(
        recipe(
            "  - {name: a, idx: 2, type: template, template: '<b>{{ v }}</b>', vars: {v: '<i>&'}, autoescape: true}\n"
        ),
        {"steps.py": STEPS},
    )
    assert result.context["a.result"] == "<b>&lt;i&gt;&amp;</b>"


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ("template_file: missing.j2", "template 'missing.j2' not found"),
        ("template: x, output_file: link/out.txt", "outside the base directory"),
        (
            "template: x, vars_from: {a: no.key}",
            "the context has no key 'no.key' (for variable 'a')",
        ),
    ],
)
def test_run_time_problems_fail_the_step(run, tmp_path, keys, expected):
    outside = tmp_path.parent / f"{tmp_path.name}-out"
    outside.mkdir()
    (tmp_path / "link").symlink_to(outside)
    text = recipe(f"  - {{name: a, idx: 2, type: template, {keys}}}\n")
    result = run(text, {"steps.py": STEPS})
    assert result.steps["a"].status is StepStatus.FAILED
    assert expected in (result.steps["a"].error or "")
    assert result.context["sales.rows"]  # the earlier step's context is kept
    assert not (outside / "out.txt").exists()


def test_validation_reports_positions(tpl_hooks, tmp_path):
    write_project(
        tmp_path,
        {
            "bad.yaml": """
            metadata: {name: bad}
            steps:
              - {name: a, idx: 1, type: template, template: "{% if x %}no end"}
              - {name: b, idx: 2, type: template}
              - {name: c, idx: 3, type: template, template: x, template_file: y}
              - {name: d, idx: 4, type: template, template_file: ../up.j2, output_file: ../o.txt}
              - {name: e, idx: 5, type: template, template: x, vars: [1], strict: maybe}
              - name: f
                idx: 6
                type: template
                template: |
                  fine
                  {{ broken
            """
        },
    )
    out = invoke_cli(tpl_hooks.pm, "validate", str(tmp_path / "bad.yaml"))
    assert out.exit_code == 2
    text = out.output
    assert "bad.yaml:3:39: step 'a': 'template' template line 1: Unexpected end of template" in text
    assert (
        "bad.yaml:4:5: step 'b': template steps need exactly one of 'template' and 'template_file'"
        in text
    )
    assert "bad.yaml:5:52: step 'c': template steps need exactly one" in text
    assert "bad.yaml:6:39: step 'd': 'template_file' '../up.j2': '..' is not allowed" in text
    assert "bad.yaml:6:64: step 'd': 'output_file' '../o.txt': '..' is not allowed" in text
    assert "bad.yaml:7:52: step 'e': 'vars' must be a mapping" in text
    assert "bad.yaml:7:63: step 'e': 'strict' must be true or false" in text
    assert "bad.yaml:11:5: step 'f': 'template' template line 2: " in text


def test_template_files_behind_symlinks_out_of_the_folder_are_refused(run, tmp_path):
    outside = tmp_path.parent / f"{tmp_path.name}-secret"
    outside.mkdir()
    (outside / "s.j2").write_text("SECRET", encoding="utf-8")
    (tmp_path / "tpl").mkdir()
    (tmp_path / "tpl" / "link").symlink_to(outside)
    result = run(
        recipe(
            "  - {name: a, idx: 2, type: template, template_dir: tpl, template_file: link/s.j2}\n",
            "  - {name: b, idx: 3, type: template, template_dir: tpl, template: \"{% include 'link/s.j2' %}\"}\n",
            "  - {name: c, idx: 4, type: template, template_dir: tpl, template: \"{% include '../x.j2' %}\"}\n",
        ),
        {"steps.py": STEPS, "x.j2": "X"},
    )
    for name in ("a", "b"):
        assert result.steps[name].status is StepStatus.FAILED
        assert "outside the template folders" in (result.steps[name].error or ""), name
    assert "template '../x.j2' not found" in (result.steps["c"].error or "")
    assert "SECRET" not in str(result.context)
