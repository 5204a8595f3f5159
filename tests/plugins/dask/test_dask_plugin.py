"""The dask plugin in-process: the hooks answer only for their names, bad options fail clearly."""

from __future__ import annotations

import f0_dask
import pytest
from f0 import SchedulerOptions, UsageError


def test_scheduler_answers_only_for_dask() -> None:
    assert f0_dask.f0_scheduler(name="local", options=SchedulerOptions()) is None


def test_run_options_add_address_and_shared() -> None:
    options = {o.name: o for o in f0_dask.f0_run_options()}
    assert options["dask-address"].envvar == "F0_DASK_ADDRESS"
    assert options["dask-address"].key == "dask_address"
    assert options["dask-shared"].flag


def test_importing_the_plugin_does_not_import_dask() -> None:
    import subprocess
    import sys

    code = "import sys, f0_dask; print('distributed' in sys.modules, 'dask' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


@pytest.mark.parametrize(
    ("options", "where"),
    [
        (SchedulerOptions(pool="process"), "--processes"),
        (SchedulerOptions(extra={"dask_address": "  "}), "--dask-address"),
        (SchedulerOptions(workers=0), "--workers"),
    ],
)
def test_bad_options_name_the_option(options: SchedulerOptions, where: str) -> None:
    with pytest.raises(UsageError) as raised:
        f0_dask.f0_scheduler(name="dask", options=options)
    assert raised.value.where == where


def test_pack_folder_skips_history_and_caches(tmp_path) -> None:
    import zipfile

    from f0_dask._ship import pack_folder

    src = tmp_path / "recipe"
    (src / "data").mkdir(parents=True)
    (src / "steps.py").write_text("x = 1\n")
    (src / "data" / "in.txt").write_text("hi\n")
    for skipped in (".git", ".f0", "__pycache__"):
        (src / skipped).mkdir()
        (src / skipped / "junk").write_text("no\n")
    out = tmp_path / "out"
    out.mkdir()
    first = pack_folder(src, out)
    with zipfile.ZipFile(first) as archive:
        assert sorted(archive.namelist()) == ["data/in.txt", "steps.py"]
    assert pack_folder(src, out) == first  # same content, same name
    (src / "steps.py").write_text("x = 2\n")
    assert pack_folder(src, out) != first


@pytest.mark.parametrize("address", ["foo:bar", "http://127.0.0.1:1", "tcp://127.0.0.1:port"])
def test_an_address_dask_cannot_parse_is_a_usage_error(address: str) -> None:
    with pytest.raises(UsageError, match="is not a Dask scheduler address") as raised:
        f0_dask.f0_scheduler(name="dask", options=SchedulerOptions(extra={"dask_address": address}))
    assert raised.value.where == "--dask-address"
    assert address in str(raised.value)
