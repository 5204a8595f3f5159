"""The ``files`` step type: options checked before the run, operations at run time.

```yaml
- name: load
  idx: 1
  type: files
  op: read               # read | write | copy | move | delete | transform | validate
  path: data/sales.csv   # inside base_dir (default: the recipe's folder)
```
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from f0 import Problem, StepOutcome

from f0_files._paths import literal_problem

if TYPE_CHECKING:
    from f0 import Recipe, Step, StepContext, StepEnv

__all__ = ["COMMON_KEYS", "OP_KEYS", "FilesStepRunner"]

#: Keys every operation takes.
COMMON_KEYS = frozenset({"op", "base_dir", "format", "encoding", "backup", "output_key"})
#: Keys of each operation beyond the common ones.
OP_KEYS: dict[str, frozenset[str]] = {
    "read": frozenset({"path"}),
    "write": frozenset({"path", "content", "content_from", "files"}),
    "copy": frozenset({"path", "to", "overwrite"}),
    "move": frozenset({"path", "to", "overwrite"}),
    "delete": frozenset({"path", "missing_ok"}),
    "transform": frozenset(
        {"path", "to", "to_format", "where", "select", "rename", "sort_by", "reverse", "replace"}
    ),
    "validate": frozenset({"path", "md5", "required_keys", "not_empty"}),
}
_FORMATS = ("text", "json", "csv", "yaml")
_BOOLS = ("backup", "overwrite", "missing_ok", "reverse", "not_empty")
_MD5 = re.compile(r"^[0-9a-fA-F]{32}$")


class FilesStepRunner:
    """Runs ``type: files`` steps. Stateless, so it pickles to worker processes."""

    option_keys: frozenset[str] = COMMON_KEYS.union(*OP_KEYS.values())

    def prepare(self, step: Step, recipe: Recipe) -> list[Problem]:  # noqa: ARG002 - protocol
        """Check the operation and its keys; every problem at its recipe position."""
        opts = step.options
        problems: list[Problem] = []

        def bad(key: str | None, message: str, code: str) -> None:
            pos = step.where(key) if key in opts else step.where()
            problems.append(Problem(message=f"step {step.name!r}: {message}", pos=pos, code=code))

        op = opts.get("op")
        if op not in OP_KEYS:
            known = ", ".join(OP_KEYS)
            bad(
                "op",
                f"'op' must be one of {known}, not {op!r}"
                if "op" in opts
                else f"files steps need 'op' ({known})",
                "E600",
            )
            return problems
        allowed = COMMON_KEYS | OP_KEYS[op]
        for key in opts:
            if key not in allowed:
                bad(key, f"op {op!r} takes no {key!r}", "E601")
        needs_path = not (op == "write" and "files" in opts)
        if needs_path and "path" not in opts:
            bad(None, f"op {op!r} needs 'path'", "E602")
        if op in {"copy", "move"} and "to" not in opts:
            bad(None, f"op {op!r} needs 'to'", "E602")
        for key in ("path", "to"):
            if key in opts and (why := literal_problem(opts[key])) is not None:
                bad(key, f"'{key}' {why}", "E603")
        if op == "write":
            given = [k for k in ("content", "content_from", "files") if k in opts]
            if len(given) != 1:
                bad(
                    given[-1] if given else None,
                    "op 'write' needs exactly one of 'content', 'content_from' and 'files'",
                    "E604",
                )
            if "files" in opts:
                _check_files(opts["files"], "path" in opts, bad)
        _check_types(opts, bad)
        return problems

    def run(self, step: Step, context: StepContext, env: StepEnv) -> StepOutcome:
        """Do the operation; a bad path, missing file or unparsable content fails the step."""
        from f0_files._formats import FileFormatError
        from f0_files._ops import OPERATIONS, FileOpError, Request
        from f0_files._paths import PathEscapeError
        from f0_files._transform import TransformError

        opts = step.options
        base = Path(env.data_dir) / str(opts.get("base_dir", "."))
        content: Any = None
        if "content_from" in opts:
            key = str(opts["content_from"])
            if key not in context:
                return _fail(f"'content_from': the context has no key {key!r}")
            content = context.get(key)
        op = str(opts.get("op"))
        try:
            value, _ = OPERATIONS[op](Request(base=base, opts=opts, content=content))
        except (PathEscapeError, FileFormatError, FileOpError, TransformError) as exc:
            return _fail(f"{op}: {exc}")
        except OSError as exc:
            return _fail(f"{op}: {_os_message(exc, base, opts)}")
        context.set(str(opts.get("output_key") or f"{step.name}.result"), value)
        return StepOutcome(success=True)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def __repr__(self) -> str:
        return "FilesStepRunner()"


def _fail(message: str) -> StepOutcome:
    return StepOutcome(success=False, exit_code=1, error=message)


def _os_message(exc: OSError, base: Path, opts: Mapping[str, Any]) -> str:
    # Name the file relative to the base (as a recipe writes it), not as an absolute path.
    name = str(opts.get("path", "?"))
    if exc.filename:
        real = Path(os.path.realpath(base))
        filename = Path(os.fsdecode(exc.filename))
        name = str(filename.relative_to(real)) if filename.is_relative_to(real) else str(filename)
    what = {
        FileNotFoundError: "no such file",
        IsADirectoryError: "is a directory",
        NotADirectoryError: "a parent is not a directory",
        PermissionError: "permission denied",
    }.get(type(exc), exc.strerror or str(exc))
    return f"{name!r}: {what}"


def _check_files(files: Any, has_path: bool, bad: Any) -> None:
    if has_path:
        bad("path", "'files' and 'path' cannot be used together", "E604")
    if not isinstance(files, Mapping) or not files:
        bad("files", "'files' must be a mapping of path -> content", "E605")
        return
    for name in files:
        if (why := literal_problem(name)) is not None:
            bad("files", f"'files' path {why}", "E603")


def _check_types(opts: Mapping[str, Any], bad: Any) -> None:
    for key in ("format", "to_format"):
        if key in opts and opts[key] not in _FORMATS:
            bad(key, f"'{key}' must be one of {', '.join(_FORMATS)}, not {opts[key]!r}", "E605")
    for key in ("encoding", "base_dir", "output_key", "content_from"):
        if key in opts and (not isinstance(opts[key], str) or not opts[key]):
            bad(key, f"'{key}' must be a non-empty string", "E605")
    for key in _BOOLS:
        if key in opts and not isinstance(opts[key], bool):
            bad(key, f"'{key}' must be true or false", "E605")
    if "md5" in opts and not (isinstance(opts["md5"], str) and _MD5.match(opts["md5"])):
        bad("md5", "'md5' must be 32 hexadecimal digits", "E605")
    for key in ("select", "required_keys"):
        if key in opts and not _str_list(opts[key]):
            bad(key, f"'{key}' must be a list of strings", "E605")
    sort_by = opts.get("sort_by")
    if sort_by is not None and not (isinstance(sort_by, str) or _str_list(sort_by)):
        bad("sort_by", "'sort_by' must be a field name or a list of them", "E605")
    for key in ("rename", "replace", "where"):
        if key in opts and not isinstance(opts[key], Mapping):
            bad(key, f"'{key}' must be a mapping", "E605")


def _str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)
