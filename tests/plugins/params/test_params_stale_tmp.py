"""Temporary files of killed writers are removed by the next writer (issue 19)."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from f0_params import ParamsFile

# A real writer that stops between writing its temporary file and the replace
# (its fdatasync never returns), so it can be killed mid-write.
_WRITER = textwrap.dedent(
    """
    import sys, time
    import f0_params._file as f
    def stuck(fd):
        print("writing", flush=True)
        time.sleep(600)
    f._datasync = stuck
    f.ParamsFile(sys.argv[1], durable=True).increment("g", "n")
    """
)


def test_the_next_writer_removes_the_temp_file_of_a_killed_writer(tmp_path: Path) -> None:
    target = tmp_path / ".octo_step_engine_parameters.json"
    writer = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(target)], stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout is not None
    assert writer.stdout.readline().strip() == "writing"
    stale = tmp_path / f"{target.name}.{writer.pid}.tmp"
    assert stale.exists()
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)
    writer.stdout.close()

    # A live writer's temp file (here: a process that is alive) is left alone.
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live = tmp_path / f"{target.name}.{alive.pid}.tmp"
        live.write_text("{}")
        other = tmp_path / f"{target.name}.notapid.tmp"
        other.write_text("{}")
        ParamsFile(target).increment("g", "n")
        assert not stale.exists()
        assert live.exists()
        assert other.exists()
        assert ParamsFile(target).get("g", "n") == 1
    finally:
        alive.kill()
        alive.wait()


def test_durable_writes_sync_the_file_then_the_folder(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import f0_params._file as f

    calls: list[str] = []
    monkeypatch.setattr(f, "_datasync", lambda fd: calls.append("file"))
    real = f._sync_dir
    monkeypatch.setattr(f, "_sync_dir", lambda d: (calls.append("dir"), real(d)))
    params = ParamsFile(tmp_path / "p.json", durable=True)
    params.increment("g", "n")
    assert calls == ["file", "dir"]
    calls.clear()
    ParamsFile(tmp_path / "p.json", durable=False).increment("g", "n")
    assert calls == []
    assert ParamsFile(tmp_path / "p.json").get("g", "n") == 2
