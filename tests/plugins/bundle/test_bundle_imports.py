"""The AST import scanner: what counts as an import, optional and relative imports."""

from __future__ import annotations

import keyword
import textwrap
from pathlib import Path

import pytest
from f0_bundle._imports import ImportScanError, scan_imports
from hypothesis import given
from hypothesis import strategies as st


def scan(tmp_path: Path, source: str, module: str = "mod", *, is_package: bool = False):
    path = tmp_path / "mod.py"
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return scan_imports(path, module, is_package=is_package)


def test_plain_and_from_imports_with_positions(tmp_path):
    refs = scan(tmp_path, "import os, json\nfrom helpers.text import words\n")
    assert [(r.module, r.line, r.col) for r in refs] == [
        ("os", 1, 1),
        ("json", 1, 1),
        ("helpers.text", 2, 1),
    ]
    assert refs[2].names == ("words",)
    assert not any(r.optional for r in refs)


def test_type_checking_imports_are_skipped_but_their_else_branch_is_not(tmp_path):
    refs = scan(
        tmp_path,
        """
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            import pandas
        else:
            import csv
        """,
    )
    assert [r.module for r in refs] == ["typing", "csv"]


def test_imports_guarded_by_import_error_are_optional(tmp_path):
    refs = scan(
        tmp_path,
        """
        try:
            import ujson as json
        except ImportError:
            import json
        try:
            import numpy
        except ValueError:
            pass
        """,
    )
    assert [(r.module, r.optional) for r in refs] == [
        ("ujson", True),
        ("json", False),
        ("numpy", False),
    ]


def test_relative_imports_resolve_against_the_package(tmp_path):
    refs = scan(
        tmp_path,
        "from . import text\nfrom .text import words\nfrom .. import top\n",
        "pkg.sub",
        is_package=True,
    )
    assert [r.module for r in refs] == ["pkg.sub", "pkg.sub.text", "pkg"]
    assert refs[0].names == ("text",)
    refs = scan(tmp_path, "from .sibling import x\n", "pkg.mod")
    assert [r.module for r in refs] == ["pkg.sibling"]


def test_relative_import_outside_a_package_is_an_error_with_its_position(tmp_path):
    with pytest.raises(ImportScanError) as info:
        scan(tmp_path, "import os\nfrom . import helpers\n", "steps")
    assert (info.value.line, info.value.col) == (2, 1)
    with pytest.raises(ImportScanError, match="above the top-level package"):
        scan(tmp_path, "from ... import x\n", "pkg.mod")


def test_import_module_with_a_literal_counts(tmp_path):
    refs = scan(
        tmp_path,
        "import importlib\nmod = importlib.import_module('plugins.fast')\nimportlib.import_module(name)\n",
    )
    assert [r.module for r in refs] == ["importlib", "plugins.fast"]


def test_syntax_error_names_line_and_column(tmp_path):
    with pytest.raises(ImportScanError) as info:
        scan(tmp_path, "x = 1\ndef broken(:\n")
    assert info.value.line == 2
    assert "syntax error" in info.value.message


_IDENT = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True).filter(
    lambda s: not keyword.iskeyword(s)
)
_DOTTED = st.lists(_IDENT, min_size=1, max_size=3).map(".".join)


@given(modules=st.lists(_DOTTED, min_size=1, max_size=6))
def test_every_generated_import_is_found_in_order(tmp_path_factory, modules):
    tmp = tmp_path_factory.mktemp("gen")
    source = "".join(
        f"import {m}\n" if i % 2 else f"from {m} import name\n" for i, m in enumerate(modules)
    )
    refs = scan(tmp, source)
    assert [r.module for r in refs] == modules
    assert [r.line for r in refs] == list(range(1, len(modules) + 1))


@given(text=st.text(max_size=200))
def test_arbitrary_text_never_crashes_the_scanner(tmp_path_factory, text):
    tmp = tmp_path_factory.mktemp("txt")
    try:
        refs = scan(tmp, text)
    except ImportScanError as exc:
        error = exc
    else:
        assert all(r.module for r in refs)
        return
    assert error.line >= 1
