"""Whatever ``f0 validate`` accepts, ``f0 run`` survives; ``validate`` itself never crashes.

A structure-aware hypothesis fuzz: recipes are generated key by key, each
key holding either a good value or a bad one (wrong type, a huge or
non-finite number, a recursive alias, a complex key, odd text), the file
written in several encodings. Every example goes through ``f0 validate``
and, when that says the recipe is valid, ``f0 run`` with the default
SQLite store, in-process (``invoke_cli`` raises on any exception that
escapes the CLI, which the console script would print as
``internal error``). A fixed, derandomised budget keeps CI reproducible.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from f0.manager import F0PluginManager, PluginSelection, make_plugin_manager
from f0.testing import invoke_cli
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.slow

#: Step library types whose steps stay on this machine and finish at once.
_TYPES = ["python", "shell", "files", "template", "params", "validate"]


class Raw:
    """YAML text put in the file as it is (anchors, aliases, complex keys, tags)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"Raw({self.text!r})"


_HUGE_INT = Raw("1" + "0" * 400)
_TOO_LONG_INT = Raw("1" + "0" * 5000)
_SPECIAL = st.sampled_from(
    [
        _HUGE_INT,
        _TOO_LONG_INT,
        Raw("-" + "9" * 60),
        Raw(".inf"),
        Raw("-.inf"),
        Raw(".nan"),
        Raw("&a {k: *a}"),
        Raw("&b [1, *b]"),
        Raw("{? {a: 1} : 2}"),
        Raw("{? [1, 2] : x}"),
        Raw("{1: a, b: c}"),
        Raw("!!binary aGVsbG8="),
        Raw("2001-12-14"),
        Raw('"\\ud83d\\ude00"'),
        Raw('"\\ud83d"'),
        Raw("!custom tagged"),
        Raw("{<<: {x: 1}, y: 2}"),
    ]
)
_NUMBERS = st.sampled_from(
    [0, -1, 1, 3, 2**31, 2**63, 10**20, 0.0, -0.0, 0.5, 1e-300, 3.0e10, 1e300, -1e300, 1e9]
)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    _NUMBERS,
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
)
_ANY = st.recursive(
    st.one_of(_SCALARS, _SPECIAL),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)


