"""ParamsFile: one locked JSON parameter file.

Every read-modify-write holds the lock file for its whole duration; every
write goes to a temporary file in the same folder, is ``fdatasync``-ed
(durable mode, the default) and replaces the file with ``os.replace``, so a
reader never sees half a file and a crash leaves the old one. In durable mode
the folder is then ``fsync``-ed too (the rename itself is only durable once
the directory is), *after* the lock is released: the two syncs per update are
the floor for a replaced file, and only the first one is paid while other
writers wait (see ``benchmarks/README.md``).

A writer killed between creating its temporary file
(``NAME.<pid>.tmp``) and the replace leaves it behind; the first write of
each :class:`ParamsFile` removes such files whose pid is no longer running. A file that is not
valid JSON is never overwritten: every operation raises
:class:`ParamsFileError` naming the file and ``line:col`` until
:meth:`ParamsFile.repair` moves it aside.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import stat
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

from f0 import SourcePos

from f0_params._errors import (
    ParamsFileError,
    ParamsKeyError,
    ParamsTypeError,
    ParamsUsageError,
)
from f0_params._json import dumps_indented
from f0_params._lock import DEFAULT_TIMEOUT, hold_lock
from f0_params._schema import DEFAULT_FILE_NAME, get_default_param_dict, lock_path_for

__all__ = ["FAST_ENV", "ParamsFile", "check_json_value", "remove_stale_temp_files"]

T = TypeVar("T")
#: ``F0_PARAMS_FAST=1`` makes fast mode (no fsync) the default of every ParamsFile.
FAST_ENV = "F0_PARAMS_FAST"
_WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)
_MISSING = object()
_fchmod = getattr(os, "fchmod", None)
# fdatasync flushes the data and the size (what a reader needs), not the mtime.
_datasync: Callable[[int], None] = getattr(os, "fdatasync", os.fsync)
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)


def _pid_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    except OSError:
        return True
    return True


def remove_stale_temp_files(path: str | os.PathLike[str]) -> list[Path]:
    """Remove ``NAME.<pid>.tmp`` files next to *path* left by writers that died.

    Only files whose pid is not a running process are removed (a live
    writer's file is its own); returns the removed paths.
    """
    target = Path(path)
    removed: list[Path] = []
    prefix, suffix = target.name + ".", ".tmp"
    try:
        names = [entry.name for entry in target.parent.iterdir()]
    except OSError:
        return removed
    for name in names:
        middle = name[len(prefix) : -len(suffix)]
        if not (name.startswith(prefix) and name.endswith(suffix) and middle.isdigit()):
            continue
        pid = int(middle)
        if pid == os.getpid() or _pid_running(pid):
            continue
        stale = target.parent / name
        with contextlib.suppress(FileNotFoundError):
            stale.unlink()
            removed.append(stale)
    return removed


def _sync_dir(directory: str) -> None:
    """fsync *directory*: makes a rename in it durable."""
    try:
        fd = os.open(directory, _DIR_FLAGS)
    except OSError:  # pragma: no cover - a platform without directory descriptors
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some filesystems refuse fsync on a directory
        pass
    finally:
        os.close(fd)


def _durable_default() -> bool:
    return os.environ.get(FAST_ENV, "") not in {"1", "true", "yes"}


def check_json_value(value: Any, what: str = "value") -> None:
    """Raise :class:`ParamsTypeError` unless *value* can be written as strict JSON."""
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        msg = f"{what} is not JSON: {exc}"
        raise ParamsTypeError(msg) from None


class ParamsFile:
    """A JSON parameter file and its lock file.

    *path* is the JSON file (relative paths resolve against the current
    directory when the object is made); *lock_path* defaults to the same
    name with ``.lock`` for ``.json``. *defaults* (default: the spec's
    schema) fills the file when it is created and any default key missing
    later. *timeout* bounds every wait for the lock. *durable* ``False``
    skips the ``fsync`` before the replace (fast mode; a power cut may then
    lose the last writes, a crash of the process cannot); ``None`` reads
    ``F0_PARAMS_FAST``.
    """

    __slots__ = (
        "_cleaned",
        "_defaults",
        "_dir",
        "_file",
        "durable",
        "lock_path",
        "path",
        "timeout",
    )

    def __init__(
        self,
        path: str | os.PathLike[str] = DEFAULT_FILE_NAME,
        lock_path: str | os.PathLike[str] | None = None,
        *,
        defaults: Mapping[str, Any] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        durable: bool | None = None,
    ) -> None:
        self.path = Path(path).absolute()
        self._file = str(self.path)  # os-level calls on a str: pathlib costs ~10 us per write
        self._dir = str(self.path.parent)
        self._cleaned = False  # stale temp files of dead writers removed yet?
        self.lock_path = (
            Path(lock_path).absolute() if lock_path is not None else lock_path_for(self.path)
        )
        self._defaults: dict[str, Any] = (
            get_default_param_dict() if defaults is None else copy.deepcopy(dict(defaults))
        )
        self.timeout = timeout
        self.durable = _durable_default() if durable is None else durable

    @classmethod
    def in_dir(cls, directory: str | os.PathLike[str] = ".", **options: Any) -> ParamsFile:
        """The default file (``.octo_step_engine_parameters.json``) of a step instance directory."""
        return cls(Path(directory) / DEFAULT_FILE_NAME, **options)

    @property
    def defaults(self) -> dict[str, Any]:
        """A copy of the defaults this file is filled with."""
        return copy.deepcopy(self._defaults)

    def __repr__(self) -> str:
        mode = "durable" if self.durable else "fast"
        return f"ParamsFile({str(self.path)!r}, {mode})"

    # -- reading -------------------------------------------------------------
    def exists(self) -> bool:
        """Whether the JSON file exists (and is not empty)."""
        try:
            return self.path.stat().st_size > 0
        except OSError:
            return False

    def peek(self) -> dict[str, Any] | None:
        """The file's content as it is now, or None if it does not exist yet.

        Never creates or changes anything and takes no lock (writes replace
        the file whole, so what is read is always one complete version).
        """
        data = self._load()
        return None if data is _MISSING else data  # type: ignore[no-any-return]

    def read(self) -> dict[str, Any]:
        """The whole file; created from the defaults first if missing or empty.

        Default keys missing from the file are filled in and written back
        (existing values are never changed).
        """
        data = self._load()
        if data is not _MISSING and not _missing_defaults(data, self._defaults):
            return data  # type: ignore[no-any-return]
        return self._locked(lambda _: False, always=False)[0]

    def get(self, group: str, key: str | None = None) -> Any:
        """One group, or one value; :class:`ParamsKeyError` if it is not there."""
        data = self.read()
        if group not in data:
            msg = f"no group {group!r}"
            raise ParamsKeyError(msg, where=str(self.path))
        if key is None:
            return data[group]
        section = data[group]
        if not isinstance(section, dict):
            msg = f"{group!r} is a {_kind(section)}, not a group of keys"
            raise ParamsTypeError(msg, where=str(self.path))
        if key not in section:
            msg = f"no key {key!r} in group {group!r}"
            raise ParamsKeyError(msg, where=str(self.path))
        return section[key]

    # -- read-modify-write ------------------------------------------------------
    def modify(self, change: Callable[[dict[str, Any]], T]) -> tuple[dict[str, Any], T]:
        """Run ``change(data)`` under the lock and write *data* back.

        *data* is the whole file (created from the defaults if missing, with
        missing default keys filled in); *change* mutates it in place. If
        *change* raises, nothing is written. Returns ``(data, change's result)``.
        """
        return self._locked(change, always=True)

    def _locked(
        self, change: Callable[[dict[str, Any]], T], *, always: bool
    ) -> tuple[dict[str, Any], T]:
        # Without *always*, the file is written only if it was created or
        # filled, or *change* returned a true value (it changed something).
        wrote = False
        with hold_lock(self.lock_path, self.timeout):
            loaded = self._load()
            data: dict[str, Any] = self.defaults if loaded is _MISSING else loaded
            filled = loaded is _MISSING or _fill_defaults(data, self._defaults)
            result = change(data)
            if always or filled or result:
                self._write(data)
                wrote = True
        if wrote and self.durable:
            _sync_dir(self._dir)  # outside the lock: the next writer need not wait for it
        return data, result

    @contextlib.contextmanager
    def transaction(self) -> Iterator[dict[str, Any]]:
        """``with params.transaction() as data:`` edit *data*; written on exit if changed.

        The lock is held for the whole block: keep it short. An exception in
        the block writes nothing.
        """
        with hold_lock(self.lock_path, self.timeout):
            loaded = self._load()
            data: dict[str, Any] = self.defaults if loaded is _MISSING else loaded
            filled = loaded is _MISSING or _fill_defaults(data, self._defaults)
            before = None if filled else copy.deepcopy(data)
            yield data
            wrote = filled or data != before
            if wrote:
                self._write(data)
        if wrote and self.durable:
            _sync_dir(self._dir)

    def update(self, group: str, key: str, value: Any) -> dict[str, Any]:
        """Set ``[group][key] = value`` (any JSON value; the group is created if missing)."""
        check_json_value(value, f"the value of {group}.{key}")

        def change(data: dict[str, Any]) -> None:
            self._group(data, group, create=True)[key] = value

        return self.modify(change)[0]

    def update_group(self, group: str, values: Mapping[str, Any]) -> dict[str, Any]:
        """Set several keys of *group* in one locked write."""
        check_json_value(dict(values), f"the values of {group}")

        def change(data: dict[str, Any]) -> None:
            self._group(data, group, create=True).update(values)

        return self.modify(change)[0]

    def increment(self, group: str, key: str, by: int = 1) -> dict[str, Any]:
        """Add *by* (default 1; negative to decrement) to an integer; a missing key counts as 0.

        A value that is not an integer (a bool included) raises
        :class:`ParamsTypeError` and the file is not changed.
        """
        if isinstance(by, bool) or not isinstance(by, int):
            msg = f"the increment must be an integer, not {_kind(by)}"
            raise ParamsTypeError(msg)

        def change(data: dict[str, Any]) -> None:
            section = self._group(data, group, create=True)
            current = section.get(key, 0)
            if isinstance(current, bool) or not isinstance(current, int):
                msg = f"{group}.{key} is {_kind(current)} {json.dumps(current)}, not an integer"
                raise ParamsTypeError(msg, where=str(self.path))
            section[key] = current + by

        return self.modify(change)[0]

    def delete(self, group: str, key: str | None = None) -> dict[str, Any]:
        """Remove one key, or a whole group when *key* is None.

        Keys and groups of the defaults cannot be deleted (they would come
        back on the next read): :class:`ParamsUsageError`.
        """
        if key is None and group in self._defaults:
            msg = f"group {group!r} is part of the default schema and cannot be deleted"
            raise ParamsUsageError(msg, where=str(self.path))
        default_group = self._defaults.get(group)
        if key is not None and isinstance(default_group, dict) and key in default_group:
            msg = (
                f"{group}.{key} is part of the default schema and cannot be deleted; set it instead"
            )
            raise ParamsUsageError(msg, where=str(self.path))

        def change(data: dict[str, Any]) -> None:
            if group not in data:
                msg = f"no group {group!r}"
                raise ParamsKeyError(msg, where=str(self.path))
            if key is None:
                del data[group]
                return
            section = self._group(data, group, create=False)
            if key not in section:
                msg = f"no key {key!r} in group {group!r}"
                raise ParamsKeyError(msg, where=str(self.path))
            del section[key]

        return self.modify(change)[0]

    def merge(self, extra: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
        """Add the groups and keys of *extra* that the file lacks; existing values stay."""
        check_json_value(dict(extra), "the merged parameters")

        def change(data: dict[str, Any]) -> bool:
            return _fill_defaults(data, dict(extra))

        return self._locked(change, always=False)[0]

    # -- repair ----------------------------------------------------------------
    def repair(self, *, force: bool = False) -> Path | None:
        """Move an unusable file aside and recreate it from the defaults.

        Returns where the old file went (``NAME.corrupt-YYYYmmdd-HHMMSS``), or
        None when the file was usable (or missing) and *force* is False.
        With *force* a valid file is moved aside too (a reset).
        """
        with hold_lock(self.lock_path, self.timeout):
            if not force:
                try:
                    self._load()
                except ParamsFileError:
                    pass
                else:
                    return None
            if not self.path.exists():
                self._write(self.defaults)
                return None
            stamp = time.strftime("%Y%m%d-%H%M%S")
            aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
            n = 1
            while aside.exists():
                n += 1
                aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{n}")
            self.path.replace(aside)
            self._write(self.defaults)
            return aside

    # -- internals -------------------------------------------------------------
    def _group(self, data: dict[str, Any], group: str, *, create: bool) -> dict[str, Any]:
        section = data.get(group, _MISSING)
        if section is _MISSING and create:
            section = data[group] = {}
        if not isinstance(section, dict):
            msg = f"{group!r} is {_kind(section)}, not a group of keys"
            raise ParamsTypeError(msg, where=str(self.path))
        return section

    def _load(self) -> Any:
        """The parsed file, ``_MISSING`` when absent or empty; ParamsFileError when unusable."""
        try:
            with open(self._file, "rb") as handle:  # noqa: PTH123 - see _file
                raw = handle.read()
        except FileNotFoundError:
            if not self.path.parent.is_dir():
                msg = "the folder of the parameter file does not exist"
                raise ParamsFileError(msg, where=str(self.path)) from None
            return _MISSING
        except IsADirectoryError:
            msg = "is a directory, not a parameter file"
            raise ParamsFileError(msg, where=str(self.path)) from None
        except OSError as exc:
            msg = f"cannot read the parameter file: {exc.strerror}"
            raise ParamsFileError(msg, where=str(self.path)) from None
        if not raw.strip():
            return _MISSING
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line, col = _line_col(raw, exc.start)
            msg = f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); fix it or run with --repair"
            raise ParamsFileError(msg, pos=SourcePos(str(self.path), line, col)) from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            msg = f"not valid JSON: {exc.msg}; fix it or run with --repair"
            raise ParamsFileError(
                msg, pos=SourcePos(str(self.path), exc.lineno, exc.colno)
            ) from None
        except RecursionError:
            msg = "not usable JSON: nested too deep; fix it or run with --repair"
            raise ParamsFileError(msg, where=str(self.path)) from None
        if not isinstance(data, dict):
            offset = len(text) - len(text.lstrip())
            line, col = _line_col(raw, offset)
            msg = f"the top level must be a JSON object, not {_kind(data)}; fix it or run with --repair"
            raise ParamsFileError(msg, pos=SourcePos(str(self.path), line, col))
        return data

    def _write(self, data: dict[str, Any]) -> None:
        try:
            text = dumps_indented(data) + "\n"
        except (TypeError, ValueError) as exc:
            raise ParamsTypeError(str(exc), where=str(self.path)) from None
        payload = text.encode("utf-8")
        if not self._cleaned:  # under the lock, once per ParamsFile: cheap enough
            self._cleaned = True
            remove_stale_temp_files(self._file)
        tmp = f"{self._file}.{os.getpid()}.tmp"
        try:
            mode: int | None = stat.S_IMODE(os.stat(self._file).st_mode)  # noqa: PTH116 - see _file
        except OSError:
            mode = None
        try:
            fd = os.open(tmp, _WRITE_FLAGS, 0o666)
        except OSError as exc:
            msg = f"cannot write next to the parameter file: {exc.strerror}"
            raise ParamsFileError(msg, where=tmp) from None
        try:
            try:
                if mode is not None and _fchmod is not None:
                    _fchmod(fd, mode)  # the replacement keeps the file's permissions
                view = memoryview(payload)
                while view:
                    view = view[os.write(fd, view) :]
                if self.durable:
                    _datasync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, self._file)  # noqa: PTH105 - see _file
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)  # noqa: PTH108 - see _file
            raise


def _missing_defaults(data: dict[str, Any], defaults: Mapping[str, Any]) -> bool:
    for group, keys in defaults.items():
        if group not in data:
            return True
        section = data[group]
        if (
            isinstance(keys, dict)
            and isinstance(section, dict)
            and any(key not in section for key in keys)
        ):
            return True
    return False


def _fill_defaults(data: dict[str, Any], defaults: Mapping[str, Any]) -> bool:
    """Add missing groups/keys of *defaults* to *data* (deep copies); True if any was added."""
    added = False
    for group, keys in defaults.items():
        if group not in data:
            data[group] = copy.deepcopy(keys)
            added = True
            continue
        section = data[group]
        if isinstance(keys, dict) and isinstance(section, dict):
            for key, value in keys.items():
                if key not in section:
                    section[key] = copy.deepcopy(value)
                    added = True
    return added


def _line_col(raw: bytes, offset: int) -> tuple[int, int]:
    before = raw[:offset]
    line = before.count(b"\n") + 1
    col = offset - (before.rfind(b"\n") + 1) + 1
    return line, col


def _kind(value: Any) -> str:  # noqa: PLR0911 - one return per JSON type
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
