"""The plugin's README: its example recipe loads cleanly and every problem code is listed."""

from __future__ import annotations

import re
from pathlib import Path

import f0_yaml

PLUGIN = Path(f0_yaml.__file__).resolve().parents[2]
README = (PLUGIN / "README.md").read_text(encoding="utf-8")


def test_readme_example_recipe_is_valid(load_text):
    example = README.split("```yaml\n", 1)[1].split("```", 1)[0]
    recipe = load_text(example, "nightly.yaml")
    assert recipe.problems == ()
    assert [s.name for s in recipe.steps] == ["load", "report", "notify"]


def test_every_problem_code_is_documented():
    source = "".join(
        p.read_text(encoding="utf-8") for p in (PLUGIN / "src" / "f0_yaml").glob("*.py")
    )
    codes = set(re.findall(r'"([EW]\d{3})"', source))
    assert codes >= {
        "E001",
        "E002",
        "E003",
        "E004",
        "E005",
        "E030",
        "E031",
        "W002",
        "W003",
        "W004",
        "W006",
    }
    documented = set(re.findall(r"^\| ([EW]\d{3}) \|", README, flags=re.MULTILINE))
    assert codes == documented
