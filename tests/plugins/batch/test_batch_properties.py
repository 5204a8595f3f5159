"""Properties of partitioning, aggregation and the checkpoint file."""

from __future__ import annotations

from f0_batch import Checkpoint, aggregate, partition
from hypothesis import given
from hypothesis import strategies as st

ITEMS = st.lists(st.integers(-100, 100), max_size=60)
SIZES = st.integers(1, 25)


@given(items=ITEMS, size=SIZES)
def test_partitions_cover_the_items_in_order(items, size):
    parts = partition(items, size)
    assert [x for p in parts for x in p] == items
    assert all(1 <= len(p) <= size for p in parts)
    assert all(len(p) == size for p in parts[:-1])
    assert len(parts) == -(-len(items) // size)


@given(items=ITEMS, size=SIZES)
def test_aggregates_of_partition_results(items, size):
    results = partition(items, size)  # the identity function's results
    assert aggregate(results, "concat") == items
    assert aggregate(results, "count") == len(items)
    assert aggregate(results, "sum") == sum(items)
    assert aggregate(results, "list") == results
    assert aggregate(results, "none") is None


@given(
    done=st.dictionaries(
        st.integers(0, 50), st.lists(st.integers()) | st.text() | st.none(), max_size=20
    )
)
def test_checkpoint_round_trip(tmp_path_factory, done):
    path = tmp_path_factory.mktemp("ckpt") / "b.checkpoint.json"
    Checkpoint(path=path, fingerprint="f", partitions=51, done=dict(done)).save()
    loaded, note = Checkpoint.load(path, "f", 51)
    assert note is None
    assert loaded.done == done
    other, note = Checkpoint.load(path, "g", 51)
    assert other.done == {}
    assert note is not None
