"""A failed step's traceback on the terminal, in the detail ``--tb`` asks for.

Steps fail in threads, worker processes or remote workers, so what reaches
the terminal is the traceback's text (Python's own format, kept in
``StepResult.traceback``). It is read back into frames here:

* ``short`` (the default): like ``pytest --tb=short``, one ``file:line: in
  function`` and the source line per frame, f0's, pluggy's and the thread
  machinery's frames dropped;
* ``long`` (or ``--debug``): rich's traceback of every frame with the code
  around each line and, for a ``--trace`` run, the failing frame's locals;
* ``line``: ``file:line: error`` of the innermost user frame;
* ``no``: nothing.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
from rich.markup import escape

if TYPE_CHECKING:
    from rich.console import RenderableType

__all__ = ["TB_MODES", "ParsedStack", "parse_traceback", "render_traceback", "user_frames"]

#: Values of ``f0 run --tb``.
TB_MODES = ("no", "line", "short", "long")

_FRAME = re.compile(r'^  File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<name>.+)$')
_CAUSE = "The above exception was the direct cause of the following exception:"
_CONTEXT = "During handling of the above exception, another exception occurred:"
# Frames of the machinery that calls a step, not of the step: f0's kernel and
# plugins, pluggy, tenacity, and the standard library's threads and processes.
_NOISE = re.compile(
    r"[/\\](?:f0|f0_\w+|pluggy|tenacity)[/\\]"
    r"|[/\\](?:threading|runpy)\.py$"
    r"|[/\\](?:concurrent[/\\]futures|multiprocessing)[/\\]"
)


@attrs.frozen
class ParsedFrame:
    """One ``File "...", line N, in name`` entry and its source line."""

    filename: str
    lineno: int
    name: str
    line: str = ""


@attrs.frozen
class ParsedStack:
    """One exception of a (possibly chained) traceback: its frames and ``Type: message``."""

    frames: tuple[ParsedFrame, ...]
    exc_type: str
    exc_value: str
    #: True when this exception caused the next one (``raise ... from``).
    is_cause: bool = False


def _split_exception(lines: list[str]) -> tuple[str, str]:
    # Python prints "Type: message", or "Type" alone for an empty message.
    text = "\n".join(lines).lstrip()
    head, sep, rest = text.partition(": ")
    if sep and head.strip() and not any(c.isspace() for c in head):
        return head, rest
    return text.rstrip(), ""


def parse_traceback(text: str) -> list[ParsedStack]:
    """The stacks of a Python traceback text, outermost exception first.

    Lines that are neither frames nor source (``^^^^`` markers) are skipped;
    a text that is not a traceback gives one stack without frames.
    """
    stacks: list[ParsedStack] = []
    frames: list[ParsedFrame] = []
    tail: list[str] = []
    in_frames = False
    for raw in text.splitlines():
        if raw in (_CAUSE, _CONTEXT):
            exc_type, exc_value = _split_exception(tail)
            stacks.append(ParsedStack(tuple(frames), exc_type, exc_value, is_cause=raw == _CAUSE))
            frames, tail, in_frames = [], [], False
            continue
        if raw.startswith("Traceback (most recent call last):"):
            in_frames = True
            continue
        if raw.startswith("  [Previous line repeated"):
            continue  # recursion elided by Python itself
        match = _FRAME.match(raw)
        if match:
            frames.append(ParsedFrame(match["file"], int(match["line"]), match["name"].strip()))
            in_frames = True
            continue
        if in_frames and raw.startswith("    "):
            stripped = raw.strip()
            if frames and not frames[-1].line and stripped and set(stripped) - set("^~ "):
                frames[-1] = attrs.evolve(frames[-1], line=stripped)
            continue
        if raw.strip():
            in_frames = False
            tail.append(raw)
    exc_type, exc_value = _split_exception(tail)
    stacks.append(ParsedStack(tuple(frames), exc_type, exc_value))
    return stacks


def user_frames(frames: tuple[ParsedFrame, ...]) -> tuple[ParsedFrame, ...]:
    """*frames* without f0's, pluggy's and the thread machinery's (all of them if none is left)."""
    kept = tuple(f for f in frames if not _NOISE.search(f.filename))
    return kept or frames


def _where(frame: ParsedFrame) -> str:
    # Relative to the current folder when the file is under it, as pytest shows them.
    name = frame.filename
    with contextlib.suppress(ValueError):
        name = str(Path(name).relative_to(Path.cwd()))
    return f"{name}:{frame.lineno}"


def _exception(stack: ParsedStack) -> str:
    return f"{stack.exc_type}: {stack.exc_value}" if stack.exc_value else stack.exc_type


def render_traceback(
    text: str,
    mode: str,
    *,
    frame_locals: Mapping[str, str] | None = None,
    width: int = 100,
) -> list[RenderableType]:
    """What to print for a failed step's traceback *text* in *mode* (one of :data:`TB_MODES`)."""
    if mode == "no" or not text.strip():
        return []
    stacks = parse_traceback(text)
    if mode == "line":
        last = stacks[-1]
        frames = user_frames(last.frames)
        where = _where(frames[-1]) + ": " if frames else ""
        return [f"    {escape(where)}[red]{escape(_exception(last))}[/]"]
    if mode == "long":
        return [_rich_traceback(stacks, frame_locals, width)]
    return _short(stacks)


def _short(stacks: list[ParsedStack]) -> list[RenderableType]:
    out: list[RenderableType] = []
    for n, stack in enumerate(stacks):
        if n:
            why = "caused" if stacks[n - 1].is_cause else "raised while handling"
            out.append(f"    [dim]... which {why}:[/]")
        for frame in user_frames(stack.frames):
            out.append(f"    {escape(_where(frame))}: in [bold]{escape(frame.name)}[/]")
            if frame.line:
                out.append(f"        {escape(frame.line)}")
        out.append(f"    [bold red]E   {escape(_exception(stack))}[/]")
    return out


def _rich_traceback(
    stacks: list[ParsedStack], frame_locals: Mapping[str, str] | None, width: int
) -> RenderableType:
    from rich import pretty
    from rich.traceback import Frame, Stack, Trace, Traceback

    rich_stacks = []
    for n, stack in enumerate(stacks):
        frames = [Frame(f.filename, f.lineno, f.name, f.line) for f in stack.frames]
        if frame_locals is not None and n == len(stacks) - 1 and frames:
            frames[-1].locals = {k: pretty.Node(value_repr=v) for k, v in frame_locals.items()}
        rich_stacks.append(
            Stack(
                exc_type=stack.exc_type,
                exc_value=stack.exc_value,
                is_cause=stack.is_cause,
                frames=frames,
            )
        )
    return Traceback(Trace(stacks=rich_stacks), width=width, show_locals=frame_locals is not None)
