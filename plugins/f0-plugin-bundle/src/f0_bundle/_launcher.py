"""The scripts a bundle carries: ``run_recipe.py`` and, in a ``.pyz``, ``__main__.py``.

Both use only the standard library: they run wherever Python does, and
``run_recipe.py`` finds f0 through its ``f0`` console-script entry point (the
same one the ``f0`` command uses), not through any f0 internals.
"""

from __future__ import annotations

__all__ = ["pyz_main", "run_recipe_script"]

_RUN_RECIPE = '''\
#!/usr/bin/env python3
"""Run the recipe of the f0 bundle {name!r}: ``f0 run {recipe}`` in this folder.

    python run_recipe.py [--debug] [f0 run options...]

f0 and the bundle's requirements must be installed in this Python:

    python -m pip install --find-links wheels -r requirements.txt wheels/*.whl

(``f0 bundle run`` does that in a fresh virtualenv.) The exit code is f0 run's.
"""

from __future__ import annotations

import os
import sys
from importlib.metadata import entry_points
from pathlib import Path

HERE = Path(__file__).resolve().parent
RECIPE = {recipe!r}


def main(argv: list[str]) -> int:
    args = [a for a in argv if a != "--debug"]
    if len(args) != len(argv):
        os.environ["F0_DEBUG"] = "1"  # f0 prints tracebacks
    sys.path.insert(0, str(HERE))
    # Relative paths in the recipe's args were written relative to its folder:
    # the bundle root is that folder.
    os.chdir(HERE)
    scripts = [ep for ep in entry_points(group="console_scripts") if ep.name == "f0"]
    if not scripts:
        sys.stderr.write(
            f"run_recipe.py: f0 is not installed in {{sys.executable}}; install the bundle first: "
            "python -m pip install --find-links wheels -r requirements.txt wheels/*.whl\\n"
        )
        return 2
    f0_main = scripts[0].load()
    try:
        f0_main(["run", RECIPE, *args])
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        sys.stderr.write(f"{{exc.code}}\\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
'''

_PYZ_MAIN = '''\
"""Run the f0 bundle {name!r}: ``python {name}.pyz [--debug] [f0 run options...]``.

Unpacks the bundle into a new folder ($F0_BUNDLE_DIR, else a temporary one),
checking every file against package_manifest.json (a bad path or hash stops
it), then runs its run_recipe.py with this Python, which needs f0 and the
bundle's requirements installed (or use ``f0 bundle run {name}.pyz``).
"""

from __future__ import annotations

import hashlib
import json
import os
import runpy
import sys
import tempfile
import zipfile
import zlib
from pathlib import Path, PurePosixPath


def _unsafe(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return (
        not name
        or "\\\\" in name
        or "\\x00" in name
        or name.startswith("/")
        or (len(name) > 1 and name[1] == ":")
        or any(p in ("", ".", "..") for p in name.split("/"))
        or not parts
    )


def main() -> int:
    archive = Path(os.path.dirname(os.path.abspath(__file__)))
    target = os.environ.get("F0_BUNDLE_DIR") or tempfile.mkdtemp(prefix="f0-bundle-{name}-")
    dest = Path(target)
    dest.mkdir(parents=True, exist_ok=True)
    if any(dest.iterdir()):
        sys.stderr.write(f"{{dest}}: F0_BUNDLE_DIR must be a new or empty folder\\n")
        return 2
    with zipfile.ZipFile(archive) as zf:
        manifest = json.loads(zf.read("package_manifest.json"))
        for entry in manifest["files"]:
            name = entry["path"]
            if _unsafe(name):
                sys.stderr.write(f"{{archive}}: {{name}}: path escapes the bundle\\n")
                return 1
            try:
                data = zf.read(name)
            except KeyError:
                sys.stderr.write(f"{{archive}}: {{name}}: removed (listed in the manifest)\\n")
                return 1
            except (zipfile.BadZipFile, zlib.error) as exc:
                sys.stderr.write(f"{{archive}}: {{name}}: changed (unreadable: {{exc}})\\n")
                return 1
            if hashlib.sha256(data).hexdigest() != entry["sha256"]:
                sys.stderr.write(f"{{archive}}: {{name}}: changed (sha256 differs from the manifest)\\n")
                return 1
            out = dest / name
            out.parent.mkdir(parents=True, exist_ok=True)
            with open(out, "xb") as handle:  # never overwrite: the folder was empty
                handle.write(data)
        (dest / "package_manifest.json").write_bytes(zf.read("package_manifest.json"))
    sys.stderr.write(f"f0 bundle: unpacked into {{dest}}\\n")
    sys.argv = [str(dest / "run_recipe.py"), *sys.argv[1:]]
    try:
        runpy.run_path(str(dest / "run_recipe.py"), run_name="__main__")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''


def run_recipe_script(name: str, recipe: str) -> str:
    """The text of ``run_recipe.py`` for bundle *name* whose recipe file is *recipe*."""
    return _RUN_RECIPE.format(name=name, recipe=recipe)


def pyz_main(name: str) -> str:
    """The text of a ``.pyz`` bundle's ``__main__.py``."""
    return _PYZ_MAIN.format(name=name)
