"""Context snapshots and deltas in the store: Framework0's ``SnapshotManager``.

A *version* is either a full **snapshot** (the whole context, compressed)
or a **delta** (changes + removed keys) over an earlier version. Each has an
id (``v0001_20261126_130102`` or one you choose), a timestamp, tags, a
description, free ``user_info`` and the SHA-256 checksum of the full data it
stands for, checked whenever it is read back (``DataIntegrityError``).

Reading a delta version replays its chain: the snapshot at its root, then
every delta up to it, in order. A snapshot plus its later deltas reproduce
the context exactly (property-tested). Chains are kept short: a delta whose
chain would exceed ``max_chain`` deltas is stored as a full snapshot.

Everything lives in the store's SQLite file (``ctx_versions`` table), by
default the local run store ``sqlite:///.f0/f0.db``; ``f0 ctx`` is the CLI.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Self

from f0_store._codec import canonical, checksum, dumps, loads, pack, unpack
from f0_store._db import Database
from f0_store._diff import changes_between
from f0_store._url import default_store_url, parse_sqlite_url
from f0_store._versions import SnapshotMetadata, StorageBackend, metadata_of, normalized
from f0_store.delta import DeltaStrategy, apply_changes
from f0_store.errors import (
    DataIntegrityError,
    SnapshotError,
    SnapshotNotFoundError,
    VersioningError,
)

__all__ = ["SnapshotManager", "SnapshotMetadata", "StorageBackend"]

#: Deltas allowed between a version and its full snapshot.
DEFAULT_MAX_CHAIN = 50

_COLUMNS = (
    "version, kind, base, depth, created_at, tags, description, user_info, source, "
    "checksum, size_bytes, stored_bytes"
)


class SnapshotManager:
    """Create, read, tag, compare and delete context versions in a SQLite store.

    ``SnapshotManager()`` uses the default store (``$F0_STORE`` or
    ``sqlite:///.f0/f0.db``); ``SnapshotManager(url="sqlite:///x.db")`` another;
    ``SnapshotManager("snaps")`` the legacy form, a folder holding
    ``snapshots.db``. ``max_snapshots`` > 0 deletes the oldest versions past
    that many after each create (a delta that depended on one is turned into
    a full snapshot first).
    """

    def __init__(
        self,
        base_path: str | Path | None = None,
        storage_backend: StorageBackend | str = StorageBackend.SQLITE,
        delta_strategy: DeltaStrategy | str = DeltaStrategy.AUTO,
        max_snapshots: int = 0,
        *,
        url: str | None = None,
        max_chain: int = DEFAULT_MAX_CHAIN,
    ) -> None:
        self.storage_backend = StorageBackend(storage_backend)
        self.delta_strategy = DeltaStrategy(delta_strategy)
        self.max_snapshots = max_snapshots
        self.max_chain = max_chain
        path: Path | None
        if self.storage_backend is StorageBackend.MEMORY:
            path, self.url = None, "sqlite://"
        elif url is not None or base_path is None:
            self.url = url or default_store_url()
            path = parse_sqlite_url(self.url).path
        else:
            path = Path(base_path) / "snapshots.db"
            self.url = f"sqlite:///{path}"
        self.path = path
        self._db = Database(path)

    # -- creating --------------------------------------------------------
    def create_snapshot(
        self,
        data: Mapping[str, Any],
        tags: Iterable[str] | None = None,
        description: str | None = None,
        user_info: Mapping[str, Any] | None = None,
        version: str | None = None,
        *,
        source: str | None = None,
    ) -> str:
        """Store the whole of *data*; return its version id."""
        full = normalized(data)
        version = self._insert(
            "snapshot", None, 0, pack(full), full, tags, description, user_info, version, source
        )
        self._enforce_snapshot_limit()
        return version

    def create_delta_snapshot(  # noqa: PLR0917 - the legacy signature
        self,
        data: Mapping[str, Any],
        base_version: str | None = None,
        tags: Iterable[str] | None = None,
        description: str | None = None,
        user_info: Mapping[str, Any] | None = None,
        version: str | None = None,
        *,
        source: str | None = None,
    ) -> str:
        """Store *data* as a delta over *base_version* (default: the newest version)."""
        full = normalized(data)
        if base_version is None:
            latest = self._latest_version()
            if latest is None:
                return self.create_snapshot(
                    full, tags, description, user_info, version, source=source
                )
            base_version = latest
        base, meta = self.get_snapshot(base_version)
        changes, removed = changes_between(base, full)
        return self._add_delta(
            meta, changes, removed, full, tags, description, user_info, version, source
        )

    def add_delta(  # noqa: PLR0917 - mirrors create_delta_snapshot
        self,
        changes: Mapping[str, Any],
        removed: Iterable[str] = (),
        base_version: str | None = None,
        tags: Iterable[str] | None = None,
        description: str | None = None,
        user_info: Mapping[str, Any] | None = None,
        version: str | None = None,
        *,
        source: str | None = None,
    ) -> str:
        """Store a delta given as *changes* + *removed* keys over *base_version* (default: newest)."""
        if base_version is None:
            base_version = self._latest_version()
            if base_version is None:
                msg = "there is no version to add a delta to; create a snapshot first"
                raise SnapshotError(msg)
        base, meta = self.get_snapshot(base_version)
        changes = normalized(changes)
        removed = [k for k in dict.fromkeys(removed) if k not in changes]
        full = apply_changes(base, changes, removed)
        return self._add_delta(
            meta, changes, removed, full, tags, description, user_info, version, source
        )

    def _add_delta(  # noqa: PLR0917 - internal
        self,
        base: SnapshotMetadata,
        changes: dict[str, Any],
        removed: list[str],
        full: dict[str, Any],
        tags: Iterable[str] | None,
        description: str | None,
        user_info: Mapping[str, Any] | None,
        version: str | None,
        source: str | None,
    ) -> str:
        depth = self._depth(base) + 1
        if depth > self.max_chain:  # keep reads short: start a new chain
            version = self._insert(
                "snapshot", None, 0, pack(full), full, tags, description, user_info, version, source
            )
        else:
            payload = pack({"changes": changes, "removed": removed})
            version = self._insert(
                "delta",
                base.version,
                depth,
                payload,
                full,
                tags,
                description,
                user_info,
                version,
                source,
            )
        self._enforce_snapshot_limit()
        return version

    def _depth(self, meta: SnapshotMetadata) -> int:
        row = self._db.read(
            lambda conn: conn.execute(
                "SELECT depth FROM ctx_versions WHERE version = ?", (meta.version,)
            ).fetchone()
        )
        return int(row[0]) if row else 0

    def _insert(  # noqa: PLR0917 - internal
        self,
        kind: str,
        base: str | None,
        depth: int,
        payload: bytes,
        full: dict[str, Any],
        tags: Iterable[str] | None,
        description: str | None,
        user_info: Mapping[str, Any] | None,
        version: str | None,
        source: str | None,
    ) -> str:
        now = time.time()
        tag_list = list(dict.fromkeys(tags or ()))
        digest = checksum(full)
        size = len(canonical(full).encode())
        user = None if user_info is None else dumps(dict(user_info))

        def insert(conn: sqlite3.Connection) -> str:
            (seq,) = conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM ctx_versions").fetchone()
            name = version or f"v{seq:04d}_{time.strftime('%Y%m%d_%H%M%S', time.localtime(now))}"
            if conn.execute("SELECT 1 FROM ctx_versions WHERE version = ?", (name,)).fetchone():
                msg = f"context version {name!r} already exists"
                raise VersioningError(msg, where=name)
            conn.execute(
                "INSERT INTO ctx_versions (seq, version, kind, base, depth, created_at, tags, "
                "description, user_info, source, checksum, size_bytes, stored_bytes, payload) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    seq,
                    name,
                    kind,
                    base,
                    depth,
                    now,
                    dumps(tag_list),
                    description,
                    user,
                    source,
                    digest,
                    size,
                    len(payload),
                    payload,
                ),
            )
            return name

        return self._db.write(insert)

    # -- reading ---------------------------------------------------------
    def resolve(self, ref: str) -> str:
        """A version id from *ref*: ``latest``, an exact id, a unique id prefix or a tag."""
        if ref == "latest":
            latest = self._latest_version()
            if latest is None:
                msg = f"no context versions in {self.url} (see: f0 ctx snapshot)"
                raise SnapshotNotFoundError(msg, where=ref)
            return latest

        def find(conn: sqlite3.Connection) -> list[str]:
            if conn.execute("SELECT 1 FROM ctx_versions WHERE version = ?", (ref,)).fetchone():
                return [ref]
            found = [
                v
                for (v,) in conn.execute(
                    "SELECT version FROM ctx_versions WHERE substr(version, 1, ?) = ? ORDER BY seq",
                    (len(ref), ref),
                )
            ]
            if found:
                return found
            tagged = [
                v
                for (v, tags) in conn.execute(
                    "SELECT version, tags FROM ctx_versions ORDER BY seq DESC"
                )
                if ref in loads(tags)
            ]
            return tagged[:1]

        found = self._db.read(find) if ref else []
        if len(found) == 1:
            return found[0]
        if found:
            msg = f"context version prefix {ref!r} is ambiguous: it matches {', '.join(found[:5])}"
            raise SnapshotNotFoundError(msg, where=ref)
        newest = [m["version"] for m in self.list_snapshots()[-3:]]
        known = f"newest: {', '.join(reversed(newest))}" if newest else "there are none yet"
        msg = f"no context version, id prefix or tag {ref!r} in {self.url}; {known}"
        raise SnapshotNotFoundError(msg, where=ref)

    def get_snapshot(self, version: str) -> tuple[dict[str, Any], SnapshotMetadata]:
        """The full data of *version* and its metadata; ``SnapshotNotFoundError`` if unknown."""

        def chain(conn: sqlite3.Connection) -> list[tuple[Any, ...]]:
            rows: list[tuple[Any, ...]] = []
            current: str | None = version
            while current is not None:
                row = conn.execute(
                    f"SELECT {_COLUMNS}, payload FROM ctx_versions WHERE version = ?",  # noqa: S608 - constant columns
                    (current,),
                ).fetchone()
                if row is None:
                    if rows:
                        msg = f"context version {rows[-1][0]!r} depends on missing version {current!r}"
                        raise DataIntegrityError(msg, where=version)
                    msg = f"no context version {version!r} in {self.url}"
                    raise SnapshotNotFoundError(msg, where=version)
                rows.append(row)
                current = row[2] if row[1] == "delta" else None
            return rows

        rows = self._db.read(chain)
        data: dict[str, Any] = unpack(rows[-1][-1])
        for row in reversed(rows[:-1]):
            body = unpack(row[-1])
            data = apply_changes(data, body["changes"], body["removed"])
        meta = metadata_of(rows[0][:-1])
        if checksum(data) != meta.checksum:
            msg = f"context version {version!r} does not match its checksum"
            raise DataIntegrityError(msg, where=version)
        return data, meta

    get_delta_snapshot = get_snapshot

    def get_delta(self, version: str) -> tuple[dict[str, Any], list[str], str | None]:
        """``(changes, removed, base_version)`` of a delta version (a snapshot: all its data)."""
        row = self._db.read(
            lambda conn: conn.execute(
                "SELECT kind, base, payload FROM ctx_versions WHERE version = ?", (version,)
            ).fetchone()
        )
        if row is None:
            msg = f"no context version {version!r} in {self.url}"
            raise SnapshotNotFoundError(msg, where=version)
        body = unpack(row[2])
        if row[0] == "snapshot":
            return body, [], None
        return body["changes"], body["removed"], row[1]

    def get_metadata(self, version: str) -> SnapshotMetadata:
        """The metadata of *version* (nothing is decompressed)."""
        row = self._db.read(
            lambda conn: conn.execute(
                f"SELECT {_COLUMNS} FROM ctx_versions WHERE version = ?",  # noqa: S608
                (version,),
            ).fetchone()
        )
        if row is None:
            msg = f"no context version {version!r} in {self.url}"
            raise SnapshotNotFoundError(msg, where=version)
        return metadata_of(row)

    def get_latest_snapshot(self) -> tuple[dict[str, Any], SnapshotMetadata]:
        """The newest version's data and metadata."""
        return self.get_snapshot(self.resolve("latest"))

    def get_snapshot_by_tag(
        self, tag: str, latest: bool = True
    ) -> tuple[dict[str, Any], SnapshotMetadata]:
        """The newest (or, with ``latest=False``, oldest) version tagged *tag*."""
        tagged = [m["version"] for m in self.list_snapshots() if tag in m["tags"]]
        if not tagged:
            msg = f"no context version tagged {tag!r} in {self.url}"
            raise SnapshotNotFoundError(msg, where=tag)
        return self.get_snapshot(tagged[-1] if latest else tagged[0])

    def list_snapshots(self) -> list[dict[str, Any]]:
        """Metadata dicts of every version, oldest first."""
        rows = self._db.read(
            lambda conn: conn.execute(
                f"SELECT {_COLUMNS} FROM ctx_versions ORDER BY seq"  # noqa: S608
            ).fetchall()
        )
        return [metadata_of(row).to_dict() for row in rows]

    def list_versions(self) -> list[str]:
        """Every version id, oldest first."""
        return [m["version"] for m in self.list_snapshots()]

    def list_tags(self) -> dict[str, int]:
        """``{tag: number of versions carrying it}``."""
        counts: dict[str, int] = {}
        for meta in self.list_snapshots():
            for tag in meta["tags"]:
                counts[tag] = counts.get(tag, 0) + 1
        return counts

    def compare_snapshots(self, v1: str, v2: str) -> dict[str, Any]:
        """``{"added": {k: v}, "removed": [k], "modified": {k: {"old", "new"}}}`` from *v1* to *v2*."""
        old, _ = self.get_snapshot(v1)
        new, _ = self.get_snapshot(v2)
        changes, removed = changes_between(old, new)
        return {
            "added": {k: v for k, v in changes.items() if k not in old},
            "removed": removed,
            "modified": {k: {"old": old[k], "new": v} for k, v in changes.items() if k in old},
        }

    # -- tags, deleting, import/export ---------------------------------------
    def tag_snapshot(self, version: str, tags: Iterable[str]) -> None:
        """Add *tags* to *version*."""
        self._retag(version, lambda old: list(dict.fromkeys([*old, *tags])))

    def untag_snapshot(self, version: str, tags: Iterable[str]) -> None:
        """Remove *tags* from *version*."""
        drop = set(tags)
        self._retag(version, lambda old: [t for t in old if t not in drop])

    def _retag(self, version: str, change: Any) -> None:
        def retag(conn: sqlite3.Connection) -> None:
            row = conn.execute(
                "SELECT tags FROM ctx_versions WHERE version = ?", (version,)
            ).fetchone()
            if row is None:
                msg = f"no context version {version!r} in {self.url}"
                raise SnapshotNotFoundError(msg, where=version)
            conn.execute(
                "UPDATE ctx_versions SET tags = ? WHERE version = ?",
                (dumps(change(loads(row[0]))), version),
            )

        self._db.write(retag)

    def delete_snapshot(self, version: str) -> bool:
        """Delete *version*; deltas over it become full snapshots first. False if unknown."""
        dependants = self._db.read(
            lambda conn: [
                v
                for (v,) in conn.execute(
                    "SELECT version FROM ctx_versions WHERE base = ?", (version,)
                )
            ]
        )
        # Reads before the write: a dependant's data needs the chain through *version*.
        rebased = {v: self.get_snapshot(v)[0] for v in dependants}

        def delete(conn: sqlite3.Connection) -> bool:
            for v, data in rebased.items():
                payload = pack(data)
                conn.execute(
                    "UPDATE ctx_versions SET kind = 'snapshot', base = NULL, depth = 0, "
                    "payload = ?, stored_bytes = ? WHERE version = ?",
                    (payload, len(payload), v),
                )
                # Deltas deeper in the chain are now that much closer to a snapshot.
                self._shift_depths(conn, v)
            return (
                conn.execute("DELETE FROM ctx_versions WHERE version = ?", (version,)).rowcount > 0
            )

        return self._db.write(delete)

    @staticmethod
    def _shift_depths(conn: sqlite3.Connection, root: str) -> None:
        frontier = [(root, 0)]
        while frontier:
            parent, depth = frontier.pop()
            for (child,) in conn.execute(
                "SELECT version FROM ctx_versions WHERE base = ?", (parent,)
            ).fetchall():
                conn.execute(
                    "UPDATE ctx_versions SET depth = ? WHERE version = ?", (depth + 1, child)
                )
                frontier.append((child, depth + 1))

    def _enforce_snapshot_limit(self) -> None:
        if self.max_snapshots <= 0:
            return
        versions = self.list_versions()
        for version in versions[: max(0, len(versions) - self.max_snapshots)]:
            self.delete_snapshot(version)

    cleanup = _enforce_snapshot_limit

    def clear_all(self) -> int:
        """Delete every version; return how many."""
        return self._db.write(lambda conn: conn.execute("DELETE FROM ctx_versions").rowcount)

    def export_snapshot(self, version: str, path: str | Path) -> Path:
        """Write ``{"metadata": ..., "data": ...}`` of *version* to *path* (JSON)."""
        data, meta = self.get_snapshot(version)
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(
            json.dumps({"metadata": meta.to_dict(), "data": data}, indent=2, sort_keys=True),
            encoding="utf-8",
        )
        return target

    def import_snapshot(self, path: str | Path, new_version: str | None = None) -> str:
        """Store the snapshot exported to *path*; return its (new) version id."""
        try:
            doc = json.loads(Path(path).read_text(encoding="utf-8"))
            data, meta = doc["data"], SnapshotMetadata.from_dict(doc.get("metadata") or {})
        except (OSError, ValueError, KeyError, TypeError) as exc:
            msg = f"cannot import snapshot from {path}: {exc}"
            raise SnapshotError(msg, where=str(path)) from None
        if meta.checksum and checksum(normalized(data)) != meta.checksum:
            msg = "imported snapshot does not match its checksum"
            raise DataIntegrityError(msg, where=str(path))
        return self.create_snapshot(
            data,
            meta.tags,
            meta.description,
            meta.user_info,
            new_version,
            source=f"file:{path}",
        )

    def _latest_version(self) -> str | None:
        row = self._db.read(
            lambda conn: conn.execute(
                "SELECT version FROM ctx_versions ORDER BY seq DESC LIMIT 1"
            ).fetchone()
        )
        return None if row is None else str(row[0])

    def close(self) -> None:
        """Close the store connection. Idempotent."""
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
