"""``type: files`` steps in recipes, against real files in tmp_path."""

from __future__ import annotations

import hashlib
import json

import pytest
from f0 import RunStatus, StepStatus
from f0.testing import invoke_cli, write_project

CSV = "id,region,units\n1,north,12\n2,south,4\n3,north,7\n"


def step(name, idx, **keys):
    body = ", ".join(f"{k}: {json.dumps(v)}" for k, v in keys.items())
    return f"  - {{name: {name}, idx: {idx}, type: files, {body}}}\n"


def recipe(*steps):
    return "metadata: {name: t}\nsteps:\n" + "".join(steps)


def test_read_every_format(run, tmp_path):
    files = {
        "d/a.csv": CSV,
        "d/b.json": '{"x": [1, 2]}',
        "d/c.yaml": "when: 2026-01-02\nitems: [a, b]\n",
        "d/e.txt": "hello\n",
    }
    result = run(
        recipe(
            step("a", 1, op="read", path="d/a.csv"),
            step("b", 2, op="read", path="d/b.json"),
            step("c", 3, op="read", path="d/c.yaml"),
            step("e", 4, op="read", path="d/e.txt", output_key="text"),
        ),
        files,
    )
    assert result.status is RunStatus.COMPLETED, result.steps
    ctx = result.context
    assert ctx["a.result"] == [
        {"id": "1", "region": "north", "units": "12"},
        {"id": "2", "region": "south", "units": "4"},
        {"id": "3", "region": "north", "units": "7"},
    ]
    assert ctx["b.result"] == {"x": [1, 2]}
    assert ctx["c.result"] == {"when": "2026-01-02", "items": ["a", "b"]}
    assert ctx["text"] == "hello\n"


def test_format_from_the_suffix_then_the_content(run):
    result = run(
        recipe(
            step("a", 1, op="read", path="d/data"),
            step("b", 2, op="read", path="d/notes"),
            step("c", 3, op="read", path="d/list.txt"),
            step("d", 4, op="read", path="d/data", format="text"),
        ),
        {"d/data": '[1, {"a": 2}]\n', "d/notes": "[not json", "d/list.txt": "[1, 2]"},
    )
    assert result.status is RunStatus.COMPLETED, result.steps
    assert result.context["a.result"] == [1, {"a": 2}]
    assert result.context["b.result"] == "[not json"
    assert result.context["c.result"] == "[1, 2]"
    assert result.context["d.result"] == '[1, {"a": 2}]\n'


def test_write_keeps_a_backup_of_the_old_content(run, tmp_path):
    (tmp_path / "out.json").write_text('{"old": true}', encoding="utf-8")
    result = run(recipe(step("w", 1, op="write", path="out.json", content={"new": [1]})))
    assert result.status is RunStatus.COMPLETED, result.steps
    assert json.loads((tmp_path / "out.json").read_text()) == {"new": [1]}
    assert (tmp_path / "out.json.bak").read_text() == '{"old": true}'
    info = result.context["w.result"]
    assert info["md5"] == hashlib.md5((tmp_path / "out.json").read_bytes()).hexdigest()
    assert info["backup"] == "out.json.bak"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_write_without_backup_and_from_the_context(run, tmp_path):
    (tmp_path / "rows.csv").write_text("old\n", encoding="utf-8")
    result = run(
        recipe(
            step("r", 1, op="read", path="in.yaml"),
            "  - {name: w, idx: 2, type: files, op: write, path: rows.csv, content_from: r.result, backup: false, depends_on: [r]}\n",
        ),
        {"in.yaml": "- {a: 1, b: x}\n- {b: y, c: true}\n"},
    )
    assert result.status is RunStatus.COMPLETED, result.steps
    assert (tmp_path / "rows.csv").read_text() == "a,b,c\n1,x,\n,y,True\n"
    assert not (tmp_path / "rows.csv.bak").exists()


def test_a_failed_multi_file_write_rolls_back_every_file(run, tmp_path):
    (tmp_path / "a.txt").write_text("A0", encoding="utf-8")
    (tmp_path / "c.txt").mkdir()  # writing over a directory fails half-way
    result = run(
        recipe(step("w", 1, op="write", files={"a.txt": "A1", "b.txt": "B1", "c.txt": "C1"}))
    )
    w = result.steps["w"]
    assert w.status is StepStatus.FAILED
    assert "c.txt" in (w.error or "")
    assert (tmp_path / "a.txt").read_text() == "A0"
    assert not (tmp_path / "b.txt").exists()
    assert not (tmp_path / "a.txt.bak").exists()


