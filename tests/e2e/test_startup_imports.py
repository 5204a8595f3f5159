"""`f0 --help` imports every installed plugin: none of them may pull in a heavy library.

Each heavy dependency of a first-party plugin must be imported inside the
hook or command that needs it. This runs the real start-up (entry points,
every plugin's ``f0_register_commands`` and ``f0_run_options``, the typer
app's help) in a fresh interpreter and lists what got imported.
"""

from __future__ import annotations

import json
import subprocess
import sys

#: Libraries no plugin may import just to be listed in ``f0 --help``.
HEAVY = (
    "ruamel.yaml", "yaml_rs", "rich.progress", "rich.table", "structlog", "sqlite3",
    "zstandard", "cachetools", "tenacity", "filelock", "httpx", "sqlalchemy", "psycopg",
    "psutil", "jinja2", "jsonschema", "numpy", "scipy", "prometheus_client", "starlette",
    "uvicorn", "socketio", "websockets", "dask", "distributed", "redis", "playwright",
    "f0.model", "f0.context", "f0.engine", "f0.session",
    "f0.exports", "f0_python.scriptlets",  # provided names resolve on first use only
)  # fmt: skip

CODE = """
import contextlib, io, json, sys
from f0.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main(["--help"])
    except SystemExit:
        pass
print(json.dumps(sorted(sys.modules)))
"""


def test_help_imports_no_heavy_library():
    out = subprocess.run(
        [sys.executable, "-c", CODE], capture_output=True, text=True, check=True, timeout=120
    )
    loaded = set(json.loads(out.stdout.splitlines()[-1]))
    assert "f0_yaml" in loaded  # the plugins were imported...
    assert "f0_python" in loaded
    heavy = sorted(m for m in HEAVY if m in loaded)
    assert heavy == []  # ...but none of their heavy dependencies


def test_import_f0_reads_no_entry_point_and_imports_no_scriptlet():
    """``import f0`` and the kernel's own names leave the ``f0.exports`` names unresolved."""
    code = (
        "import json, sys, f0; f0.hookimpl, f0.Recipe, f0.Context, f0.lazy_getattr; "
        "print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    loaded = set(json.loads(out.stdout.splitlines()[-1]))
    assert "f0.model" in loaded
    unwanted = ("f0.exports", "f0.scriptlet", "f0_python", "f0_python.scriptlets")
    assert sorted(m for m in unwanted if m in loaded) == []
    assert "importlib_metadata" not in loaded


RUN_CODE = """
import json, sys
from f0.cli import main
try:
    main(["run", sys.argv[1]])
except SystemExit:
    pass
print(json.dumps("structlog" in sys.modules), file=sys.__stdout__)
"""

STEPS = """
def quiet(context, params):
    context.set("x", 1)


def loud(context, params):
    context.log.warning("disk.almost_full", free_mb=12)
"""


def _run_recipe(tmp_path, function):
    (tmp_path / "steps.py").write_text(STEPS, encoding="utf-8")
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(
        f"steps:\n  - name: a\n    idx: 1\n    module: steps\n    function: {function}\n",
        encoding="utf-8",
    )
    return subprocess.run(
        [sys.executable, "-c", RUN_CODE, str(recipe)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        cwd=tmp_path,
    )


def test_a_run_that_logs_nothing_never_imports_structlog(tmp_path):
    out = _run_recipe(tmp_path, "quiet")
    assert "COMPLETED" in out.stdout
    assert json.loads(out.stdout.splitlines()[-1]) is False


def test_the_first_logged_event_applies_the_cli_logging_configuration(tmp_path):
    out = _run_recipe(tmp_path, "loud")
    assert json.loads(out.stdout.splitlines()[-1]) is True
    # The CLI's configuration, applied late: on stderr, with the level and the run's ids
    # (structlog's defaults would print to stdout without them).
    line = next(line for line in out.stderr.splitlines() if "disk.almost_full" in line)
    assert "warning" in line
    assert "free_mb=12" in line
    assert "step=a" in line
    assert "disk.almost_full" not in out.stdout
