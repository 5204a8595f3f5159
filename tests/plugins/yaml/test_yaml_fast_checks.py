"""The fast path's quick checks say what its regular expressions say (they only skip the scan)."""

from __future__ import annotations

import pytest
from f0_yaml._fast import (
    _DOC_MARK,
    _LONG_NUMBER,
    _ODD_BREAK,
    _RISKY,
    _doc_mark_after_start,
    _long_number,
    _risky,
)

TEXTS = [
    "steps:\n  - name: a\n    idx: 1\n",
    "steps:\n  - {name: a, args: {glob: '*.csv'}}\n",
    "a: &x 1\nb: *x\n",
    "a: !tag 1\n",
    "<<: {a: 1}\n",
    "a: 'x & y'\n",
    "---\na: 1\n",
    "a: 1\n---\nb: 2\n",
    "a: 1\n...\n",
    "%YAML 1.2\n---\na: 1\n",
    "a: 50%\n",
    "a: " + "7" * 4000 + "\n",
    "a: " + "7" * 3999 + "\n",
    "a: " + "7" * 3999 + " 1" * 2000 + "\n",
    "a: " + "\u0667" * 4000 + "\n",  # Arabic-Indic digits: \d, not ASCII
    "a: " + "7" * 2000 + "\u0667" * 2000 + "\n",
    "a: x\u2028y\n",
    "a: x\x85y\n",
    "a: é\n" + "b: 1\n" * 1000,
]


@pytest.mark.parametrize("text", TEXTS)
def test_quick_checks_agree_with_the_patterns(text):
    assert _risky(text) == (_RISKY.search(text) is not None)
    assert _long_number(text, text.isascii()) == (_LONG_NUMBER.search(text) is not None)
    assert _doc_mark_after_start(text) == any(m.start() > 0 for m in _DOC_MARK.finditer(text))
    if text.isascii():
        assert _ODD_BREAK.search(text) is None
