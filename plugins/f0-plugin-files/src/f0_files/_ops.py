"""The seven operations of ``files`` steps, on paths already confined to the base."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import attrs

from f0_files._atomic import Transaction, backup_path, md5_hex
from f0_files._formats import detect_format, dump_value, parse_bytes
from f0_files._paths import confine, confine_folder
from f0_files._transform import apply_transforms

__all__ = ["OPERATIONS", "FileOpError", "Request"]


class FileOpError(ValueError):
    """An operation cannot be done (target exists, validation failed...)."""


@attrs.frozen(kw_only=True)
class Request:
    """One ``files`` step, its options read and its base directory known."""

    base: Path
    opts: Mapping[str, Any]
    #: The value of ``content_from`` (read from the context by the runner).
    content: Any = None

    def path(self, key: str = "path") -> tuple[str, Path]:
        """The option *key* as written, and its confined real path."""
        text = str(self.opts[key])
        return text, confine(self.base, text)

    @property
    def encoding(self) -> str:
        return str(self.opts.get("encoding", "utf-8"))

    def fmt(self, name: str, key: str = "format", content: bytes | None = None) -> str:
        return detect_format(name, self.opts.get(key), content)

    def read(self, name: str, real: Path) -> Any:
        data = real.read_bytes()
        return parse_bytes(data, self.fmt(name, content=data), encoding=self.encoding, where=name)


def _info(name: str, real: Path, fmt: str, *, backup: bool) -> dict[str, Any]:
    data = real.read_bytes()
    info: dict[str, Any] = {"path": name, "format": fmt, "size": len(data), "md5": md5_hex(data)}
    if backup and backup_path(real).exists():
        info["backup"] = name + ".bak"
    return info


def op_read(req: Request) -> tuple[Any, dict[str, Any]]:
    name, real = req.path()
    data = real.read_bytes()
    fmt = req.fmt(name, content=data)
    value = parse_bytes(data, fmt, encoding=req.encoding, where=name)
    return value, {"path": name, "format": fmt, "size": len(data), "md5": md5_hex(data)}


def op_write(req: Request) -> tuple[Any, dict[str, Any]]:
    if "files" in req.opts:
        items = [(str(k), v) for k, v in dict(req.opts["files"]).items()]
    else:
        value = req.content if "content_from" in req.opts else req.opts.get("content")
        items = [(str(req.opts["path"]), value)]
    # Everything is serialised (and every path checked) before the first byte is written.
    planned = [
        (name, confine(req.base, name), dump_value(v, req.fmt(name), encoding=req.encoding))
        for name, v in items
    ]
    backup = bool(req.opts.get("backup", True))
    with Transaction(backup=backup) as tx:
        for _, real, data in planned:
            tx.write(real, data)
    infos = [_info(name, real, req.fmt(name), backup=backup) for name, real, _ in planned]
    return (infos[0] if len(infos) == 1 and "files" not in req.opts else {"files": infos}), {}


def _copy_or_move(req: Request, *, move: bool) -> tuple[Any, dict[str, Any]]:
    name, real = req.path()
    to_name, to_real = req.path("to")
    if not real.is_file():
        msg = f"{name!r} is not a file" if real.exists() else f"{name!r}: no such file"
        raise FileOpError(msg)
    if to_real == real:
        msg = f"{name!r} and {to_name!r} are the same file"
        raise FileOpError(msg)
    if to_real.exists() and not req.opts.get("overwrite", False):
        msg = f"{to_name!r} already exists (set 'overwrite: true' to replace it)"
        raise FileOpError(msg)
    backup = bool(req.opts.get("backup", True))
    with Transaction(backup=backup) as tx:
        tx.write(to_real, real.read_bytes())
        if move:
            tx.delete(real, keep_backup=False)
    return _info(to_name, to_real, req.fmt(to_name), backup=backup), {}


def op_copy(req: Request) -> tuple[Any, dict[str, Any]]:
    return _copy_or_move(req, move=False)


def op_move(req: Request) -> tuple[Any, dict[str, Any]]:
    return _copy_or_move(req, move=True)


def op_delete(req: Request) -> tuple[Any, dict[str, Any]]:
    name = str(req.opts["path"])
    link = _symlink_in_base(req.base, name)
    if link is not None:  # `rm link` removes the link, not the file it points to
        link.unlink()
        return {"path": name, "deleted": True, "symlink": True}, {}
    name, real = req.path()
    if not real.exists():
        if req.opts.get("missing_ok", False):
            return {"path": name, "deleted": False}, {}
        msg = f"{name!r}: no such file (set 'missing_ok: true' to allow that)"
        raise FileOpError(msg)
    if not real.is_file():
        msg = f"{name!r} is not a file; files steps delete files only"
        raise FileOpError(msg)
    backup = bool(req.opts.get("backup", True))
    with Transaction(backup=backup) as tx:
        tx.delete(real)
    out: dict[str, Any] = {"path": name, "deleted": True}
    if backup:
        out["backup"] = name + ".bak"
    return out, {}


def _symlink_in_base(base: Path, name: str) -> Path | None:
    """The symlink *name* itself when its folder is inside *base*, else None."""
    given = Path(name)
    if given.name in {"", ".", ".."}:
        return None
    folder = confine_folder(base, str(given.parent))
    candidate = folder / given.name
    return candidate if candidate.is_symlink() else None


def op_transform(req: Request) -> tuple[Any, dict[str, Any]]:
    name, real = req.path()
    data = apply_transforms(req.read(name, real), req.opts)
    to_name, to_real = req.path("to") if "to" in req.opts else (name, real)
    fmt = req.fmt(to_name, "to_format")
    encoded = dump_value(data, fmt, encoding=req.encoding)
    backup = bool(req.opts.get("backup", True))
    with Transaction(backup=backup) as tx:
        tx.write(to_real, encoded)
        # A written file that does not read back in its format is rolled back.
        parse_bytes(to_real.read_bytes(), fmt, encoding=req.encoding, where=to_name)
    info = _info(to_name, to_real, fmt, backup=backup)
    if isinstance(data, list):
        info["rows"] = len(data)
    return info, {}


def op_validate(req: Request) -> tuple[Any, dict[str, Any]]:
    name, real = req.path()
    if not real.is_file():
        msg = f"{name!r}: no such file"
        raise FileOpError(msg)
    raw = real.read_bytes()
    problems: list[str] = []
    value: Any = None
    try:
        value = parse_bytes(raw, req.fmt(name, content=raw), encoding=req.encoding, where=name)
    except ValueError as exc:
        problems.append(str(exc))
    expected = req.opts.get("md5")
    if expected is not None and md5_hex(raw) != str(expected).lower():
        problems.append(f"{name}: checksum {md5_hex(raw)} is not the expected {expected}")
    if req.opts.get("not_empty", True) and (not raw.strip() or value in ([], {}, "")):
        problems.append(f"{name}: is empty")
    required = [str(k) for k in req.opts.get("required_keys", [])]
    if required and not problems:
        problems.extend(_missing_keys(name, value, required))
    if problems:
        msg = f"{len(problems)} problem(s): " + "; ".join(problems)
        raise FileOpError(msg)
    return {"path": name, "valid": True, "size": len(raw), "md5": md5_hex(raw)}, {}


def _missing_keys(name: str, value: Any, required: list[str]) -> list[str]:
    if isinstance(value, Mapping):
        records: list[Any] = [value]
    elif isinstance(value, list):
        records = value
    else:
        return [f"{name}: has no keys (it is {type(value).__name__}), required {required}"]
    problems = []
    for number, record in enumerate(records):
        if not isinstance(record, Mapping):
            problems.append(f"{name}: item {number} is not a mapping")
            continue
        missing = [k for k in required if k not in record]
        if missing:
            where = name if isinstance(value, Mapping) else f"{name}: item {number}"
            problems.append(f"{where} lacks {', '.join(missing)}")
    return problems


#: op name -> function returning (value for output_key, extra facts for the step result).
OPERATIONS: dict[str, Callable[[Request], tuple[Any, dict[str, Any]]]] = {
    "read": op_read,
    "write": op_write,
    "copy": op_copy,
    "move": op_move,
    "delete": op_delete,
    "transform": op_transform,
    "validate": op_validate,
}
