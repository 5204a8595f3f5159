from __future__ import annotations

# Opt in to f0's fixtures: f0_pm, f0_register, f0_cli, f0_project, f0_run...
pytest_plugins = ["f0.testing"]
