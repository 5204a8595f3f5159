"""Reading a traceback's text back into frames (f0_terminal._traceback), and rendering it."""

from __future__ import annotations

import traceback

from f0_terminal._traceback import TB_MODES, parse_traceback, render_traceback, user_frames
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

MESSAGES = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=40)
ERRORS = st.sampled_from([ValueError, KeyError, ZeroDivisionError, RuntimeError, OSError])


def _nested(depth: int, exc: BaseException) -> None:
    if depth:
        _nested(depth - 1, exc)
    raise exc


def _chain_text(links: list[tuple[type[Exception], str, bool]], depth: int) -> str:
    """The traceback text of an exception chain: each link raised in the handler of the one before."""

    def raise_link(i: int) -> None:
        cls, message, from_cause = links[i]
        if i == 0:
            _nested(depth, cls(message))
        try:
            raise_link(i - 1)
        except Exception as exc:
            if from_cause:
                raise cls(message) from exc
            raise cls(message)  # noqa: B904 - an implicit chain is what is tested

    try:
        raise_link(len(links) - 1)
    except Exception as exc:
        return "".join(traceback.format_exception(exc))
    raise AssertionError("nothing raised")


@given(
    links=st.lists(st.tuples(ERRORS, MESSAGES, st.booleans()), min_size=1, max_size=3),
    depth=st.integers(0, 4),
)
def test_parse_traceback_finds_every_exception_of_a_chain_and_its_frames(links, depth):
    text = _chain_text(links, depth)
    stacks = parse_traceback(text)
    assert len(stacks) == len(links)
    for stack, (cls, message, _) in zip(stacks, links, strict=True):
        assert stack.exc_type == cls.__name__
        assert stack.exc_value == str(cls(message))
    for stack, (_, _, from_cause) in zip(stacks, links[1:], strict=False):
        assert stack.is_cause is from_cause
    innermost = [f.name for f in stacks[0].frames]
    # Python shows a repeated line three times, then "[Previous line repeated N more times]".
    assert min(depth + 1, 3) <= innermost.count("_nested") <= depth + 1
    assert stacks[0].frames[-1].line == "raise exc"


@given(text=st.text(max_size=300), mode=st.sampled_from(TB_MODES))
def test_rendering_any_text_never_raises(text, mode):
    console = Console(width=100, record=True)
    for part in render_traceback(text, mode, frame_locals={"x": "1"}):
        console.print(part)


def test_user_frames_drop_f0_pluggy_and_thread_frames_but_never_all():
    text = (
        "Traceback (most recent call last):\n"
        '  File "/usr/lib/python3.11/threading.py", line 975, in run\n'
        "    self._target()\n"
        '  File "/site/f0_local/_run.py", line 10, in _work\n'
        "    x()\n"
        '  File "/site/pluggy/_hooks.py", line 5, in __call__\n'
        "    y()\n"
        '  File "/home/me/steps.py", line 3, in divide\n'
        "    return 1 / 0\n"
        "ZeroDivisionError: division by zero\n"
    )
    [stack] = parse_traceback(text)
    assert [f.name for f in user_frames(stack.frames)] == ["divide"]
    only_ours = tuple(f for f in stack.frames if f.name != "divide")
    assert user_frames(only_ours) == only_ours