def test_copy_move_delete(run, tmp_path):
    result = run(
        recipe(
            step("c", 1, op="copy", path="a.txt", to="sub/b.txt"),
            "  - {name: m, idx: 2, type: files, op: move, path: sub/b.txt, to: c.txt, depends_on: [c]}\n",
            "  - {name: d, idx: 3, type: files, op: delete, path: a.txt, depends_on: [m]}\n",
            "  - {name: d2, idx: 4, type: files, op: delete, path: gone.txt, missing_ok: true}\n",
        ),
        {"a.txt": "payload"},
    )
    assert result.status is RunStatus.COMPLETED, result.steps
    assert (tmp_path / "c.txt").read_text() == "payload"
    assert not (tmp_path / "sub" / "b.txt").exists()
    assert not (tmp_path / "sub" / "b.txt.bak").exists()  # a move leaves no backup behind
    assert not (tmp_path / "a.txt").exists()
    assert (tmp_path / "a.txt.bak").read_text() == "payload"  # a delete keeps one
    assert result.context["d2.result"] == {"path": "gone.txt", "deleted": False}


def test_deleting_a_symlink_removes_the_link_not_its_target(run, tmp_path):
    (tmp_path / "real.txt").write_text("data", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "link.txt").symlink_to(tmp_path / "real.txt")
    result = run(recipe(step("d", 1, op="delete", path="sub/link.txt")))
    assert result.context["d.result"] == {"path": "sub/link.txt", "deleted": True, "symlink": True}
    assert not (tmp_path / "sub" / "link.txt").is_symlink()
    assert (tmp_path / "real.txt").read_text() == "data"


def test_copy_refuses_to_overwrite_unless_asked(run, tmp_path):
    result = run(
        recipe(
            step("c", 1, op="copy", path="a.txt", to="b.txt"),
            step("c2", 2, op="copy", path="a.txt", to="b2.txt", overwrite=True),
        ),
        {"a.txt": "new", "b.txt": "old", "b2.txt": "old"},
    )
    assert result.steps["c"].status is StepStatus.FAILED
    assert "'b.txt' already exists" in (result.steps["c"].error or "")
    assert (tmp_path / "b.txt").read_text() == "old"
    assert (tmp_path / "b2.txt").read_text() == "new"
    assert (tmp_path / "b2.txt.bak").read_text() == "old"


