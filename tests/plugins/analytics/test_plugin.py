"""The plugin's shape: cheap to import, its commands in f0 --help, the analytics path."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from f0_analytics._db import analytics_path

PROBE = """
import sys
from f0.cli import make_app
from f0.manager import PluginSelection, make_plugin_manager
plugins = ("yaml", "python", "local", "context", "store", "analytics")
app = make_app(make_plugin_manager(PluginSelection(autoload=False, load=plugins, strict=True)))
names = [c.name or c.callback.__name__ for c in app.registered_commands]
print(",".join(sorted(n for n in names if n in {"stats", "report", "graph", "metrics"})))
print(",".join(sorted(m for m in ("numpy", "prometheus_client", "f0_analytics._report",
                                  "f0_analytics._collect") if m in sys.modules)))
"""


def test_building_the_cli_imports_nothing_heavy() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    commands, heavy = proc.stdout.splitlines()
    assert commands == "graph,metrics,report,stats"
    assert heavy == ""


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///.f0/f0.db", Path(".f0/f0.analytics.db")),
        ("sqlite:////var/runs/x.db?name=a", Path("/var/runs/x.analytics.db")),
        ("sqlite:///my%20runs/h.db", Path("my runs/h.analytics.db")),
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
        ("postgresql://db/f0", Path(".f0/analytics.db")),
        (None, None),
    ],
)
def test_analytics_file_sits_next_to_the_store(
    url: str | None, expected: Path | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("F0_ANALYTICS_DB", raising=False)
    assert analytics_path(url) == expected


def test_analytics_file_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("F0_ANALYTICS_DB", str(tmp_path / "a.db"))
    assert analytics_path("sqlite:///.f0/f0.db") == tmp_path / "a.db"
