"""The kernel's contract suites against the SQLite stores, and the hooks that open them."""

from __future__ import annotations

import pytest
from f0 import ContextStore, RunStore
from f0.context import Context
from f0.hooks import Hooks
from f0.testing import ContextStoreContract, RunStoreContract, make_test_plugin_manager
from f0_store import SqliteContextStore, SqliteRunStore, open_context_store, open_run_store


@pytest.fixture
def hooks():
    return Hooks(make_test_plugin_manager(("context", "store")))


class TestSqliteRunStore(RunStoreContract):
    @pytest.fixture
    def store(self, tmp_path):
        store = SqliteRunStore(tmp_path / "runs.db")
        yield store
        store.close()


class TestInMemoryRunStore(RunStoreContract):
    @pytest.fixture
    def store(self):
        store = open_run_store("sqlite://")
        yield store
        store.close()


class TestRunStoreThroughTheHook(RunStoreContract):
    @pytest.fixture
    def store(self, hooks, tmp_path):
        store = hooks.run_store(f"sqlite:///{tmp_path}/deeper/folder/f0.db")
        yield store
        store.close()


class TestSqliteContextStore(ContextStoreContract):
    @pytest.fixture
    def store(self, tmp_path):
        store = SqliteContextStore(tmp_path / "ctx.db")
        yield store
        store.close()


class TestNamedContextStoreThroughTheHook(ContextStoreContract):
    @pytest.fixture
    def store(self, hooks, tmp_path):
        # Another namespace already holds data in the same file: it must not leak in.
        other = open_context_store(f"sqlite:///{tmp_path}/ctx.db?name=other")
        other.write({"theirs": 1}, ())
        other.close()
        store = hooks.context_store(f"sqlite:///{tmp_path}/ctx.db?name=mine")
        yield store
        store.close()


def test_the_stores_implement_the_protocols(tmp_path):
    runs = open_run_store(f"sqlite:///{tmp_path}/a.db")
    ctx = open_context_store(f"sqlite:///{tmp_path}/a.db")
    assert isinstance(runs, RunStore)
    assert isinstance(ctx, ContextStore)
    runs.close()
    ctx.close()


def test_other_schemes_are_not_ours(hooks):
    from f0_store import f0_context_store, f0_run_store

    assert f0_run_store(url="memory://") is None
    assert f0_context_store(url="redis://x") is None
    assert hooks.context_store("memory://").url == "memory://"


def test_a_context_persists_across_opens(tmp_path):
    url = f"sqlite:///{tmp_path}/ctx.db"
    ctx = Context(store=open_context_store(url))
    ctx.set("a", 1)
    ctx.set("b", {"c": [1.0, True]})
    ctx.set("a", 2)  # an update keeps the key's place
    ctx.set("z", None)
    ctx.delete("b")
    ctx.close()
    again = Context(store=open_context_store(url))
    assert again.keys() == ["a", "z"]
    assert again.to_dict() == {"a": 2, "z": None}
    again.close()


def test_a_batch_that_cannot_be_encoded_changes_nothing(tmp_path):
    """A batch lands whole or not at all: a bad value keeps the removals out too."""
    store = SqliteContextStore(tmp_path / "ctx.db")
    store.write({"keep": 1, "gone": 2}, ())
    with pytest.raises(TypeError):
        store.write({"ok": 3, "bad": object()}, ["gone"])
    assert dict(store.load()) == {"keep": 1, "gone": 2}
    store.close()
