"""``f0 params [PATH [GROUP [KEY [VALUE | -i | -d]]]]``: the Framework0 command line.

The same forms, outputs and exit codes as ``octo_step_engine_parameters.py``
(params_engine.md §4), shared by ``f0 params``, ``python -m
octo_step_engine_parameters`` and ``python -m scriptlet_step_engine_params``.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import attrs
from f0 import F0Error

from f0_params._api import dictionary_display, format_value
from f0_params._errors import ParamsUsageError
from f0_params._file import ParamsFile
from f0_params._lock import DEFAULT_TIMEOUT
from f0_params._schema import GLOBAL_GROUP, EngineState, StepState

__all__ = ["CliRequest", "parse_value", "run_params_cli"]

USAGE = "usage: f0 params [PATH [GROUP [KEY [VALUE | -i | -d]]]] [--delete] [--json] [--repair]"
_MAX_POSITIONALS = 4
_CHECKED_STATES: dict[str, tuple[str, ...]] = {
    "step_engine_state": tuple(EngineState),
    "current_step_state": tuple(StepState),
}


def _strings(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


@attrs.frozen(kw_only=True)
class CliRequest:
    """One invocation: positional arguments and flags."""

    args: tuple[str, ...] = attrs.field(converter=_strings)
    increment: bool = False
    decrement: bool = False
    delete: bool = False
    as_json: bool = False
    repair: bool = False
    #: True: no fsync; None: ``F0_PARAMS_FAST`` decides.
    fast: bool | None = None
    timeout: float = DEFAULT_TIMEOUT
    #: ``scriptlet_step_engine_params.py`` requires PATH.
    path_required: bool = False


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def parse_value(text: str) -> Any:
    """VALUE as the CLI stores it: JSON when it parses (``5``, ``true``, ``"x"``), else the text.

    ``NaN`` and ``Infinity`` are not JSON and stay text.
    """
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except ValueError:
        return text


def _looks_like_option(text: str) -> bool:
    if not text.startswith("-") or text == "-":
        return text == "-"
    value = parse_value(text)
    return not (isinstance(value, int | float) and math.isfinite(value))


def _usage(message: str) -> ParamsUsageError:
    return ParamsUsageError(f"{message}\n{USAGE}")


def run_params_cli(
    request: CliRequest, out: Callable[[str], None], err: Callable[[str], None]
) -> None:
    """Carry out *request*, writing results with *out* and warnings with *err*.

    Raises an :class:`f0.F0Error` (exit code 2 for usage and unusable files,
    1 for a missing group/key or a non-integer) on failure.
    """
    args = list(request.args)
    for arg in args:
        if _looks_like_option(arg):
            msg = f"no such option: {arg} (a VALUE starting with '-' that is not a number must be quoted as JSON: '\"{arg}\"')"
            raise _usage(msg)
    if len(args) > _MAX_POSITIONALS:
        msg = f"too many arguments ({len(args)}; at most PATH GROUP KEY VALUE)"
        raise _usage(msg)
    if request.path_required and not args:
        raise _usage("PATH is required")
    if request.increment and request.decrement:
        raise _usage("-i and -d cannot be used together")
    stepping = request.increment or request.decrement
    if stepping and len(args) != 3:  # noqa: PLR2004 - PATH GROUP KEY
        raise _usage("-i/-d need PATH GROUP KEY and no VALUE")
    if request.delete and (stepping or len(args) not in {2, 3}):
        raise _usage("--delete needs PATH GROUP [KEY] and no VALUE, -i or -d")
    folder = Path(args[0]) if args else Path()
    if not folder.is_dir():
        what = "does not exist" if not folder.exists() else "is not a directory"
        msg = f"PATH {what}"
        raise ParamsUsageError(msg, where=str(folder))
    params = ParamsFile.in_dir(
        folder, timeout=request.timeout, durable=None if request.fast is None else not request.fast
    )
    if request.repair:
        aside = params.repair()
        if aside is not None:
            err(f"moved the unusable {params.path} to {aside.name}; recreated it from the defaults")
    group = args[1] if len(args) > 1 else None
    key = args[2] if len(args) > 2 else None  # noqa: PLR2004 - PATH GROUP KEY
    show = _Show(out, as_json=request.as_json)
    if group is None:
        show.whole(params.read())
    elif request.delete:
        data = params.delete(group, key)
        if key is None:
            show.whole(data)
        else:
            show.group(group, data[group])
    elif key is None:
        show.group(group, params.get(group))
    elif stepping:
        data = params.increment(group, key, 1 if request.increment else -1)
        show.value(data[group][key])
    elif len(args) == _MAX_POSITIONALS:
        value = parse_value(args[3])
        _warn_unknown_state(group, key, value, err)
        data = params.update(group, key, value)
        show.group(group, data[group])
    else:
        show.value(params.get(group, key))


def _warn_unknown_state(group: str, key: str, value: Any, err: Callable[[str], None]) -> None:
    allowed = _CHECKED_STATES.get(key) if group == GLOBAL_GROUP else None
    if allowed is not None and value not in allowed:
        err(f"warning: {value!r} is not a known {key} (known: {', '.join(allowed)}); set anyway")


@attrs.define
class _Show:
    out: Callable[[str], None]
    as_json: bool

    def whole(self, data: dict[str, Any]) -> None:
        if self.as_json:
            self.out(json.dumps(data, ensure_ascii=False))
        else:
            self.out(_display(data))

    def group(self, name: str, section: Any) -> None:
        if self.as_json:
            self.out(json.dumps(section, ensure_ascii=False))
        else:
            self.out(_display({name: section}))

    def value(self, value: Any) -> None:
        self.out(json.dumps(value, ensure_ascii=False) if self.as_json else format_value(value))


def _display(data: dict[str, Any]) -> str:
    buffer = io.StringIO()
    dictionary_display(data, file=buffer)
    return buffer.getvalue().rstrip("\n")


def main(argv: Sequence[str], *, prog: str, path_required: bool = False) -> int:
    """The legacy scripts' entry: parse *argv* by hand, print, return the exit code."""
    import sys

    flags = {"-i": "increment", "-d": "decrement", "--delete": "delete", "--json": "as_json"}
    flags |= {"--repair": "repair", "--fast": "fast"}
    chosen: dict[str, bool] = {}
    positional: list[str] = []
    rest = list(argv)
    while rest:
        arg = rest.pop(0)
        if arg == "--":
            positional.extend(rest)
            break
        if arg in {"-h", "--help"}:
            print(USAGE.replace("f0 params", prog))  # noqa: T201 - a CLI
            return 0
        if arg in flags:
            chosen[flags[arg]] = True
        else:
            positional.append(arg)

    def out(text: str) -> None:
        print(text)  # noqa: T201 - a CLI

    def err(text: str) -> None:
        print(text, file=sys.stderr)  # noqa: T201 - a CLI

    try:
        run_params_cli(CliRequest(args=positional, path_required=path_required, **chosen), out, err)
    except F0Error as exc:
        err(f"{prog}: {exc}".replace("f0 params", prog))
        return exc.exit_code
    return 0
