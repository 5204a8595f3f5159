"""The plugin surface: entry point, hook answer, options."""

from __future__ import annotations

import os
import subprocess
import sys

import f0_local
import pytest
from f0 import Scheduler, SchedulerOptions, UsageError
from f0.manager import PluginSelection, make_plugin_manager


def test_entry_point_loads_the_plugin():
    pm = make_plugin_manager(PluginSelection(autoload=False, load=("local",)))
    assert "local" in pm.infos
    assert pm.hooks_of("local") == ["f0_scheduler"]


def test_answers_only_for_local():
    assert f0_local.f0_scheduler(name="dask", options=SchedulerOptions()) is None
    scheduler = f0_local.f0_scheduler(name="local", options=SchedulerOptions())
    assert isinstance(scheduler, Scheduler)


def test_default_workers_is_the_cpu_count():
    scheduler = f0_local.f0_scheduler(name="local", options=SchedulerOptions())
    assert scheduler.workers == (os.cpu_count() or 1)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (SchedulerOptions(pool="greenlet"), "unknown pool 'greenlet'; use one of: thread, process"),
        (SchedulerOptions(workers=0), "workers must be at least 1, not 0"),
        (SchedulerOptions(extra={"start_method": 3}), "start_method must be a string, not int"),
    ],
)
def test_bad_options_are_usage_errors(options, message):
    with pytest.raises(UsageError) as info:
        f0_local.f0_scheduler(name="local", options=options)
    assert info.value.message == message


def test_importing_the_plugin_leaves_multiprocessing_and_tenacity_alone():
    code = (
        "import sys, f0_local; "
        "print('tenacity' in sys.modules, 'f0_local._processes' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
