"""DeltaCompressor, DeltaRecord, merge_deltas and DeltaChain (Framework0's delta module)."""

from __future__ import annotations

import itertools

import pytest
from f0_store import DeltaChain, DeltaCompressionError, DeltaCompressor, DeltaRecord, DeltaStrategy
from f0_store._diff import same
from f0_store.delta import create_delta_record, merge_deltas
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.plugins.store.strategies import CONTEXTS


@settings(max_examples=80, deadline=None)
@given(old=CONTEXTS, new=CONTEXTS)
def test_apply_of_calculate_is_exact(old, new):
    dc = DeltaCompressor()
    delta = dc.calculate_delta(old, new)
    assert same(dc.apply_delta(old, delta), new)
    assert not set(delta["changes"]) & set(delta["removed_keys"])


@settings(max_examples=50, deadline=None)
@given(states=st.lists(CONTEXTS, min_size=2, max_size=6), compress=st.booleans())
def test_merged_and_serialised_deltas_replay_exactly(states, compress):
    dc = DeltaCompressor(enable_compression=compress)
    records = []
    for old, new in itertools.pairwise(states):
        d = dc.calculate_delta(old, new)
        record = dc.create_delta_record(d["changes"], d["removed_keys"])
        records.append(dc.deserialize_delta(dc.serialize_delta(record)))
    merged = merge_deltas(records)
    assert merged is not None
    replayed = dc.apply_delta(states[0], merged.to_dict())
    assert same(replayed, states[-1])


def test_calculate_delta_shape():
    dc = DeltaCompressor(strategy="dict")
    delta = dc.calculate_delta(
        {"a": 1, "b": 2, "c": 3}, {"a": 1, "b": 2.0, "d": 4}, include_unchanged=True
    )
    assert delta["changes"] == {"b": 2.0, "d": 4}
    assert type(delta["changes"]["b"]) is float
    assert delta["removed_keys"] == ["c"]
    assert delta["unchanged"] == ["a"]
    assert delta["strategy"] == "dict"
    assert isinstance(delta["timestamp"], float)
    assert dc.strategy is DeltaStrategy.DICT


def test_malformed_deltas():
    dc = DeltaCompressor()
    with pytest.raises(DeltaCompressionError):
        dc.apply_delta({}, {"removed_keys": []})
    with pytest.raises(DeltaCompressionError):
        dc.apply_delta({}, {"changes": {}, "removed_keys": "a"})
    with pytest.raises(DeltaCompressionError, match="unknown delta encoding"):
        dc.deserialize_delta(b"Q{}")
    with pytest.raises(DeltaCompressionError, match="corrupted"):
        dc.deserialize_delta(b"Znot zlib")
    with pytest.raises(DeltaCompressionError, match="malformed"):
        dc.deserialize_delta(b'J{"changes": {}}')
    with pytest.raises(ValueError, match="1-9"):
        DeltaCompressor(compression_level=0)


def test_checksum_mismatch_is_detected():
    dc = DeltaCompressor(enable_compression=False)
    blob = dc.serialize_delta(create_delta_record({"a": 1}, ["b"]))
    assert blob[:1] == b"J"
    tampered = blob.replace(b'"a":1', b'"a":2')
    with pytest.raises(DeltaCompressionError, match="checksum"):
        dc.deserialize_delta(tampered)


def test_merge_rules():
    set_then_removed = [create_delta_record({"a": 1}), create_delta_record({}, ["a"])]
    removed_then_set = [create_delta_record({}, ["b"]), create_delta_record({"b": 2})]
    merged = merge_deltas(set_then_removed + removed_then_set)
    assert merged.changes == {"b": 2}
    assert merged.removed_keys == ["a"]
    assert merge_deltas([]) is None


def test_record_dict_round_trip_and_stats():
    dc = DeltaCompressor()
    record = dc.create_delta_record({"a": "x" * 500}, ["gone"], timestamp=5.0)
    assert DeltaRecord.from_dict(record.to_dict()) == record
    dc.serialize_delta(record)
    stats = dc.get_compression_stats()
    assert stats["total_compressed_bytes"] < stats["total_original_bytes"]
    assert stats["average_compression_ratio"] > 1
    assert record.compression_ratio > 1


def test_delta_chain():
    chain = DeltaChain(max_chain_length=3)
    states = [{"n": i, "even": i % 2 == 0} for i in range(3)]
    for state in states:
        chain.add_state(state)
    assert [chain.get_state_at_index(i) for i in range(3)] == states
    assert chain.get_current_state() == states[-1]
    assert chain.get_delta_at_index(1).changes == {"n": 1, "even": False}
    assert chain.get_delta_at_index(9) is None
    with pytest.raises(IndexError):
        chain.get_state_at_index(3)
    for i in range(3, 5):  # past max_chain_length: rebaseline
        chain.add_state({"n": i})
    metrics = chain.get_chain_metrics()
    assert metrics["rebaselines"] == 1
    assert chain.get_current_state() == {"n": 4}
    chain.clear_chain()
    assert chain.get_current_state() == {}


def test_delta_chain_without_rebase_merges():
    chain = DeltaChain(max_chain_length=2, enable_rebase=False)
    for i in range(5):
        chain.add_state({"n": i})
    assert chain.get_chain_metrics()["chain_length"] <= 2
    assert chain.get_current_state() == {"n": 4}
    assert chain.get_state_at_index(chain.get_chain_metrics()["chain_length"]) == {"n": 4}
