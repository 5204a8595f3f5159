"""Function-level code digests (f0_python._codehash): what changes a python step's fingerprint."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from f0_python._codehash import code_digest_of

BASE = """
import math

LIMIT = 3
NAMES = frozenset({"alpha", "beta", "gamma", "delta"})
TABLE = {"b": [1, 2], "a": (3, 4)}


def helper(x):
    return x * LIMIT


def step(context, params):
    return {"v": helper(len(NAMES)) + math.floor(1.5)}


def other(context, params):
    return {"w": TABLE["a"]}


class Scriptlet:
    factor = 2

    def run(self, context, params):
        return self._go()

    def _go(self):
        return {"v": self.factor}
"""


def load(tmp_path: Path, source: str, name: str = "mod"):
    path = tmp_path / f"{name}_{abs(hash(source))}.py"
    path.write_text(textwrap.dedent(source))
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module  # classes need their module importable by name
    spec.loader.exec_module(module)
    return module


def digest(tmp_path, source, attr="step"):
    return code_digest_of(getattr(load(tmp_path, source), attr))


def test_unrelated_edits_and_moved_lines_change_nothing(tmp_path):
    before = digest(tmp_path, BASE)
    assert digest(tmp_path, BASE.replace('TABLE["a"]', 'TABLE["b"]')) == before
    assert digest(tmp_path, "\n\n# a comment\n" + BASE) == before
    assert digest(tmp_path, BASE + "\n\ndef added():\n    return 1\n") == before


def test_own_code_called_helpers_and_read_constants_count(tmp_path):
    before = digest(tmp_path, BASE)
    assert digest(tmp_path, BASE.replace("math.floor(1.5)", "math.ceil(1.5)")) != before
    assert digest(tmp_path, BASE.replace("x * LIMIT", "x + LIMIT")) != before
    assert digest(tmp_path, BASE.replace("LIMIT = 3", "LIMIT = 4")) != before
    assert digest(tmp_path, BASE.replace('"delta"}', '"epsilon"}')) != before
    # TABLE is read by other only
    assert digest(tmp_path, BASE.replace('"b": [1, 2]', '"b": [1, 3]')) == before
    assert digest(tmp_path, BASE.replace('"b": [1, 2]', '"b": [1, 3]'), "other") != digest(
        tmp_path, BASE, "other"
    )


def test_a_class_step_covers_its_methods_and_class_constants(tmp_path):
    before = digest(tmp_path, BASE, "Scriptlet")
    assert digest(tmp_path, BASE.replace("factor = 2", "factor = 5"), "Scriptlet") != before
    assert (
        digest(tmp_path, BASE.replace('{"v": self.factor}', '{"v": -self.factor}'), "Scriptlet")
        != before
    )
    assert digest(tmp_path, BASE.replace("x * LIMIT", "x + LIMIT"), "Scriptlet") == before


def test_the_digest_is_the_same_in_every_process(tmp_path):
    """Sets of strings iterate in a per-process order (hash randomisation); the digest must not."""
    (tmp_path / "steps_same.py").write_text(textwrap.dedent(BASE))
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]); import steps_same; "
        "from f0_python._codehash import code_digest_of; print(code_digest_of(steps_same.step))"
    )
    found = {
        subprocess.run(
            [sys.executable, "-c", script, str(tmp_path)],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in ("1", "2", "3")
    }
    assert len(found) == 1


def test_callable_instances_and_cached_functions_are_followed(tmp_path):
    source = """
import functools

class Adder:
    __eq__ = lambda self, other: True  # unhashable instances must not break fingerprints
    __hash__ = None

    def __call__(self, context, params):
        return {"v": 1}

adder = Adder()

@functools.lru_cache
def cached(n):
    return n + 1
"""
    assert digest(tmp_path, source, "adder") != digest(
        tmp_path, source.replace('{"v": 1}', '{"v": 2}'), "adder"
    )
    assert digest(tmp_path, source, "cached") != digest(
        tmp_path, source.replace("n + 1", "n + 2"), "cached"
    )
