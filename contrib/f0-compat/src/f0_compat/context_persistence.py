"""Framework0's simple context-persistence layer (``context.md`` §6), thin over f0.

``DBAdapter`` and ``VersionControl`` keep versions in f0_store's SQLite
snapshot store (``f0_store.snapshot``); ``Persistence`` computes diffs with
``f0_store.delta``; ``FileAdapter`` and ``PersistenceManager`` write JSON
files atomically (temp file, fsync, rename).
"""

from __future__ import annotations

import gzip
import json
import threading
import time
from pathlib import Path
from typing import Any

from f0 import write_atomic
from f0_store.delta import DeltaCompressor
from f0_store.errors import SnapshotNotFoundError
from f0_store.snapshot import SnapshotManager

from f0_compat.context import Context

__all__ = ["DBAdapter", "FileAdapter", "Persistence", "PersistenceManager", "VersionControl"]


def _atomic_write(path: Path, payload: bytes) -> Path:
    return write_atomic(path, payload)


def _read_json(path: Path) -> Any:
    payload = path.read_bytes()
    if payload[:2] == b"\x1f\x8b":
        payload = gzip.decompress(payload)
    return json.loads(payload)


def _plain_name(name: str) -> str:
    if not name or "/" in name or "\\" in name or name.startswith(".."):
        msg = f"a file name without folders, not {name!r}"
        raise ValueError(msg)
    return name


def _replace_data(context: Any, data: dict[str, Any], who: str) -> None:
    """Make *context* hold exactly *data* (each change recorded in its history)."""
    for key in [k for k in context.keys() if k not in data]:  # noqa: SIM118 - a Context, not a dict
        context.delete(key, who=who)
    for key, value in data.items():
        context.set(key, value, who=who)


class DBAdapter:
    """Context versions in a SQLite file (f0_store's snapshot store)."""

    def __init__(self, db_path: str | Path = "./data/iaf0.db") -> None:
        self.db_path = Path(db_path)
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        self._snapshots = SnapshotManager(url=f"sqlite:///{self.db_path.resolve()}")

    def save_context(self, data: dict[str, Any], mode: str = "full") -> str:
        """Store *data* (``mode="diff"``: as a delta over the latest version); return its id."""
        if mode not in {"full", "diff"}:
            msg = f"mode must be 'full' or 'diff', not {mode!r}"
            raise ValueError(msg)
        if mode == "diff" and self._snapshots.list_versions():
            return self._snapshots.create_delta_snapshot(data)
        return self._snapshots.create_snapshot(data)

    def load_context(self, version_id: str | None = None) -> dict[str, Any] | None:
        """The data of *version_id* (latest if None); None when there is no such version."""
        try:
            if version_id is None:
                return self._snapshots.get_latest_snapshot()[0]
            return self._snapshots.get_snapshot(version_id)[0]
        except SnapshotNotFoundError:
            return None

    def get_versions(self) -> list[str]:
        """Every version id, oldest first."""
        return self._snapshots.list_versions()

    def clear(self) -> int:
        """Delete every version; return how many."""
        return self._snapshots.clear_all()

    def close(self) -> None:
        """Close the database."""
        self._snapshots.close()


class FileAdapter:
    """Context data as JSON files in *storage_dir*."""

    def __init__(self, storage_dir: str | Path = "./data") -> None:
        self.storage_dir = Path(storage_dir)

    def save_context(self, data: dict[str, Any], filename: str = "context.json") -> Path:
        """Write *data* to ``storage_dir/filename`` atomically; return the path."""
        text = json.dumps(data, indent=2, sort_keys=True, allow_nan=False)
        return _atomic_write(self.storage_dir / _plain_name(filename), text.encode())

    def load_context(self, filename: str = "context.json") -> dict[str, Any]:
        """The JSON object in ``storage_dir/filename`` (``FileNotFoundError`` if missing)."""
        data = _read_json(self.storage_dir / _plain_name(filename))
        if not isinstance(data, dict):
            msg = f"{filename}: expected a JSON object, not {type(data).__name__}"
            raise ValueError(msg)  # noqa: TRY004 - a bad file, reported as ValueError
        return data

    def list_files(self) -> list[str]:
        """The ``*.json`` files, sorted."""
        if not self.storage_dir.is_dir():
            return []
        return sorted(p.name for p in self.storage_dir.glob("*.json"))

    def delete_file(self, name: str) -> bool:
        """Delete one file; False if it was not there."""
        path = self.storage_dir / _plain_name(name)
        if not path.is_file():
            return False
        path.unlink()
        return True


