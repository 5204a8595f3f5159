from __future__ import annotations

import pytest
from f0.hooks import Hooks
from f0.testing import ContextStoreContract, make_test_plugin_manager
from f0_context import MemoryStore


class TestMemoryStore(ContextStoreContract):
    @pytest.fixture
    def store(self):
        return MemoryStore("memory://")


class TestSharedMemoryStoreThroughTheHook(ContextStoreContract):
    @pytest.fixture
    def store(self, request):
        hooks = Hooks(make_test_plugin_manager(("context",)))
        # A unique name per test: named stores live as long as the process.
        return hooks.context_store(f"memory://{request.node.name}")


def test_plain_memory_urls_are_private():
    hooks = Hooks(make_test_plugin_manager(("context",)))
    one = hooks.context_store("memory://")
    two = hooks.context_store("memory://")
    one.write({"a": 1}, ())
    assert dict(two.load()) == {}


def test_named_memory_urls_are_shared():
    hooks = Hooks(make_test_plugin_manager(("context",)))
    one = hooks.context_store("memory://shared-test")
    one.write({"a": 1}, ())
    assert dict(hooks.context_store("memory://shared-test").load()) == {"a": 1}


def test_other_schemes_are_not_ours():
    pm = make_test_plugin_manager(("context",))
    assert pm.hook.f0_context_store(url="sqlite:///x.db") is None
