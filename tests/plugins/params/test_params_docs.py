"""The README's Python examples run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[3] / "plugins" / "f0-plugin-params" / "README.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)


@pytest.mark.parametrize("index", range(2))
def test_readme_python_examples_run(index, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "run").mkdir()
    blocks = _python_blocks()
    assert len(blocks) == 2
    exec(compile(blocks[index], f"README.md[python {index}]", "exec"), {})
    if index == 0:  # the ParamsFile tour, in ./run
        assert (tmp_path / "run" / ".octo_step_engine_parameters.json").exists()
    else:  # the Framework0 class, in .
        assert "run_step_count : 2" in capsys.readouterr().out
