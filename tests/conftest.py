from __future__ import annotations

# Every test may use f0's fixtures (f0_pm, f0_cli, f0_project, f0_run...).
pytest_plugins = ["f0.testing"]
