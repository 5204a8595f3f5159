"""Hypothesis strategies for flat JSON contexts."""

from __future__ import annotations

from hypothesis import strategies as st

# Values JSON keeps apart although Python's == does not (0 == 0.0 == False).
TRICKY = st.sampled_from([0, 0.0, False, 1, 1.0, True, None, "", "1", [], {}, [1], [1.0], {"a": 1}])
JSON = st.recursive(
    st.one_of(
        TRICKY,
        st.none(),
        st.booleans(),
        st.integers(-(2**63), 2**63),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=8),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=12,
)
KEYS = st.one_of(
    st.sampled_from(["a", "b", "c.d", "steps.x.status", "e"]), st.text(min_size=1, max_size=6)
)
CONTEXTS = st.dictionaries(KEYS, JSON, max_size=8)