def _or_bad(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly *good*, rarely anything at all (so most recipes get as far as running).

    Most bad values come from :func:`mutate`, one per recipe.
    """
    return st.integers(0, 39).flatmap(lambda n: _ANY if n == 0 else good)


#: Huge numbers are what overflowed runs: durations are often one.
_SECONDS = st.one_of(
    st.floats(0.001, 5), st.sampled_from([3.0e10, 1e300, 2**63, 10**20, 1e9]), _NUMBERS
)
_RETRY = _or_bad(
    st.fixed_dictionaries(
        {},
        optional={
            "delay": _SECONDS,
            "factor": _or_bad(st.floats(1, 4)),
            "max_delay": _SECONDS,
            "jitter": _or_bad(st.floats(0, 1)),
        },
    )
)


def _step(i: int) -> st.SearchStrategy[dict[str, Any]]:
    """Step number *i* (its name, idx and dependencies fit the steps before it)."""
    return st.fixed_dictionaries(
        {
            "name": _or_bad(st.just(f"s{i}")),
            "idx": _or_bad(st.just(i + 1)),
            "module": _or_bad(st.just("steps")),
            "function": _or_bad(st.just("ok")),
        },
        optional={
            **_STEP_KEYS,
            "depends_on": _or_bad(st.sampled_from([f"s{j}" for j in range(i)] or [[]])),
        },
    )


_STEP_KEYS = {
    "type": _or_bad(st.sampled_from(["python"] * 12 + ["shell", *_TYPES])),
    "args": st.integers(0, 5).flatmap(
        lambda n: (
            _SPECIAL
            if n == 0
            else st.one_of(
                st.dictionaries(st.sampled_from(["x", "y"]), _ANY, max_size=2),
                st.lists(_SCALARS, max_size=2),
            )
        )
    ),
    "timeout": _SECONDS,
    "retries": _or_bad(st.integers(0, 2)),
    "retry": _RETRY,
    "enabled": _or_bad(st.booleans()),
    "success_criteria": _or_bad(
        st.fixed_dictionaries({}, optional={"exit_code": _or_bad(st.just(0))})
    ),
    "description": _or_bad(st.text(max_size=5)),
    "cache": _or_bad(st.one_of(st.booleans(), st.floats(0.001, 100))),
    "command": _or_bad(st.just("true")),
}
_STEPS = st.integers(1, 3).flatmap(lambda n: st.tuples(*(_step(i) for i in range(n))).map(list))
_RECIPE = st.fixed_dictionaries(
    {
        "metadata": _or_bad(st.fixed_dictionaries({"name": _or_bad(st.just("fz"))})),
        "steps": _or_bad(_STEPS),
    },
    optional={
        "defaults": _or_bad(
            st.fixed_dictionaries(
                {},
                optional={
                    "timeout": _SECONDS,
                    "retries": _or_bad(st.integers(0, 2)),
                    "retry": _RETRY,
                },
            )
        ),
    },
)
_ENCODINGS = st.sampled_from(["utf-8"] * 12 + ["utf-8-sig", "utf-16", "latin-1"])


def _paths(value: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in *value* a mutation may hit (keys of mappings, items of lists)."""
    found = [at]
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(_paths(item, (*at, key)))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found.extend(_paths(item, (*at, i)))
    return found


def mutate(data: st.DataObject, recipe: dict[str, Any]) -> dict[str, Any]:
    """*recipe* with one value (or none) replaced by a bad one, or one key added."""
    choice = data.draw(st.integers(0, 3), label="mutation")
    if choice == 0:
        return recipe
    paths = [p for p in _paths(recipe) if p]
    at = data.draw(st.sampled_from(paths), label="at")
    parent: Any = recipe
    for part in at[:-1]:
        parent = parent[part]
    bad = data.draw(st.one_of(_SPECIAL, _ANY, _NUMBERS), label="bad value")
    if choice == 3 and isinstance(parent, dict):
        parent[data.draw(st.sampled_from(["retry_count", "bogus", "timout", 7]))] = bad
    else:
        parent[at[-1]] = bad
    return recipe


def emit(value: Any) -> str:  # noqa: PLR0911 - one return per kind of value
    """*value* as flow-style YAML (:class:`Raw` pieces as written)."""
    if isinstance(value, Raw):
        return value.text
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a YAML double-quoted string
    if isinstance(value, list):
        return "[" + ", ".join(emit(v) for v in value) + "]"
    return "{" + ", ".join(f"{emit(k)}: {emit(v)}" for k, v in value.items()) + "}"


def render(recipe: dict[str, Any]) -> str:
    """Block style at the top (one step a line), flow style below."""
    lines = []
    for key, value in recipe.items():
        if key == "steps" and isinstance(value, list):
            lines.append("steps:")
            lines.extend(f"  - {emit(step)}" for step in value)
        else:
            lines.append(f"{key}: {emit(value)}")
    return "\n".join(lines) + "\n"


#: Every first-party plugin but those that need a network or a cluster; the
#: observers and runner wrappers among them (analytics, resilience) change
#: how the local scheduler runs a step, so they must be there.
FUZZ_PLUGINS = (
    "yaml",
    "python",
    "local",
    "context",
    "store",
    "terminal",
    "files",
    "templates",
    "params",
    "validate",
    "analytics",
    "resilience",
    "batch",
    "health",
    "http",
    "sql",
    "stepengine",
    "bundle",
)


def fuzz_plugin_manager() -> F0PluginManager:
    """The plugin manager every fuzz example runs with."""
    return make_plugin_manager(PluginSelection(autoload=False, load=FUZZ_PLUGINS, strict=True))


@pytest.fixture(scope="module")
def full_pm() -> F0PluginManager:
    """See :data:`FUZZ_PLUGINS`."""
    return fuzz_plugin_manager()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz")
    (root / "steps.py").write_text(
        "def ok(*args, **kwargs):\n    return {'ok': 1}\n", encoding="utf-8"
    )
    return root


def _long_waits(pm: F0PluginManager, path: Path) -> bool:
    """Would a failing attempt of some step wait long before its retry? (Not a crash: skip.)"""
    from f0.hooks import Hooks

    recipe = Hooks(pm).load_recipe(path)
    return any(
        s.retry.retries > 0 and min(s.retry.delay, s.retry.max_delay) > 0.2 for s in recipe.steps
    )


def check(pm: F0PluginManager, path: Path, db: Path) -> str:
    """Validate (and run, when valid) *path*; the outcome, or raise on an internal error."""
    result = invoke_cli(pm, "validate", str(path))
    output = result.stdout + result.stderr
    assert result.exit_code in {0, 2}, output
    assert "internal error" not in output, output
    if result.exit_code != 0:
        return "invalid"
    if _long_waits(pm, path):
        return "valid, not run (long retry waits)"
    result = invoke_cli(pm, "run", str(path), "--store", f"sqlite:///{db}", "-q")
    output = result.stdout + result.stderr
    assert result.exit_code in {0, 1}, output
    assert "internal error" not in output, output
    assert "store.write_failed" not in output, output
    return f"ran, exit {result.exit_code}"


@settings(
    max_examples=200,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    data=st.data(),
    recipe=_RECIPE,
    encoding=_ENCODINGS,
    suffix=st.sampled_from([".yaml", ".yml", ".json"]),
)
def test_validate_never_crashes_and_valid_recipes_run(  # noqa: PLR0917 - fixtures and draws
    full_pm: F0PluginManager,
    workdir: Path,
    data: st.DataObject,
    recipe: dict[str, Any],
    encoding: str,
    suffix: str,
) -> None:
    recipe = mutate(data, recipe)
    text = render(recipe)
    if suffix == ".json":
        try:
            text = json.dumps(recipe, default=_no_raw)
        except (TypeError, ValueError):
            suffix = ".yaml"
    path = workdir / f"recipe{suffix}"
    path.write_bytes(text.encode(encoding, "replace"))
    event(check(full_pm, path, workdir / "store.db"))


def _no_raw(value: Any) -> Any:
    raise TypeError(value)