def test_moving_a_file_onto_itself_is_refused_and_keeps_it(run, tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.txt").write_text("keep", encoding="utf-8")
    (tmp_path / "alias").symlink_to(tmp_path / "d")
    result = run(recipe(step("m", 1, op="move", path="d/a.txt", to="alias/a.txt", overwrite=True)))
    assert "'d/a.txt' and 'alias/a.txt' are the same file" in (result.steps["m"].error or "")
    assert (tmp_path / "d" / "a.txt").read_text() == "keep"


def test_transform_filters_selects_sorts_and_converts(run, tmp_path):
    result = run(
        recipe(
            step(
                "t",
                1,
                op="transform",
                path="a.csv",
                to="out/n.yaml",
                where={"region": "north"},
                select=["id", "units"],
                rename={"units": "qty"},
                sort_by="id",
                reverse=True,
            ),
            step("x", 2, op="transform", path="note.txt", replace={"cat": "dog"}),
        ),
        {"a.csv": CSV, "note.txt": "the cat sat\n"},
    )
    assert result.status is RunStatus.COMPLETED, result.steps
    assert (
        tmp_path / "out" / "n.yaml"
    ).read_text() == "- id: '3'\n  qty: '7'\n- id: '1'\n  qty: '12'\n"
    assert result.context["t.result"]["rows"] == 2
    assert (tmp_path / "note.txt").read_text() == "the dog sat\n"
    assert (tmp_path / "note.txt.bak").read_text() == "the cat sat\n"


def test_validate_lists_every_problem(run, tmp_path):
    good_md5 = hashlib.md5(CSV.encode()).hexdigest()
    result = run(
        recipe(
            step("ok", 1, op="validate", path="a.csv", md5=good_md5, required_keys=["id", "units"]),
            step("keys", 2, op="validate", path="a.csv", required_keys=["id", "price", "tax"]),
            step("json", 3, op="validate", path="bad.json"),
            step("sum", 4, op="validate", path="a.csv", md5="0" * 32),
        ),
        {"a.csv": CSV, "bad.json": '{"a": 1,\n  "b": }'},
    )
    assert result.steps["ok"].status is StepStatus.COMPLETED
    assert result.context["ok.result"]["valid"] is True
    keys = result.steps["keys"].error or ""
    assert "3 problem(s)" in keys
    assert all(f"item {i} lacks price, tax" in keys for i in range(3))
    assert "bad.json:2:8: not valid JSON" in (result.steps["json"].error or "")
    assert "is not the expected 000" in (result.steps["sum"].error or "")


@pytest.mark.parametrize(
    ("files", "keys", "expected"),
    [
        ({}, {"op": "read", "path": "nope.json"}, "'nope.json': no such file"),
        (
            {"a.csv": "a,b\n1,2,3\n"},
            {"op": "read", "path": "a.csv"},
            "a.csv:2: not valid CSV: row has more fields",
        ),
        ({"a.yaml": "a: [1,\n"}, {"op": "read", "path": "a.yaml"}, "a.yaml:"),
        (
            {"a.bin": "x"},
            {"op": "read", "path": "a.bin", "encoding": "nope"},
            "unknown encoding 'nope'",
        ),
        (
            {},
            {"op": "write", "path": "a.txt", "content": {"not": "text"}},
            "format text needs a string",
        ),
        (
            {"a.json": "[1]"},
            {"op": "transform", "path": "a.json", "replace": {"a": "b"}},
            "'replace' needs text",
        ),
        ({}, {"op": "delete", "path": "nope.txt"}, "'nope.txt': no such file"),
    ],
)
def test_run_time_problems_fail_the_step_with_a_clear_message(run, files, keys, expected):
    result = run(recipe(step("s", 1, **keys)), files)
    s = result.steps["s"]
    assert s.status is StepStatus.FAILED
    assert expected in (s.error or ""), s.error
    assert "Traceback" not in (s.error or "")


def test_a_symlink_out_of_the_base_is_refused(run, tmp_path):
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret", encoding="utf-8")
    (tmp_path / "link").symlink_to(outside)
    (tmp_path / "inner.txt").write_text("fine", encoding="utf-8")
    (tmp_path / "alias.txt").symlink_to(tmp_path / "inner.txt")
    result = run(
        recipe(
            step("r", 1, op="read", path="link/secret.txt"),
            step("w", 2, op="write", path="link/new.txt", content="x"),
            step("ok", 3, op="read", path="alias.txt"),
            step("abs", 4, op="read", path=str(outside / "secret.txt")),
        )
    )
    for name in ("r", "w", "abs"):
        assert result.steps[name].status is StepStatus.FAILED
        assert "outside the base directory" in (result.steps[name].error or "")
    assert not (outside / "new.txt").exists()
    assert result.context["ok.result"] == "fine"


def test_base_dir_confines_to_a_subfolder(run, tmp_path):
    result = run(
        recipe(
            step("in", 1, op="read", path="a.txt", base_dir="data"),
            step("out", 2, op="read", path=str(tmp_path / "top.txt"), base_dir="data"),
        ),
        {"data/a.txt": "A", "top.txt": "T"},
    )
    assert result.context["in.result"] == "A"
    assert "outside the base directory" in (result.steps["out"].error or "")


def test_validation_reports_every_bad_key_at_its_position(files_hooks, tmp_path):
    write_project(
        tmp_path,
        {
            "bad.yaml": """
            metadata: {name: bad}
            steps:
              - {name: a, idx: 1, type: files, op: frobnicate}
              - {name: b, idx: 2, type: files, op: read, path: ../etc/passwd}
              - {name: c, idx: 3, type: files, op: copy, path: x.txt}
              - {name: d, idx: 4, type: files, op: write, path: x.txt}
              - {name: e, idx: 5, type: files, op: read, path: x.txt, format: xml, backup: yes-please}
              - {name: f, idx: 6, type: files, op: read, path: x.txt, to: y.txt}
              - {name: g, idx: 7, type: files}
            """
        },
    )
    out = invoke_cli(files_hooks.pm, "validate", str(tmp_path / "bad.yaml"))
    assert out.exit_code == 2
    text = out.output
    assert "bad.yaml:3:36: step 'a': 'op' must be one of read, write" in text
    assert "bad.yaml:4:46: step 'b': 'path' '../etc/passwd': '..' is not allowed" in text
    assert "bad.yaml:5:5: step 'c': op 'copy' needs 'to'" in text
    assert "step 'd': op 'write' needs exactly one of 'content', 'content_from' and 'files'" in text
    assert (
        "bad.yaml:7:59: step 'e': 'format' must be one of text, json, csv, yaml, not 'xml'" in text
    )
    assert "bad.yaml:7:72: step 'e': 'backup' must be true or false" in text
    assert "bad.yaml:8:59: step 'f': op 'read' takes no 'to'" in text
    assert "step 'g': files steps need 'op'" in text


def test_the_runner_pickles_for_process_pools(run, tmp_path):
    result = run(
        recipe(step("a", 1, op="read", path="a.txt")), {"a.txt": "x"}, pool="process", workers=1
    )
    assert result.context["a.result"] == "x"


def test_no_temp_files_are_left_after_a_failed_write(run, tmp_path):
    (tmp_path / "d").mkdir()
    result = run(recipe(step("w", 1, op="write", path="d", content="x")))
    assert result.steps["w"].status is StepStatus.FAILED
    assert list((tmp_path / "d").iterdir()) == []