class Persistence:
    """Flushes a context to files (full or diff, gzip) and to an optional DB adapter."""

    def __init__(
        self,
        context: Any,
        db_adapter: DBAdapter | None = None,
        flush_interval: float = 10,
        flush_dir: str | Path = "./persistence",
    ) -> None:
        self.context = context
        self.db_adapter = db_adapter
        self.flush_interval = flush_interval
        self.flush_dir = Path(flush_dir)
        self._last: dict[str, Any] = {}
        self._last_flush = time.monotonic()
        self._lock = threading.Lock()
        self._delta = DeltaCompressor(enable_compression=False)

    def _compute_diff(self, data: dict[str, Any]) -> dict[str, Any]:
        delta = self._delta.calculate_delta(self._last, data)
        return {"changes": delta["changes"], "removed_keys": delta["removed_keys"]}

    def flush(self, mode: str = "full", compress: bool = True) -> Path:
        """Write the context (``full``) or its changes since the last flush (``diff``)."""
        if mode not in {"full", "diff"}:
            msg = f"mode must be 'full' or 'diff', not {mode!r}"
            raise ValueError(msg)
        with self._lock:
            data = self.context.to_dict()
            body = {"mode": mode, "timestamp": time.time()}
            body["data" if mode == "full" else "diff"] = (
                data if mode == "full" else self._compute_diff(data)
            )
            payload = json.dumps(body, sort_keys=True).encode()
            stamp = time.strftime("%Y%m%d_%H%M%S") + f"_{time.time_ns() % 1_000_000_000:09d}"
            name = f"context_{stamp}.json" + (".gz" if compress else "")
            path = _atomic_write(
                self.flush_dir / name, gzip.compress(payload) if compress else payload
            )
            if self.db_adapter is not None:
                self.db_adapter.save_context(data, mode=mode)
            self._last = data
            self._last_flush = time.monotonic()
            return path

    def check_and_flush(self) -> bool:
        """Flush (diff) when ``flush_interval`` seconds passed and there are dirty keys."""
        if time.monotonic() - self._last_flush < self.flush_interval:
            return False
        if not self.context.pop_dirty_keys():
            return False
        self.flush(mode="diff")
        return True

    def load_from_disk(self, file_name: str | Path) -> None:
        """Replace the context's data from a flush file (a diff is applied to the current data)."""
        path = Path(file_name)
        if not path.is_absolute() and not path.exists():
            path = self.flush_dir / path
        body = _read_json(path)
        if not isinstance(body, dict) or not ({"data", "diff"} & body.keys()):
            msg = f"{path}: not a flush file"
            raise ValueError(msg)
        if "data" in body:
            data = body["data"]
        else:
            base = self.context.to_dict()
            data = self._delta.apply_delta(base, body["diff"])
        _replace_data(self.context, data, "persistence")
        self._last = self.context.to_dict()

    def load_from_db(self, version_id: str | None = None) -> bool:
        """Replace the context's data with a DB version (latest if None); False if none."""
        if self.db_adapter is None:
            return False
        data = self.db_adapter.load_context(version_id)
        if data is None:
            return False
        _replace_data(self.context, data, "persistence")
        self._last = self.context.to_dict()
        return True


class PersistenceManager:
    """Full context snapshots as ``snapshot_<epoch_ms>.json`` files, optionally in the background."""

    def __init__(
        self,
        persist_dir: str | Path = "persist",
        flush_interval_sec: float | None = 10,
        max_history: int | None = None,
    ) -> None:
        if max_history is not None and max_history < 1:
            msg = f"max_history must be >= 1 or None, not {max_history}"
            raise ValueError(msg)
        self.persist_dir = Path(persist_dir)
        self.flush_interval_sec = flush_interval_sec
        self.max_history = max_history
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def flush(self, ctx: Any) -> Path:
        """Write *ctx*'s data to a new snapshot file; return its path."""
        with self._lock:
            data = ctx.to_dict()
            millis = time.time_ns() // 1_000_000
            path = self.persist_dir / f"snapshot_{millis}.json"
            while path.exists():  # two flushes in one millisecond
                millis += 1
                path = self.persist_dir / f"snapshot_{millis}.json"
            _atomic_write(path, json.dumps(data, sort_keys=True).encode())
            if self.max_history is not None:
                for old in self._snapshots()[: -self.max_history]:
                    old.unlink(missing_ok=True)
            return path

    def _snapshots(self) -> list[Path]:
        if not self.persist_dir.is_dir():
            return []
        return sorted(self.persist_dir.glob("snapshot_*.json"), key=lambda p: int(p.stem[9:]))

    def load_latest(self) -> Context | None:
        """A new :class:`Context` from the newest snapshot file, or None."""
        for path in reversed(self._snapshots()):
            try:
                data = _read_json(path)
            except (OSError, ValueError):
                continue  # a damaged file: try the one before
            if isinstance(data, dict):
                return Context.from_dict(data)
        return None

    def start_background_flush(self, ctx: Any) -> None:
        """Flush *ctx* every ``flush_interval_sec`` seconds in a daemon thread (None: no thread)."""
        if self.flush_interval_sec is None or self._thread is not None:
            return
        interval = self.flush_interval_sec
        self._stop.clear()

        def loop() -> None:
            while not self._stop.wait(interval):
                self.flush(ctx)

        self._thread = threading.Thread(target=loop, name="f0-compat-flush", daemon=True)
        self._thread.start()

    def stop_background_flush(self) -> None:
        """Stop the background thread and wait for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None


class VersionControl:
    """Commit and roll back context versions (over a :class:`DBAdapter`)."""

    def __init__(self, db_adapter: DBAdapter | None = None) -> None:
        self.db_adapter = db_adapter if db_adapter is not None else DBAdapter()
        self._snapshots = self.db_adapter._snapshots  # noqa: SLF001 - same package

    def commit(
        self, context: Any, version_id: str | None = None, parent_version: str | None = None
    ) -> str:
        """Store *context*'s data as a version; return its id (``VersioningError`` if taken)."""
        info = {"parent_version": parent_version} if parent_version else None
        return self._snapshots.create_snapshot(
            context.to_dict(), user_info=info, version=version_id
        )

    def rollback(self, version_id: str, context: Any) -> None:
        """Make *context* hold version *version_id* (``SnapshotNotFoundError`` if unknown)."""
        data, _ = self._snapshots.get_snapshot(version_id)
        _replace_data(context, data, "rollback")

    def get_versions(self, limit: int = 10) -> list[dict[str, Any]]:
        """Metadata of the newest *limit* versions, newest first."""
        return list(reversed(self._snapshots.list_snapshots()))[:limit]
