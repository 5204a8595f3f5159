"""f0.write_atomic: the old file or the new one, never half, and no temp files left."""

from __future__ import annotations

from pathlib import Path

import pytest
from f0 import write_atomic


def test_writes_text_and_bytes_creating_the_folder(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "out.json"
    assert write_atomic(target, "é{}") == target
    assert target.read_text(encoding="utf-8") == "é{}"
    write_atomic(target, b"\x00\x01", durable=False)
    assert target.read_bytes() == b"\x00\x01"
    assert [p.name for p in target.parent.iterdir()] == ["out.json"]


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "params.json"
    target.write_text("old", encoding="utf-8")

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        write_atomic(target, "new")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["params.json"]
