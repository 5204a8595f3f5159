"""``scriptlets.framework``: Framework0's scriptlet API over f0's classes."""

from __future__ import annotations

import threading

import f0
import pytest
from orchestrator.context import Context
from scriptlets.framework import (
    SCRIPTLET_REGISTRY,
    BaseScriptlet,
    ComputeScriptlet,
    ExecutionContext,
    IOScriptlet,
    ScriptletConfig,
    ScriptletResult,
    create_compute_scriptlet,
    create_io_scriptlet,
    create_scriptlet,
    debug_trace,
    get_scriptlet_class,
    load_scriptlet_from_module,
    register_scriptlet,
    resource_monitor,
    retry_on_failure,
    validate_scriptlet_compliance,
)
from structlog.testing import capture_logs


class Adder(BaseScriptlet):
    """Add params a and b into the context."""

    def run(self, context, params):
        context.set("sum", params["a"] + params["b"], who=self.name)
        return 0


def test_the_classes_are_f0s():
    assert BaseScriptlet is f0.BaseScriptlet
    assert ComputeScriptlet is f0.ComputeScriptlet
    assert IOScriptlet is f0.IOScriptlet
    assert ExecutionContext is f0.ExecutionContext


def test_config_defaults():
    config = ScriptletConfig()
    assert (config.timeout_seconds, config.max_retries, config.retry_delay) == (300.0, 0, 1.0)
    assert ScriptletConfig(timeout_seconds=0, max_retries=-1).validate_configuration()


def test_execute_a_subclass():
    ctx = Context()
    scriptlet = Adder()
    result = scriptlet.execute(ctx, {"a": 1, "b": 2})
    assert isinstance(result, ScriptletResult)
    assert (result.success, result.exit_code) == (True, 0)
    assert ctx.get("sum") == 3
    assert result.context_changes == ["sum"]
    assert scriptlet.name == "Adder"
    assert scriptlet.get_execution_time() is not None
    assert scriptlet.check_paradigm()
    failed = scriptlet.execute(ctx, {"a": 1})  # KeyError inside run: a failed result
    assert (failed.success, failed.exit_code) == (False, 1)
    assert "KeyError" in failed.error_details
    assert scriptlet.execute(ctx, "not a dict").success is False


def test_register_and_look_up():
    @register_scriptlet
    class CompatRegistered(Adder):
        """Registered under its class name."""

    @register_scriptlet(name="compat_named")
    class Named(Adder):
        """Registered under a given name."""

    assert get_scriptlet_class("CompatRegistered") is CompatRegistered
    assert SCRIPTLET_REGISTRY["compat_named"] is Named
    assert get_scriptlet_class("no_such_scriptlet") is None
    with pytest.raises(TypeError):
        register_scriptlet(object)  # type: ignore[type-var]


def test_resource_monitor_fills_resource_usage():
    class Monitored(Adder):
        @resource_monitor(log_metrics=True)
        def execute(self, context, params=None):
            return super().execute(context, params)

    with capture_logs() as logs:
        result = Monitored().execute(Context(), {"a": 1, "b": 1})
    assert result.success
    assert {"wall_seconds", "cpu_seconds", "max_rss_kb"} <= set(result.resource_usage)
    assert result.resource_usage["max_rss_kb"] > 0
    assert [e["event"] for e in logs] == ["scriptlet.resources"]


def test_debug_trace_logs_captured_vars_and_reraises():
    @debug_trace(capture_vars=["params"])
    def step(context, params):
        if params.get("boom"):
            raise RuntimeError("boom")
        return params["x"]

    with capture_logs() as logs:
        assert step(None, {"x": 4}) == 4
        with pytest.raises(RuntimeError):
            step(None, {"boom": True})
    assert [e["event"] for e in logs] == [
        "scriptlet.enter",
        "scriptlet.exit",
        "scriptlet.enter",
        "scriptlet.raised",
    ]
    assert logs[0]["params"] == {"x": 4}


def test_retry_on_failure():
    calls = []

    @retry_on_failure(max_attempts=3, delay=0)
    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise OSError("disk hiccup")
        return "ok"

    assert flaky() == "ok"
    assert len(calls) == 3

    @retry_on_failure(max_attempts=2, delay=0, exceptions=(OSError,))
    def broken():
        calls.append(2)
        raise ValueError("not retried")

    with pytest.raises(ValueError, match="not retried"):
        broken()
    assert calls.count(2) == 1

    @retry_on_failure(max_attempts=2, delay=0)
    def always():
        raise OSError("still broken")

    with pytest.raises(OSError, match="still broken"):
        always()
    with pytest.raises(ValueError):
        retry_on_failure(max_attempts=0)
    with pytest.raises(ValueError):
        retry_on_failure(delay=-1)


