"""``orchestrator.enhanced_recipe_parser`` over ``f0 validate`` (real subprocesses)."""

from __future__ import annotations

import hashlib
import json
import threading

import pytest
from orchestrator.context import Context
from orchestrator.enhanced_recipe_parser import (
    EnhancedRecipeParser,
    ParsedRecipe,
    RecipeFormat,
    RecipeValidator,
    StepInfo,
    ValidationMessage,
    ValidationSeverity,
    parse_recipe_file,
    validate_recipe_data,
)

from .compat_support import module

pytestmark = pytest.mark.slow

GOOD = """
metadata: {name: good, version: "2.0", author: me, tags: [a]}
steps:
  - {name: second, idx: 2, module: builtins, function: print, args: [2], depends_on: [first]}
  - {name: first, idx: 1, module: builtins, function: print, args: [1], typo_key: 1}
"""
BAD = """
metadata: {name: bad}
steps:
  - {name: a, idx: 1, module: builtins, function: print, depends_on: [ghost]}
  - {name: b, idx: 1, module: builtins, function: print}
  - {name: c, idx: 3, module: builtins, function: print, depends_on: [d]}
  - {name: d, idx: 4, module: builtins, function: print, depends_on: [c]}
"""


def test_parse_a_valid_recipe(tmp_path, write):
    path = write("good.yaml", GOOD)
    ctx = Context()
    parsed = EnhancedRecipeParser(ctx).parse_recipe(path)
    assert isinstance(parsed, ParsedRecipe)
    assert parsed.is_valid
    assert (parsed.error_count, parsed.warning_count) == (0, 1)  # the unknown key
    warning = parsed.validation_messages[0]
    assert warning.severity is ValidationSeverity.WARNING
    assert "typo_key" in warning.message
    assert warning.location == f"{path}:5:73"
    assert str(warning).startswith(f"[WARNING] {path}:5:73: ")
    assert (parsed.metadata.name, parsed.metadata.version, parsed.metadata.tags) == (
        "good",
        "2.0",
        ["a"],
    )
    assert [s.name for s in parsed.steps] == ["first", "second"]  # idx order
    assert parsed.steps[1].depends_on == ["first"]
    canonical = json.dumps(parsed.raw_data, sort_keys=True, separators=(",", ":"), default=str)
    assert parsed.file_hash == hashlib.sha256(canonical.encode()).hexdigest()
    assert ctx.get("recipe.good.parsed") is True
    assert ctx.get("recipe.good.hash") == parsed.file_hash


def test_every_problem_at_once(tmp_path, write):
    parsed = parse_recipe_file(write("bad.yml", BAD))
    assert not parsed.is_valid
    text = " | ".join(m.message for m in parsed.validation_messages)
    assert "unknown step 'ghost'" in text
    assert "duplicate idx 1" in text
    assert "cycle" in text
    assert parsed.error_count == 3
    assert all(m.code for m in parsed.validation_messages)


def test_json_and_format_detection(tmp_path, write):
    path = write(
        "r.json",
        json.dumps(
            {
                "metadata": {"name": "j"},
                "steps": [{"name": "a", "idx": 1, "module": "builtins", "function": "print"}],
            }
        ),
    )
    parser = EnhancedRecipeParser()
    assert parser.detect_format(path) is RecipeFormat.JSON
    assert parser.detect_format("x.yml") is RecipeFormat.YAML
    assert parser.detect_format("x.YAML") is RecipeFormat.YAML
    with pytest.raises(ValueError, match="unsupported"):
        parser.detect_format("x.toml")
    assert parser.parse_recipe(path).is_valid


def test_bad_files(tmp_path, write):
    parser = EnhancedRecipeParser()
    with pytest.raises(FileNotFoundError):
        parser.parse_recipe(tmp_path / "missing.yaml")
    with pytest.raises(ValueError, match="cannot parse"):
        parser.parse_recipe(write("broken.yaml", "steps: [unclosed\n"))
    with pytest.raises(ValueError, match="mapping"):
        parser.parse_recipe(write("list.yaml", "- 1\n- 2\n"))
    with pytest.raises(ValueError, match="cannot parse"):
        parser.load_file(write("broken.json", "{"))


