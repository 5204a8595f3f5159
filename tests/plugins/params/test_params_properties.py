"""Hypothesis: random ``f0 params`` sequences against a model dict; the encoder against json."""

from __future__ import annotations

import json
import string
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from f0.manager import F0PluginManager
from f0.testing import invoke_cli, make_test_plugin_manager
from f0_params import get_default_param_dict
from f0_params._json import dumps_indented
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .params_support import FILE_NAME


@cache
def _pm() -> F0PluginManager:
    return make_test_plugin_manager(("params",))


NAMES = st.sampled_from(["g", "h", "global_parameters", "ключ", "a b", "x.y"])
KEYS = st.one_of(
    st.sampled_from(["k", "n", "run_step_count", "step_engine_state", "é"]),
    st.text(string.ascii_letters + "_", min_size=1, max_size=4),
)
JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(max_size=6),
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=6,
)


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


# Text that is not JSON (kept as a string) and does not look like an option.
PLAIN = st.text(st.characters(blacklist_categories=("Cs",)), max_size=8).filter(
    lambda t: not _is_json(t) and not t.startswith("-")
)
# (argument text, value the file must then hold)
VALUE_ARGS = st.one_of(
    JSON_VALUES.map(lambda v: (json.dumps(v, ensure_ascii=False), v)),
    PLAIN.map(lambda t: (t, t)),
    st.integers(-50, -1).map(lambda n: (str(n), n)),
)
OPS = st.one_of(
    st.tuples(st.just("set"), NAMES, KEYS, VALUE_ARGS),
    st.tuples(st.just("inc"), NAMES, KEYS, st.booleans()),
    st.tuples(st.just("get"), NAMES, st.one_of(st.none(), KEYS), st.booleans()),
    st.tuples(st.just("del"), NAMES, st.one_of(st.none(), KEYS), st.none()),
)
DEFAULTS = get_default_param_dict()


def _shown(value: Any, as_json: bool) -> str:
    if as_json:
        return json.dumps(value, ensure_ascii=False)
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _group_text(name: str, section: dict[str, Any]) -> str:
    lines = [name] + [f"    {k} : {_shown(v, False)}" for k, v in section.items()]
    return "\n".join(lines)


def _check(op: tuple[Any, ...], model: dict[str, Any], folder: Path) -> None:
    kind, group, key, extra = op
    d = str(folder)
    if kind == "set":
        text, value = extra
        result = invoke_cli(_pm(), "params", d, group, key, text)
        assert result.exit_code == 0, (op, result.output)
        model.setdefault(group, {})[key] = value
        assert result.stdout == _group_text(group, model[group]) + "\n"
    elif kind == "inc":
        result = invoke_cli(_pm(), "params", d, group, key, "-i" if extra else "-d")
        current = model.get(group, {}).get(key, 0)
        if isinstance(current, bool) or not isinstance(current, int):
            assert result.exit_code == 1, (op, result.output)
            assert "not an integer" in result.stderr
        else:
            assert result.exit_code == 0, (op, result.output)
            model.setdefault(group, {})[key] = current + (1 if extra else -1)
            assert result.stdout == f"{model[group][key]}\n"
    elif kind == "get":
        args = [d, group] if key is None else [d, group, key]
        result = invoke_cli(_pm(), "params", *args, *(["--json"] if extra else []))
        if group not in model or (key is not None and key not in model[group]):
            assert result.exit_code == 1, (op, result.output)
            assert result.stdout == ""
        elif key is None:
            assert result.exit_code == 0
            expected = (
                json.dumps(model[group], ensure_ascii=False)
                if extra
                else _group_text(group, model[group])
            )
            assert result.stdout == expected + "\n"
        else:
            assert result.exit_code == 0
            assert result.stdout == _shown(model[group][key], extra) + "\n"
    else:
        args = [d, group] if key is None else [d, group, key]
        result = invoke_cli(_pm(), "params", *args, "--delete")
        protected = group in DEFAULTS and (key is None or key in DEFAULTS[group])
        if protected:
            assert result.exit_code == 2, (op, result.output)
        elif group not in model or (key is not None and key not in model[group]):
            assert result.exit_code == 1, (op, result.output)
        else:
            assert result.exit_code == 0, (op, result.output)
            if key is None:
                del model[group]
            else:
                del model[group][key]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(OPS, min_size=1, max_size=12))
def test_random_cli_sequences_keep_the_file_equal_to_the_model(ops):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        model = get_default_param_dict()
        for op in ops:
            _check(op, model, folder)
            path = folder / FILE_NAME
            if not path.exists():  # only failed operations so far: nothing was written
                assert model == DEFAULTS
                continue
            text = path.read_text(encoding="utf-8")
            assert json.loads(text) == model, op
            # Byte for byte what json.dumps(indent=4) writes, in the model's key order.
            assert text == json.dumps(model, indent=4, ensure_ascii=False) + "\n"


@given(st.dictionaries(st.text(max_size=4), JSON_VALUES, max_size=4))
def test_fast_encoder_matches_json_dumps(data):
    assert dumps_indented(data) == json.dumps(data, indent=4, ensure_ascii=False)


@given(
    st.recursive(
        JSON_SCALARS | st.tuples(st.integers()),
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(
                st.one_of(st.text(max_size=2), st.integers(0, 3), st.none()), inner, max_size=3
            )
        ),
        max_leaves=8,
    )
)
def test_fast_encoder_matches_json_dumps_on_any_input(data):
    assert dumps_indented(data) == json.dumps(data, indent=4, ensure_ascii=False)
