"""The checkpoint file: which partitions are done and their results, written atomically."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import attrs

__all__ = ["Checkpoint", "CheckpointError"]

_VERSION = 1


class CheckpointError(ValueError):
    """A checkpoint file that cannot be read (it is then not trusted, and the batch starts over)."""


@attrs.define
class Checkpoint:
    """Done partitions of one batch step, identified by the batch's *fingerprint*.

    ``done`` maps a partition's number to its (JSON) result. The file is
    replaced atomically (temp file, fsync, rename), so a kill at any moment
    leaves the previous checkpoint or the new one, never half of one.
    """

    path: Path
    fingerprint: str
    partitions: int
    done: dict[int, Any] = attrs.field(factory=dict)

    @classmethod
    def load(cls, path: Path, fingerprint: str, partitions: int) -> tuple[Checkpoint, str | None]:
        """The checkpoint at *path* if it belongs to this batch, else a fresh one; and why not."""
        fresh = cls(path=path, fingerprint=fingerprint, partitions=partitions)
        if not path.exists():
            return fresh, None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") != _VERSION:
                return (
                    fresh,
                    f"checkpoint {path.name} has version {data.get('version')!r}; starting over",
                )
            if data.get("fingerprint") != fingerprint or data.get("partitions") != partitions:
                return (
                    fresh,
                    f"checkpoint {path.name} is of other items, function or partition size; starting over",
                )
            done = {int(k): v for k, v in data["done"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            return fresh, f"checkpoint {path.name} is unreadable ({exc}); starting over"
        return cls(path=path, fingerprint=fingerprint, partitions=partitions, done=done), None

    def save(self) -> None:
        """Write the checkpoint atomically."""
        data = {
            "version": _VERSION,
            "fingerprint": self.fingerprint,
            "partitions": self.partitions,
            "updated_at": time.time(),
            "done": {str(k): v for k, v in sorted(self.done.items())},
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(
            prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent
        )
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh)
                fh.flush()
                os.fsync(fh.fileno())
            Path(tmp).replace(self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                Path(tmp).unlink()
            raise

    def remove(self) -> None:
        """Delete the file (the batch is complete)."""
        self.path.unlink(missing_ok=True)