def test_load_scriptlet_from_module(tmp_path, monkeypatch, write):
    write(
        "compat_mod_one.py",
        """
        from scriptlets.framework import BaseScriptlet

        class One(BaseScriptlet):
            def run(self, context, params):
                return 0
        """,
    )
    write(
        "compat_mod_two.py",
        """
        from scriptlets.framework import BaseScriptlet

        class A(BaseScriptlet):
            def run(self, context, params):
                return 0

        class B(A):
            pass
        """,
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert load_scriptlet_from_module("compat_mod_one").__name__ == "One"
    assert load_scriptlet_from_module("compat_mod_two", "B").__name__ == "B"
    with pytest.raises(ValueError, match="exactly one"):
        load_scriptlet_from_module("compat_mod_two")
    with pytest.raises(ValueError, match="not a BaseScriptlet"):
        load_scriptlet_from_module("compat_mod_two", "nope")
    with pytest.raises(ImportError):
        load_scriptlet_from_module("compat_no_such_module")


def test_validate_scriptlet_compliance():
    report = validate_scriptlet_compliance(Adder)
    assert report == {"compliant": True, "name": "Adder", "issues": [], "warnings": []}

    class Wrong(BaseScriptlet):
        def run(self, ctx, args):
            return 0

    bad = validate_scriptlet_compliance(Wrong())
    assert bad["compliant"] is False
    assert any("run must take (context, params)" in i for i in bad["issues"])
    assert "no class docstring" in bad["warnings"]

    class Abstract(BaseScriptlet):
        """No run."""

    assert validate_scriptlet_compliance(Abstract)["compliant"] is False
    assert validate_scriptlet_compliance(int)["issues"] == ["not a BaseScriptlet subclass"]  # type: ignore[arg-type]


def test_factories():
    double = create_compute_scriptlet("Double", lambda ctx, p: ctx.set("d", p["x"] * 2))
    assert issubclass(double, ComputeScriptlet)
    ctx = Context()
    assert double().execute(ctx, {"x": 21}).success
    assert ctx.get("d") == 42

    writer = create_io_scriptlet("Writer", lambda ctx, p: 0, register=True)
    assert issubclass(writer, IOScriptlet)
    assert get_scriptlet_class("Writer") is writer
    assert writer().execute(ctx, {"path": 3}).success is False  # IO params must be strings

    plain = create_scriptlet("Plain", lambda ctx, p: {"status": "error", "error": "nope"})
    result = plain().execute(ctx, {})
    assert (result.success, result.message) == (False, "nope")
    with pytest.raises(ValueError):
        create_scriptlet("not an identifier", lambda c, p: 0)
    with pytest.raises(TypeError):
        create_scriptlet("X", "not callable")  # type: ignore[arg-type]


def test_execution_context_in_dependency_order():
    ctx = Context()
    runner = ExecutionContext(ctx)
    runner.add_scriptlet(
        "second", create_scriptlet("Second", lambda c, p: c.set("b", c.get("sum") + 1))(), ["first"]
    )
    runner.add_scriptlet("first", Adder())
    assert runner.resolve_dependencies() == ["first", "second"]
    results = runner.execute_all({"first": {"a": 1, "b": 1}})
    assert all(r.success for r in results.values())
    assert ctx.get("b") == 3
    runner.add_scriptlet("loop", Adder(), ["loop"])
    with pytest.raises(ValueError, match="cycle"):
        runner.resolve_dependencies()


def test_one_scriptlet_class_from_many_threads():
    ctx = Context()

    class Counter(BaseScriptlet):
        """Each execution writes its own key."""

        def run(self, context, params):
            context.set(f"n.{params['i']}", params["i"])
            return 0

    results = []
    lock = threading.Lock()

    def work(i):
        result = Counter().execute(ctx, {"i": i})
        with lock:
            results.append(result.success)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [True] * 16
    assert sorted(ctx.get(f"n.{i}") for i in range(16)) == list(range(16))
