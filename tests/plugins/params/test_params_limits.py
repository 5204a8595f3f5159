"""Issue 19: a params step's numbers are bounded like the recipe's own."""

from __future__ import annotations

from f0.manager import PluginSelection, make_plugin_manager
from f0.testing import invoke_cli


def test_a_lock_timeout_past_the_limit_is_invalid(tmp_path):
    pm = make_plugin_manager(PluginSelection(autoload=False, load=("yaml", "params"), strict=True))
    path = tmp_path / "r.yaml"
    path.write_text(
        "metadata: {name: p}\nsteps:\n"
        "  - {name: a, idx: 1, type: params, file: p.json, op: increment, group: g, key: k,"
        " lock_timeout: 1.0e300}\n",
        encoding="utf-8",
    )
    out = invoke_cli(pm, "validate", str(path))
    assert out.exit_code == 2, out.stdout
    assert (
        "step 'a': 'lock_timeout' must be a number of seconds >= 0 and at most 1,000,000,000"
        in out.stdout
    )
