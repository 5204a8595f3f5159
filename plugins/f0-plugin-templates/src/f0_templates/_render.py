"""Jinja2 in a sandbox: build the environment, render, and name the template line at fault."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from f0 import StepContext
    from jinja2 import BaseLoader, Environment
    from jinja2.sandbox import SandboxedEnvironment

__all__ = [
    "INLINE",
    "ContextView",
    "TemplateRenderError",
    "make_environment",
    "render_string",
    "syntax_problem",
]

#: The name Jinja2 gives a template made from a string.
INLINE = "<template>"


class TemplateRenderError(ValueError):
    """A template that cannot be loaded, parsed or rendered; the message names ``template:line``."""


class ContextView(Mapping[str, Any]):
    """The run's context as the template variable ``ctx``: ``{{ ctx["load.result"] }}``.

    Reads go through the step's context one key at a time, so only the keys
    a template uses count as its inputs.
    """

    def __init__(self, context: StepContext) -> None:
        self._context = context

    def __getitem__(self, key: str) -> Any:
        if key not in self._context:
            raise KeyError(key)
        return self._context.get(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._context.keys())

    def __len__(self) -> int:
        return len(self._context.keys())


def make_environment(
    dirs: Sequence[Path] = (), *, strict: bool = True, autoescape: bool = False
) -> SandboxedEnvironment:
    """A sandboxed environment loading templates from *dirs*.

    *strict* makes an undefined variable an error (``StrictUndefined``);
    otherwise it renders as an empty string. Trailing newlines are kept so a
    rendered file ends like its template.
    """
    from jinja2 import StrictUndefined, Undefined
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(
        loader=_confined_loader(dirs),
        undefined=StrictUndefined if strict else Undefined,
        autoescape=autoescape,
        keep_trailing_newline=True,
    )


def _confined_loader(dirs: Sequence[Path]) -> BaseLoader:
    from jinja2 import FileSystemLoader, TemplateNotFound

    class ConfinedLoader(FileSystemLoader):
        """Jinja2's loader refuses ``..`` in names; this one also refuses symlinks leading out."""

        def get_source(
            self, environment: Environment, template: str
        ) -> tuple[str, str, Callable[[], bool]]:
            source, filename, uptodate = super().get_source(environment, template)
            real = os.path.realpath(filename)
            roots = [os.path.realpath(d) for d in self.searchpath]
            if not any(real.startswith(root + os.sep) for root in roots):
                msg = f"template {template!r} resolves to {real}, outside the template folders"
                raise TemplateNotFound(template, message=msg)
            return source, filename, uptodate

    return ConfinedLoader([str(d) for d in dirs])


def syntax_problem(text: str) -> str | None:
    """``line N: message`` when *text* is not a valid template, else None."""
    from jinja2 import TemplateSyntaxError

    try:
        make_environment().parse(text)
    except TemplateSyntaxError as exc:
        return f"template line {exc.lineno}: {exc.message}"
    return None


def _template_line(exc: BaseException, dirs: Sequence[Path]) -> tuple[str, int] | None:
    # Jinja2 rewrites tracebacks so template frames carry the template's file
    # name and line: the innermost such frame is where rendering failed.
    roots = [os.path.realpath(d) for d in dirs]
    found: tuple[str, int] | None = None
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename == INLINE:
            found = (INLINE, tb.tb_lineno)
        else:
            real = os.path.realpath(filename)
            for root in roots:
                if real.startswith(root + os.sep):
                    found = (os.path.relpath(real, root), tb.tb_lineno)
        tb = tb.tb_next
    return found


def render_string(
    text: str | None,
    variables: Mapping[str, Any],
    *,
    name: str | None = None,
    dirs: Sequence[Path] = (),
    strict: bool = True,
    autoescape: bool = False,
) -> str:
    """Render the inline *text*, or the template file *name* found in *dirs*.

    Raises :class:`TemplateRenderError` naming the template and line for a syntax
    error, an undefined variable, an unsafe operation or any error raised
    while rendering.
    """
    from jinja2 import TemplateError, TemplateNotFound, TemplateSyntaxError
    from jinja2.exceptions import SecurityError, UndefinedError

    env = make_environment(dirs, strict=strict, autoescape=autoescape)
    try:
        template = env.from_string(text) if text is not None else env.get_template(str(name))
        return template.render(**variables)
    except TemplateNotFound as exc:
        searched = ", ".join(str(d) for d in dirs) or "no folder"
        msg = f"template {exc.name!r} not found (searched: {searched})"
        if exc.message and "outside the template folders" in exc.message:  # the confined loader
            msg = str(exc.message)
        raise TemplateRenderError(msg) from None
    except TemplateSyntaxError as exc:
        where = INLINE if exc.name is None else exc.name
        msg = f"{where}:{exc.lineno}: syntax error: {exc.message}"
        raise TemplateRenderError(msg) from None
    except (UndefinedError, SecurityError, TemplateError) as exc:
        kind = "error"
        if isinstance(exc, UndefinedError):
            kind = "undefined"
        elif isinstance(exc, SecurityError):
            kind = "unsafe"
        raise TemplateRenderError(_at(exc, dirs, f"{kind}: {exc}")) from None
    except Exception as exc:  # noqa: BLE001 - a template's own error (1/0, a bad filter arg) fails the step
        raise TemplateRenderError(_at(exc, dirs, f"{type(exc).__name__}: {exc}")) from None


def _at(exc: BaseException, dirs: Sequence[Path], message: str) -> str:
    place = _template_line(exc, dirs)
    return f"{place[0]}:{place[1]}: {message}" if place else message
