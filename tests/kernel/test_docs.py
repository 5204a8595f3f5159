"""Docs stay true: every hook documented (docstring + docs/hooks.md), public API resolves."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import f0
import pytest
from f0 import hookspecs

HOOKS_MD = Path(__file__).resolve().parents[2] / "docs" / "hooks.md"
KINDS = ("Provider", "Observer", "Collector")

HOOK_SPECS = {
    name: fn
    for name, fn in vars(hookspecs).items()
    if name.startswith("f0_") and callable(fn) and hasattr(fn, "f0_spec")
}


def firstresult(fn):
    return bool(fn.f0_spec.get("firstresult"))


def kind_of(fn):
    found = [k for k in KINDS if re.search(rf"\b{k}\b", fn.__doc__ or "")]
    return found[0] if len(found) == 1 else None


def signature_line(fn):
    """``def f0_x(a: T, b: U) -> R:`` from the spec's own (string) annotations."""
    annotations = dict(fn.__annotations__)
    returns = annotations.pop("return")
    params = ", ".join(f"{p}: {annotations[p]}" for p in inspect.signature(fn).parameters)
    return f"def {fn.__name__}({params}) -> {returns}:"


def sections():
    """``{hook name: section text}`` of docs/hooks.md."""
    text = HOOKS_MD.read_text(encoding="utf-8")
    parts = re.split(r"^## ", text, flags=re.MULTILINE)[1:]
    return {part.split("\n", 1)[0].strip(): part for part in parts}


def python_blocks(text):
    return re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)


def test_there_are_hooks():
    assert len(HOOK_SPECS) >= 13
    assert "f0_load_recipe" in HOOK_SPECS


@pytest.mark.parametrize("name", sorted(HOOK_SPECS))
def test_hookspec_docstring_states_its_kind(name):
    fn = HOOK_SPECS[name]
    doc = fn.__doc__ or ""
    kind = kind_of(fn)
    assert kind is not None, f"{name}: docstring must say exactly one of {KINDS}"
    assert (kind == "Provider") == firstresult(fn), (
        f"{name}: Provider hooks, and only they, are firstresult"
    )
    assert "Added in" in doc
    assert len(doc.strip().splitlines()) >= 3, f"{name}: more than a one-line docstring"


@pytest.mark.parametrize("name", sorted(HOOK_SPECS))
def test_hook_has_a_docs_section_with_its_signature(name):
    docs = sections()
    assert name in docs, f"docs/hooks.md has no '## {name}' heading"
    section = docs[name]
    assert signature_line(HOOK_SPECS[name]) in section
    assert kind_of(HOOK_SPECS[name]) in section.split("```", 1)[0]


@pytest.mark.parametrize("name", sorted(HOOK_SPECS))
def test_hook_docs_example_is_valid_and_matches_the_spec(name):
    section = sections()[name]
    examples = [b for b in python_blocks(section) if not b.lstrip().startswith("def ")]
    assert examples, f"{name}: no example hookimpl"
    spec_params = set(inspect.signature(HOOK_SPECS[name]).parameters)
    impls = []
    for block in examples:
        tree = ast.parse(block)  # a syntax error fails here
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name == name:
                decorators = [ast.unparse(d) for d in node.decorator_list]
                assert "hookimpl" in decorators, f"{name}: example lacks @hookimpl"
                impls.append({a.arg for a in node.args.args} - {"self"})
    assert impls, f"{name}: no example defines {name}"
    for params in impls:
        assert params <= spec_params, (
            f"{name}: example takes {params - spec_params} not in the spec"
        )


def test_docs_have_no_stale_hooks():
    hook_headings = {h for h in sections() if h.startswith("f0_")}
    assert hook_headings == set(HOOK_SPECS)


def test_every_python_block_in_the_docs_parses():
    blocks = python_blocks(HOOKS_MD.read_text(encoding="utf-8"))
    assert len(blocks) > len(HOOK_SPECS)
    for block in blocks:
        # A signature block is a bare ``def ...:`` line: give it a body.
        ast.parse(block + "    ..." if block.lstrip().startswith("def ") else block)


def test_docs_follow_spec_order():
    spec_order = [n for n in vars(hookspecs) if n in HOOK_SPECS]
    doc_order = [h for h in sections() if h in HOOK_SPECS]
    assert doc_order == spec_order


# -- the public API ---------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(f0.__all__))
def test_public_name_resolves_and_is_documented(name):
    value = getattr(f0, name)
    assert value is not None
    if inspect.isclass(value) or inspect.isfunction(value) or inspect.ismodule(value):
        doc = inspect.getdoc(value)
        assert doc, f"f0.{name} has no docstring"
        if inspect.isclass(value):
            assert vars(value).get("__doc__"), f"f0.{name} inherits its docstring"


def test_all_is_sorted_and_unique_and_lazy_exports_are_public():
    assert len(set(f0.__all__)) == len(f0.__all__)
    assert set(f0._EXPORTS) <= set(f0.__all__)


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = f0.no_such_name


def test_hookimpl_marks_for_f0():
    assert f0.hookimpl.project_name == "f0"
    assert f0.hookspec.project_name == "f0"
