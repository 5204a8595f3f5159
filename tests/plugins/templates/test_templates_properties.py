"""Properties: values are data, never template code; undefined names always fail in strict mode."""

from __future__ import annotations

import pytest
from f0_templates import TemplateRenderError, render_string
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import escape

TEXT = st.text(max_size=40)
NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True).filter(
    lambda n: n not in {"true", "false", "none", "and", "or", "not", "in", "is", "if", "else"}
)


@given(value=TEXT)
def test_a_value_renders_as_itself_even_if_it_looks_like_a_template(value):
    assert render_string("{{ v }}", {"v": value}) == value
    assert render_string("{{ v }}", {"v": value}, autoescape=True) == str(escape(value))


# Jinja2 writes every line break as "\n" (its newline_sequence), so "\r" is left out.
@given(text=st.text(alphabet=st.characters(blacklist_characters="{}#%\r"), max_size=60))
def test_text_without_delimiters_renders_unchanged(text):
    assert render_string(text, {}) == text


@given(name=NAMES)
def test_an_undefined_name_fails_in_strict_mode_and_is_empty_otherwise(name):
    with pytest.raises(TemplateRenderError, match=f"'{name}' is undefined"):
        render_string("{{ " + name + " }}", {})
    assert render_string("{{ " + name + " }}", {}, strict=False) == ""