def test_results_are_cached_until_the_file_changes(tmp_path, write):
    path = write("good.yaml", GOOD)
    parser = EnhancedRecipeParser()
    first = parser.parse_recipe(path)
    assert parser.parse_recipe(path) is first
    assert parser.parse_recipe(path, use_cache=False) is not first
    write("good.yaml", GOOD.replace("good", "changed"))
    changed = parser.parse_recipe(path)
    assert changed.metadata.name == "changed"
    assert changed.file_hash != first.file_hash
    parser.clear_cache()
    assert parser.parse_recipe(path) is not changed


def test_custom_validators(tmp_path, write):
    def needs_author(recipe):
        if recipe.get("metadata", {}).get("author"):
            return []
        return [ValidationMessage("error", "metadata.author is required", "metadata", "C001")]

    parser = EnhancedRecipeParser()
    parser.add_validator("author", needs_author)
    parser.add_validator("broken", lambda recipe: 1 / 0)
    parsed = parser.parse_recipe(write("bad.yaml", BAD))
    codes = [m.code for m in parsed.validation_messages]
    assert "C001" in codes
    assert "E900" in codes  # the validator that raised
    with pytest.raises(TypeError):
        parser.add_validator("x", "not callable")  # type: ignore[arg-type]
    validator = RecipeValidator()
    validator.add_validator("author", needs_author)
    assert validator.remove_validator("author") is True
    assert validator.remove_validator("author") is False


def test_validate_recipe_data(tmp_path, write):
    write("mysteps.py", "def go(context, params):\n    return 0\n")
    data = {
        "metadata": {"name": "d"},
        "steps": [{"name": "a", "idx": 1, "module": "mysteps", "function": "go"}],
    }
    assert validate_recipe_data(data, base_dir=tmp_path) == []
    missing = validate_recipe_data(
        {
            "metadata": {"name": "d"},
            "steps": [{"name": "a", "idx": 1, "module": "nope_mod", "function": "go"}],
        },
        base_dir=tmp_path,
    )
    assert [m.code for m in missing] == ["E031"]
    assert validate_recipe_data([1, 2])[0].severity is ValidationSeverity.ERROR  # type: ignore[arg-type]


def test_step_info_rejects_impossible_values():
    with pytest.raises(ValueError):
        StepInfo(name="", idx=1, module="m", function="f")
    with pytest.raises(ValueError):
        StepInfo(name="a", idx=1, module="m", function="f", timeout=0)
    with pytest.raises(ValueError):
        StepInfo(name="a", idx=1, module="m", function="f", retry_count=-1)


def test_one_parser_from_many_threads(tmp_path, write):
    paths = [write(f"r{i}.yaml", GOOD.replace("good", f"r{i}")) for i in range(3)]
    parser = EnhancedRecipeParser()
    names = []

    def work(path):
        names.append(parser.parse_recipe(path).metadata.name)

    threads = [threading.Thread(target=work, args=(p,)) for p in paths]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(names) == ["r0", "r1", "r2"]


def test_validate_command_line(tmp_path, write):
    write("good.yaml", GOOD)
    write("bad.yaml", BAD)
    ok = module(["orchestrator.enhanced_recipe_parser", "validate", "good.yaml"], tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert "valid - 0 error(s), 1 warning(s)" in ok.stdout
    bad = module(["orchestrator.enhanced_recipe_parser", "validate", "bad.yaml"], tmp_path)
    assert bad.returncode == 1
    assert "[ERROR]" in bad.stdout
    missing = module(["orchestrator.enhanced_recipe_parser", "validate", "nope.yaml"], tmp_path)
    assert missing.returncode == 2
    assert "Traceback" not in missing.stderr
    assert "not found" in missing.stderr
    as_json = module(
        ["orchestrator.enhanced_recipe_parser", "validate", "--json", "good.yaml"], tmp_path
    )
    assert json.loads(as_json.stdout)["valid"] is True
    usage = module(["orchestrator.enhanced_recipe_parser"], tmp_path)
    assert usage.returncode == 2
    assert "Traceback" not in usage.stderr
