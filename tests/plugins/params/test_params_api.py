"""The Python API: Framework0 names (params_engine.md §2-3, §7) and ParamsFile."""

from __future__ import annotations

import io
import json

import f0
import f0_params
import pytest
from f0_params import (
    EngineState,
    ParamsFile,
    ParamsFileError,
    ParamsKeyError,
    ParamsTypeError,
    ParamsUsageError,
    StepState,
    dictionary_display,
    get_default_param_dict,
    increment_json_dict,
    read_json_dict,
    update_json_dict,
)

from .params_support import FILE_NAME, LOCK_NAME, load

DEFAULTS = {
    "global_parameters": {
        "step_engine_library_path": "",
        "step_engine_instance_path": "",
        "step_engine_state": "INACTIVE",
        "current_step_module": "",
        "current_step_node": "",
        "current_step_state": "INACTIVE",
        "first_step_module": "",
        "first_step_node": "",
        "run_step_count": 1,
    }
}


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    """Run in tmp_path: the API resolves relative names against the current directory."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_names_and_default_schema():
    from octo_step_engine_parameters import octo_step_engine_parameters

    p = octo_step_engine_parameters()
    assert p.get_default_param_file_name() == FILE_NAME == ".octo_step_engine_parameters.json"
    assert p.get_default_param_lock_file_name() == LOCK_NAME == ".octo_step_engine_parameters.lock"
    assert p.get_default_param_dict() == DEFAULTS
    assert list(EngineState) == [
        "INACTIVE",
        "STARTUP",
        "RUNNING",
        "COMPLETE_SUCCESS",
        "COMPLETE_ERROR",
    ]
    assert list(StepState) == ["INACTIVE", "ENTER", "EXECUTE", "EXIT", "ADVANCE", "JUMP"]


def test_default_dict_is_a_fresh_copy_each_time():
    d = get_default_param_dict()
    d["global_parameters"]["run_step_count"] = 99
    d["extra"] = {}
    assert get_default_param_dict() == DEFAULTS


def test_constructor_touches_no_file(in_tmp):
    from octo_step_engine_parameters import octo_step_engine_parameters

    octo_step_engine_parameters()
    ParamsFile()
    assert list(in_tmp.iterdir()) == []


def test_read_creates_the_file_from_the_defaults(in_tmp):
    from octo_step_engine_parameters import octo_step_engine_parameters

    p = octo_step_engine_parameters()
    d, f, lock = (
        p.get_default_param_dict(),
        p.get_default_param_file_name(),
        p.get_default_param_lock_file_name(),
    )
    data = p.read_json_dict(d, f, lock)
    assert data == DEFAULTS
    assert data["global_parameters"]["run_step_count"] == 1
    assert load(in_tmp) == DEFAULTS
    assert (in_tmp / LOCK_NAME).exists()
    text = (in_tmp / FILE_NAME).read_text(encoding="utf-8")
    assert text == json.dumps(DEFAULTS, indent=4) + "\n"


def test_update_then_read_and_custom_groups(in_tmp):
    d = get_default_param_dict()
    data = update_json_dict(
        d, FILE_NAME, LOCK_NAME, "global_parameters", "current_step_state", "EXECUTE"
    )
    assert data["global_parameters"]["current_step_state"] == "EXECUTE"
    data = update_json_dict(
        d, FILE_NAME, LOCK_NAME, "my_custom_group", "custom_param", "custom_value"
    )
    assert data["my_custom_group"] == {"custom_param": "custom_value"}
    update_json_dict(d, FILE_NAME, LOCK_NAME, "my_custom_group", "nested", {"a": [1, None, True]})
    assert read_json_dict(d, FILE_NAME, LOCK_NAME)["my_custom_group"] == {
        "custom_param": "custom_value",
        "nested": {"a": [1, None, True]},
    }


def test_increment_and_decrement(in_tmp):
    d = get_default_param_dict()
    for _ in range(2):
        data = increment_json_dict(
            d, FILE_NAME, LOCK_NAME, "global_parameters", "run_step_count", True
        )
    assert data["global_parameters"]["run_step_count"] == 3
    data = increment_json_dict(
        d, FILE_NAME, LOCK_NAME, "global_parameters", "run_step_count", False
    )
    assert data["global_parameters"]["run_step_count"] == 2
    # A missing group or key counts as 0.
    data = increment_json_dict(d, FILE_NAME, LOCK_NAME, "stats", "processed_records", True)
    assert data["stats"] == {"processed_records": 1}
    data = increment_json_dict(d, FILE_NAME, LOCK_NAME, "stats", "skipped", False)
    assert data["stats"]["skipped"] == -1


@pytest.mark.parametrize("value", [True, 1.5, "3", None, [1], {"a": 1}])
def test_increment_of_a_non_integer_is_a_type_error_and_changes_nothing(in_tmp, value):
    d = get_default_param_dict()
    update_json_dict(d, FILE_NAME, LOCK_NAME, "g", "k", value)
    before = (in_tmp / FILE_NAME).read_bytes()
    with pytest.raises(TypeError, match=r"g\.k is .*not an integer"):
        increment_json_dict(d, FILE_NAME, LOCK_NAME, "g", "k", True)
    assert (in_tmp / FILE_NAME).read_bytes() == before


def test_increment_bool_must_be_a_bool(in_tmp):
    with pytest.raises(TypeError, match="True or False"):
        increment_json_dict(get_default_param_dict(), FILE_NAME, LOCK_NAME, "g", "k", 1)  # type: ignore[arg-type]


def test_a_group_that_is_not_an_object_is_a_type_error(in_tmp):
    (in_tmp / FILE_NAME).write_text('{"g": 5}', encoding="utf-8")
    d = get_default_param_dict()
    with pytest.raises(TypeError, match="'g' is a number, not a group"):
        update_json_dict(d, FILE_NAME, LOCK_NAME, "g", "k", 1)
    with pytest.raises(TypeError):
        increment_json_dict(d, FILE_NAME, LOCK_NAME, "g", "k", True)
    assert load(in_tmp) == {"g": 5}


def test_missing_default_keys_are_filled_existing_values_kept(in_tmp):
    (in_tmp / FILE_NAME).write_text(
        json.dumps({"global_parameters": {"step_engine_state": "RUNNING"}, "mine": {"x": 1}}),
        encoding="utf-8",
    )
    data = read_json_dict(get_default_param_dict(), FILE_NAME, LOCK_NAME)
    assert data["global_parameters"]["step_engine_state"] == "RUNNING"
    assert data["global_parameters"]["run_step_count"] == 1
    assert data["mine"] == {"x": 1}
    assert load(in_tmp) == data  # written back


def test_an_empty_file_counts_as_missing(in_tmp):
    (in_tmp / FILE_NAME).write_text("  \n", encoding="utf-8")
    assert read_json_dict(get_default_param_dict(), FILE_NAME, LOCK_NAME) == DEFAULTS
    assert load(in_tmp) == DEFAULTS


def test_other_file_names_and_defaults(tmp_path):
    path = tmp_path / "state.json"
    data = read_json_dict({"a": {"b": 1}}, str(path), str(tmp_path / "state.lock"))
    assert data == {"a": {"b": 1}}
    assert ParamsFile(path).lock_path == tmp_path / "state.lock"
    assert ParamsFile(tmp_path / "state").lock_path == tmp_path / "state.lock"
    assert ParamsFile(tmp_path / "params.txt").lock_path == tmp_path / "params.txt.lock"


@pytest.mark.parametrize(
    ("text", "line", "col", "what"),
    [
        ('{\n    "a": {"b": 1,,}\n}\n', 2, 18, "not valid JSON: Expecting property name"),
        ('{"a": 1', 1, 8, "not valid JSON"),
        ("[1, 2]", 1, 1, "the top level must be a JSON object, not a list"),
        ('\n\n  "text"', 3, 3, "the top level must be a JSON object, not a string"),
        ("not json at all", 1, 1, "not valid JSON: Expecting value"),
    ],
)
def test_a_corrupt_file_is_a_value_error_with_its_position_and_is_left_alone(
    in_tmp, text, line, col, what
):
    path = in_tmp / FILE_NAME
    path.write_text(text, encoding="utf-8")
    d = get_default_param_dict()
    calls = [
        lambda: read_json_dict(d, FILE_NAME, LOCK_NAME),
        lambda: update_json_dict(d, FILE_NAME, LOCK_NAME, "g", "k", 1),
        lambda: increment_json_dict(d, FILE_NAME, LOCK_NAME, "g", "k", True),
    ]
    for call in calls:
        with pytest.raises(ValueError, match=what) as info:
            call()
        assert isinstance(info.value, ParamsFileError)
        assert isinstance(info.value, f0.F0Error)
        assert info.value.exit_code == 2
        assert str(info.value).startswith(f"{path}:{line}:{col}: ")
        assert path.read_text(encoding="utf-8") == text
    assert sorted(p.name for p in in_tmp.iterdir()) == [FILE_NAME, LOCK_NAME]


def test_non_utf8_bytes(in_tmp):
    path = in_tmp / FILE_NAME
    path.write_bytes(b'{"a":\n "\xff"}')
    with pytest.raises(ParamsFileError, match=r"2:3: not UTF-8 text \(byte 0xff\)"):
        ParamsFile(path).read()
    assert path.read_bytes() == b'{"a":\n "\xff"}'


def test_repair_moves_a_corrupt_file_aside(in_tmp):
    path = in_tmp / FILE_NAME
    path.write_text("{oops", encoding="utf-8")
    params = ParamsFile(path)
    aside = params.repair()
    assert aside is not None
    assert aside.parent == in_tmp
    assert aside.name.startswith(FILE_NAME + ".corrupt-")
    assert aside.read_text(encoding="utf-8") == "{oops"
    assert load(in_tmp) == DEFAULTS
    assert params.repair() is None  # a valid file stays
    params.update("g", "k", 1)
    aside = params.repair(force=True)  # a reset
    assert aside is not None
    assert json.loads(aside.read_text(encoding="utf-8"))["g"] == {"k": 1}
    assert load(in_tmp) == DEFAULTS


def test_values_must_be_json(tmp_path):
    params = ParamsFile.in_dir(tmp_path)
    for bad in (float("nan"), float("inf"), {1, 2}, object()):
        with pytest.raises(TypeError, match="is not JSON"):
            params.update("g", "k", bad)
    assert not params.exists()


def test_get_and_delete(tmp_path):
    params = ParamsFile.in_dir(tmp_path)
    params.update("g", "a", 1)
    params.update("g", "b", 2)
    assert params.get("g") == {"a": 1, "b": 2}
    assert params.get("g", "b") == 2
    with pytest.raises(ParamsKeyError, match="no group 'h'"):
        params.get("h")
    with pytest.raises(LookupError, match="no key 'c' in group 'g'"):
        params.get("g", "c")
    assert params.delete("g", "a")["g"] == {"b": 2}
    assert "g" not in params.delete("g")
    with pytest.raises(ParamsKeyError):
        params.delete("g")
    with pytest.raises(ParamsUsageError, match="part of the default schema"):
        params.delete("global_parameters", "run_step_count")
    with pytest.raises(ParamsUsageError, match="part of the default schema"):
        params.delete("global_parameters")


def test_update_group_merge_and_transaction(tmp_path):
    params = ParamsFile.in_dir(tmp_path, durable=False)
    params.update_group("global_parameters", {"step_engine_state": "RUNNING", "extra": [1]})
    data = params.merge({"global_parameters": {"step_engine_state": "X", "new": 0}, "n": {"k": 1}})
    assert data["global_parameters"]["step_engine_state"] == "RUNNING"
    assert data["global_parameters"]["new"] == 0
    assert data["n"] == {"k": 1}
    with params.transaction() as data:
        data["n"]["k"] += 10
    assert params.read()["n"]["k"] == 11

    def failing() -> None:
        with params.transaction() as data:
            data["n"]["k"] = 0
            raise RuntimeError

    with pytest.raises(RuntimeError):
        failing()
    assert params.read()["n"]["k"] == 11  # nothing written


def test_peek_never_creates(tmp_path):
    params = ParamsFile.in_dir(tmp_path)
    assert params.peek() is None
    assert not params.exists()
    params.read()
    assert params.peek() == DEFAULTS


def test_a_missing_folder_is_named(tmp_path):
    params = ParamsFile.in_dir(tmp_path / "nowhere")
    with pytest.raises(ParamsFileError, match="does not exist"):
        params.read()
    with pytest.raises(ParamsFileError, match="does not exist"):
        params.update("g", "k", 1)


def test_fast_mode_and_env(tmp_path, monkeypatch):
    assert ParamsFile.in_dir(tmp_path).durable
    assert not ParamsFile.in_dir(tmp_path, durable=False).durable
    monkeypatch.setenv("F0_PARAMS_FAST", "1")
    params = ParamsFile.in_dir(tmp_path)
    assert not params.durable
    assert "fast" in repr(params)
    params.increment("g", "k")
    assert load(tmp_path)["g"] == {"k": 1}


def test_writes_leave_no_temporary_files(tmp_path):
    params = ParamsFile.in_dir(tmp_path)
    for i in range(20):
        params.update("g", str(i), i)
    with pytest.raises(ParamsTypeError):
        params.increment("global_parameters", "step_engine_state")
    assert sorted(p.name for p in tmp_path.iterdir()) == [FILE_NAME, LOCK_NAME]


def test_file_mode_is_kept_by_writes(tmp_path):
    params = ParamsFile.in_dir(tmp_path)
    params.read()
    params.path.chmod(0o600)
    params.update("g", "k", 1)
    assert params.path.stat().st_mode & 0o777 == 0o600


def test_dictionary_display():
    out = io.StringIO()
    dictionary_display(
        {"global_parameters": {"a": "text", "b": 1, "c": "", "d": [1, "x"]}, "top": 5}, file=out
    )
    assert out.getvalue() == (
        'global_parameters\n    a : text\n    b : 1\n    c : \n    d : [1, "x"]\ntop : 5\n'
    )


def test_dictionary_display_prints_to_stdout(capsys):
    from octo_step_engine_parameters import octo_step_engine_parameters

    octo_step_engine_parameters().dictionary_display({"g": {"k": True}})
    assert capsys.readouterr().out == "g\n    k : true\n"


def test_public_names():
    for name in f0_params.__all__:
        assert getattr(f0_params, name) is not None
    with pytest.raises(AttributeError):
        _ = f0_params.nothing_here  # type: ignore[attr-defined]
    import octo_step_engine_parameters

    for name in (
        "read_json_dict",
        "update_json_dict",
        "increment_json_dict",
        "dictionary_display",
        "get_default_param_dict",
        "get_default_param_file_name",
        "get_default_param_lock_file_name",
    ):
        assert callable(getattr(octo_step_engine_parameters, name))
