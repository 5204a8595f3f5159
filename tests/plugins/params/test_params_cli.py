"""``f0 params``: the forms, outputs and exit codes of params_engine.md §4, plus --json."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .params_support import FILE_NAME, LOCK_NAME, load

# "key : value" lines; an empty string leaves "key : " (with the space).
WHOLE_DEFAULT = (
    "global_parameters\n"
    "    step_engine_library_path : \n"
    "    step_engine_instance_path : \n"
    "    step_engine_state : INACTIVE\n"
    "    current_step_module : \n"
    "    current_step_node : \n"
    "    current_step_state : INACTIVE\n"
    "    first_step_module : \n"
    "    first_step_node : \n"
    "    run_step_count : 1\n"
)


def test_no_arguments_reads_the_current_directory(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli("params")
    assert result.exit_code == 0, result.output
    assert result.stdout == WHOLE_DEFAULT
    assert (tmp_path / FILE_NAME).exists()
    assert (tmp_path / LOCK_NAME).exists()


def test_path_forms(cli, tmp_path):
    d = str(tmp_path)
    assert cli("params", d).stdout == WHOLE_DEFAULT
    group = cli("params", d, "global_parameters")
    assert group.exit_code == 0
    assert group.stdout == WHOLE_DEFAULT
    value = cli("params", d, "global_parameters", "step_engine_state")
    assert (value.exit_code, value.stdout) == (0, "INACTIVE\n")
    count = cli("params", d, "global_parameters", "run_step_count")
    assert (count.exit_code, count.stdout) == (0, "1\n")


def test_spec_examples(cli, tmp_path):
    from f0_params import update_json_dict

    d = str(tmp_path)
    update_json_dict(
        {}, str(tmp_path / FILE_NAME), str(tmp_path / LOCK_NAME), "global_parameters",
        "current_step_state", "EXECUTE",
    )  # fmt: skip
    assert cli("params", d, "global_parameters", "current_step_state").stdout == "EXECUTE\n"
    assert cli("params", d, "global_parameters", "run_step_count", "-i").stdout == "2\n"
    assert cli("params", d, "global_parameters", "run_step_count", "-i").stdout == "3\n"
    assert cli("params", d, "global_parameters", "run_step_count", "-d").stdout == "2\n"
    assert load(tmp_path)["global_parameters"]["run_step_count"] == 2


@pytest.mark.parametrize(
    ("text", "stored", "shown"),
    [
        ("5", 5, "5"),
        ("-5", -5, "-5"),
        ("-2.5e3", -2500.0, "-2500.0"),
        ("true", True, "true"),
        ("null", None, "null"),
        ('"x"', "x", "x"),
        ('"-x"', "-x", "-x"),
        ("RUNNING", "RUNNING", "RUNNING"),
        ("[1, 2]", [1, 2], "[1, 2]"),
        ('{"a": {"b": "c"}}', {"a": {"b": "c"}}, '{"a": {"b": "c"}}'),
        ("NaN", "NaN", "NaN"),
        ("Infinity", "Infinity", "Infinity"),
        ("hello world", "hello world", "hello world"),
        ("", "", ""),
    ],
)
def test_set_parses_json_else_keeps_text(cli, tmp_path, text, stored, shown):
    d = str(tmp_path)
    result = cli("params", d, "grp", "key", text)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"grp\n    key : {shown}\n"
    assert load(tmp_path)["grp"] == {"key": stored}
    assert cli("params", d, "grp", "key").stdout == f"{shown}\n"
    assert json.loads(cli("params", d, "grp", "key", "--json").stdout) == stored


def test_json_output(cli, tmp_path):
    d = str(tmp_path)
    assert json.loads(cli("params", d, "--json").stdout)["global_parameters"]["run_step_count"] == 1
    assert json.loads(cli("params", d, "g", "k", "7", "--json").stdout) == {"k": 7}
    assert json.loads(cli("params", d, "g", "--json").stdout) == {"k": 7}
    assert cli("params", d, "g", "k", "--json").stdout == "7\n"
    assert cli("params", d, "--json", "g", "s", "text").stdout == '{"k": 7, "s": "text"}\n'
    assert cli("params", d, "g", "s", "--json").stdout == '"text"\n'
    assert cli("params", d, "g", "k", "-i", "--json").stdout == "8\n"


def test_delete(cli, tmp_path):
    d = str(tmp_path)
    cli("params", d, "g", "a", "1")
    cli("params", d, "g", "b", "2")
    result = cli("params", d, "g", "a", "--delete")
    assert (result.exit_code, result.stdout) == (0, "g\n    b : 2\n")
    result = cli("params", d, "g", "--delete", "--json")
    assert result.exit_code == 0
    assert "g" not in json.loads(result.stdout)
    missing = cli("params", d, "g", "--delete")
    assert missing.exit_code == 1
    assert "no group 'g'" in missing.stderr
    protected = cli("params", d, "global_parameters", "run_step_count", "--delete")
    assert protected.exit_code == 2
    assert "part of the default schema" in protected.stderr


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["nogroup"], 1, "no group 'nogroup'"),
        (["global_parameters", "nokey"], 1, "no key 'nokey' in group 'global_parameters'"),
        (["global_parameters", "step_engine_state", "-i"], 1, "not an integer"),
        (["a", "b", "c", "d"], 2, "too many arguments (5"),
        (["g", "k", "v", "-i"], 2, "-i/-d need PATH GROUP KEY and no VALUE"),
        (["g", "-d"], 2, "-i/-d need PATH GROUP KEY"),
        (["g", "k", "-i", "-d"], 2, "-i and -d cannot be used together"),
        (["g", "k", "v", "--delete"], 2, "--delete needs PATH GROUP [KEY]"),
        (["g", "k", "-x"], 2, "no such option: -x"),
        (["g", "k", "--jsn"], 2, "no such option: --jsn"),
    ],
)
def test_errors_are_one_message_and_an_exit_code(cli, tmp_path, args, code, message):
    result = cli("params", str(tmp_path), *args)
    assert result.exit_code == code, result.output
    assert message in result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.output


def test_path_must_be_a_directory(cli, tmp_path):
    missing = cli("params", str(tmp_path / "nope"))
    assert missing.exit_code == 2
    assert missing.stderr.strip() == f"{tmp_path / 'nope'}: PATH does not exist"
    (tmp_path / "f").write_text("x")
    a_file = cli("params", str(tmp_path / "f"))
    assert a_file.exit_code == 2
    assert "PATH is not a directory" in a_file.stderr


def test_corrupt_file_exit_2_one_line_untouched_then_repair(cli, tmp_path):
    path = tmp_path / FILE_NAME
    text = '{\n    "g": {"k": 1\n'
    path.write_text(text, encoding="utf-8")
    for args in ([], ["g"], ["g", "k"], ["g", "k", "5"], ["g", "k", "-i"]):
        result = cli("params", str(tmp_path), *args)
        assert result.exit_code == 2
        lines = result.stderr.splitlines()
        assert len(lines) == 1
        assert lines[0].startswith(f"{path}:3:1: not valid JSON: ")
        assert lines[0].endswith("fix it or run with --repair")
        assert path.read_text(encoding="utf-8") == text
    repaired = cli("params", str(tmp_path), "--repair")
    assert repaired.exit_code == 0
    assert repaired.stdout == WHOLE_DEFAULT
    assert "moved the unusable" in repaired.stderr
    (aside,) = tmp_path.glob(FILE_NAME + ".corrupt-*")
    assert aside.read_text(encoding="utf-8") == text


def test_unknown_engine_state_warns_but_sets(cli, tmp_path):
    result = cli("params", str(tmp_path), "global_parameters", "step_engine_state", "BOGUS")
    assert result.exit_code == 0
    assert "warning: 'BOGUS' is not a known step_engine_state" in result.stderr
    assert load(tmp_path)["global_parameters"]["step_engine_state"] == "BOGUS"
    ok = cli("params", str(tmp_path), "global_parameters", "current_step_state", "JUMP")
    assert ok.stderr == ""


def test_help_lists_the_forms(cli):
    result = cli("params", "--help")
    assert result.exit_code == 0
    assert "PATH GROUP KEY -i" in result.stdout


@pytest.mark.slow
def test_legacy_scripts_run_as_modules(tmp_path):
    def run(module, *args):
        return subprocess.run(
            [sys.executable, "-m", module, *args],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            check=False,
        )

    whole = run("octo_step_engine_parameters")
    assert (whole.returncode, whole.stdout) == (0, WHOLE_DEFAULT)
    inc = run("octo_step_engine_parameters", ".", "global_parameters", "run_step_count", "-i")
    assert (inc.returncode, inc.stdout) == (0, "2\n")
    helper = run("scriptlet_step_engine_params", str(tmp_path), "g", "k", "5")
    assert (helper.returncode, helper.stdout) == (0, "g\n    k : 5\n")
    no_path = run("scriptlet_step_engine_params")
    assert no_path.returncode == 2
    assert "scriptlet_step_engine_params.py: PATH is required" in no_path.stderr
    missing = run("octo_step_engine_parameters", ".", "nogroup")
    assert missing.returncode == 1
    assert "no group 'nogroup'" in missing.stderr


@pytest.mark.slow
def test_f0_params_console_script_is_one_line_on_errors(tmp_path):
    f0 = Path(sys.executable).with_name("f0")
    (tmp_path / FILE_NAME).write_text("[", encoding="utf-8")
    proc = subprocess.run(
        [str(f0), "params", str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1
    assert "Traceback" not in proc.stderr
