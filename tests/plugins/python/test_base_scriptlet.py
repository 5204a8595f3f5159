"""f0_python.scriptlets: the BaseScriptlet lifecycle, config, result, registry and helpers."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import f0
import pytest
from f0_python.scriptlets import (
    BaseScriptlet,
    ComputeScriptlet,
    ExecutionContext,
    IOScriptlet,
    ScriptletCategory,
    ScriptletConfig,
    ScriptletResult,
    ScriptletState,
    get_scriptlet,
    list_scriptlets,
    register_scriptlet,
    unregister_scriptlet,
)


class Recording(BaseScriptlet):
    """Records its lifecycle in ``events``."""

    version = "2.1"

    def __init__(self, config=None, *, result=0, valid=True, fail=None):
        super().__init__(config)
        self.events = []
        self.result = result
        self.valid = valid
        self.fail = fail

    def validate_custom(self, context, params):
        self.events.append(("validate", self.state))
        if not self.valid:
            self.validation_errors.append("n must be positive")
        return self.valid

    def run(self, context, params):
        self.events.append(("run", self.state, self.is_executing))
        context.set("ran", params.get("n", 0))
        if self.fail:
            raise self.fail
        return self.result


def hooks_config(events):
    return ScriptletConfig(
        pre_execution_hooks=[lambda s, c, p: events.append(("pre", s.state))],
        post_execution_hooks=[lambda s, c, p, r: events.append(("post", r.success))],
        error_handlers=[lambda s, e, c, p: events.append(("error", type(e).__name__))],
    )


def step_context():
    return f0.StepContext({"old": 1}, who="test")


def test_config_defaults_and_validation():
    config = ScriptletConfig()
    assert (config.timeout_seconds, config.max_retries, config.retry_delay) == (300.0, 0, 1.0)
    assert config.memory_limit_mb is None
    assert (config.enable_monitoring, config.enable_debugging, config.enable_profiling) == (
        True,
        False,
        False,
    )
    assert config.pre_execution_hooks == config.post_execution_hooks == config.error_handlers == []
    assert config.validate_configuration() == []
    bad = ScriptletConfig(
        timeout_seconds=0, max_retries=-1, retry_delay=-1, memory_limit_mb=0, error_handlers=[3]
    )
    assert bad.validate_configuration() == [
        "timeout_seconds must be > 0, not 0",
        "max_retries must be >= 0, not -1",
        "retry_delay must be >= 0, not -1",
        "memory_limit_mb must be > 0, not 0",
        "error_handlers[0] is not callable: 3",
    ]


def test_result_to_dict_has_the_legacy_fields():
    result = ScriptletResult(success=True, data={"a": 1})
    assert result.to_dict() == {
        "success": True,
        "exit_code": 0,
        "message": "",
        "data": {"a": 1},
        "metrics": {},
        "context_changes": [],
        "duration": 0.0,
        "error_details": None,
        "validation_errors": [],
        "resource_usage": {},
    }
    json.dumps(result.to_dict())


def test_execute_lifecycle_order_and_result():
    events = []
    scriptlet = Recording(hooks_config(events))
    scriptlet.events = events
    context = step_context()
    result = scriptlet.execute(context, {"n": 3})
    assert events == [
        ("validate", ScriptletState.VALIDATING),
        ("pre", ScriptletState.VALIDATING),
        ("run", ScriptletState.EXECUTING, True),
        ("post", True),
    ]
    assert result.success
    assert result.exit_code == 0
    assert result.context_changes == ["ran"]
    assert result.duration > 0
    assert scriptlet.state is ScriptletState.COMPLETED
    assert not scriptlet.is_executing
    assert scriptlet.execution_duration == result.duration == scriptlet.get_execution_time()


def test_execute_run_returning_non_zero_fails():
    scriptlet = Recording(result=3)
    result = scriptlet.execute(step_context(), {})
    assert (result.success, result.exit_code, result.message) == (False, 3, "exit code 3")
    assert scriptlet.state is ScriptletState.FAILED


def test_execute_run_returning_a_dict_becomes_data():
    result = Recording(result={"status": "ok", "rows": 2}).execute(step_context(), {})
    assert result.success
    assert result.data == {"status": "ok", "rows": 2}


def test_validate_false_fails_without_running():
    events = []
    scriptlet = Recording(hooks_config(events), valid=False)
    result = scriptlet.execute(step_context(), {"n": -1})
    assert not result.success
    assert result.exit_code == 1
    assert result.validation_errors == ["n must be positive"]
    assert result.error_details == (
        "ValueError: validation failed for scriptlet 'Recording': n must be positive"
    )
    assert events == [("error", "ValueError")]  # no pre hook, no run, no post hook
    assert scriptlet.state is ScriptletState.FAILED


def test_non_dict_params_fail_validation():
    result = Recording().execute(step_context(), ["a"])  # type: ignore[arg-type]
    assert not result.success
    assert result.validation_errors == ["params must be a dict, not list"]


def test_exception_goes_to_error_handlers_and_a_failed_result():
    events = []
    seen = []
    config = hooks_config(events)
    config.error_handlers.append(lambda s, e, c, p: seen.append(e))
    scriptlet = Recording(config, fail=RuntimeError("disk full"))
    result = scriptlet.execute(step_context(), {})
    assert events[-1] == ("error", "RuntimeError")
    assert ("post", True) not in events
    assert isinstance(seen[0], RuntimeError)
    assert (result.success, result.exit_code, result.message) == (False, 1, "disk full")
    assert result.error_details == "RuntimeError: disk full"
    assert result.traceback is not None
    assert "raise self.fail" in result.traceback
    assert result.context_changes == ["ran"]


def test_a_failing_error_handler_does_not_hide_the_error():
    def broken(s, e, c, p):
        raise KeyError("handler bug")

    scriptlet = Recording(ScriptletConfig(error_handlers=[broken]), fail=RuntimeError("real"))
    scriptlet.logger = _ListLogger()
    result = scriptlet.execute(step_context(), {})
    assert result.error_details == "RuntimeError: real"
    assert scriptlet.logger.events == ["scriptlet.error_handler_failed"]


class _ListLogger:
    def __init__(self):
        self.events = []

    def warning(self, event, **kw):
        self.events.append(event)


def test_context_changes_with_a_run_context():
    context = f0.Context()
    result = Recording().execute(context, {"n": 5})
    assert result.context_changes == ["ran"]
    assert context.get("ran") == 5


def test_introspection():
    scriptlet = Recording()
    assert scriptlet.execution_duration is None
    assert scriptlet.name == "Recording"
    assert scriptlet.version == "2.1"
    assert scriptlet.get_category() is ScriptletCategory.GENERAL
    assert scriptlet.get_capabilities() == []
    scriptlet.execute(step_context(), {})
    meta = scriptlet.get_metadata()
    assert meta["name"] == "Recording"
    assert meta["version"] == "2.1"
    assert meta["category"] == "general"
    assert meta["execution_count"] == 1
    assert meta["description"] == "Records its lifecycle in ``events``."
    json.dumps(meta)
    assert scriptlet.check_paradigm()
    assert repr(scriptlet) == "<Recording name='Recording' state=COMPLETED>"


def test_check_paradigm_rejects_a_wrong_run_signature():
    class Odd(BaseScriptlet):
        def run(self, ctx, p):
            return 0

    assert not Odd().check_paradigm()


def test_name_attribute_and_logger():
    class Named(BaseScriptlet):
        name = "loader"

        def run(self, context, params):
            self.logger.info("loader.ran")
            return 0

    scriptlet = Named()
    assert scriptlet.name == "loader"
    assert scriptlet.version == "1.0.0"
    assert hasattr(scriptlet.logger, "info")
    assert scriptlet.execute(step_context(), {}).success


def test_base_scriptlet_is_abstract():
    with pytest.raises(TypeError):
        BaseScriptlet()  # type: ignore[abstract]


def test_from_value_rules():
    assert ScriptletResult.from_value(0).success
    assert ScriptletResult.from_value(None).success
    assert ScriptletResult.from_value("x").success
    assert ScriptletResult.from_value(False).exit_code == 1
    assert not ScriptletResult.from_value({"status": "Error"}).success
    same = ScriptletResult(success=True)
    assert ScriptletResult.from_value(same) is same


# -- specialisations -------------------------------------------------------------


class Copier(IOScriptlet):
    def run(self, context, params):
        return 0


class Summer(ComputeScriptlet):
    def run(self, context, params):
        return {"sum": sum(params["values"])}


def test_io_scriptlet_checks_path_params():
    assert Copier().get_category() is ScriptletCategory.IO
    ok = Copier().execute(step_context(), {"path": "a.txt", "output_file": Path("b"), "count": 3})
    assert ok.success
    bad = Copier().execute(step_context(), {"input_path": 3, "dir": None})
    assert not bad.success
    assert bad.validation_errors == ["param 'input_path' must be a path string, not int"]


def test_compute_scriptlet():
    summer = Summer()
    assert summer.get_category() is ScriptletCategory.COMPUTE
    assert summer.get_capabilities() == ["compute"]
    assert summer.config.enable_profiling
    assert summer.execute(step_context(), {"values": [1, 2]}).data == {"sum": 3}


# -- registry ----------------------------------------------------------------------


@pytest.fixture
def registry_names():
    names = []
    yield names
    for name in names:
        unregister_scriptlet(name)


def test_register_scriptlet(registry_names):
    registry_names += ["F0TestA", "f0-test-b"]

    @register_scriptlet
    class F0TestA(BaseScriptlet):
        def run(self, context, params):
            return 0

    @register_scriptlet(name="f0-test-b")
    class Other(BaseScriptlet):
        def run(self, context, params):
            return 0

    assert get_scriptlet("F0TestA") is F0TestA
    assert list_scriptlets()["f0-test-b"] is Other
    with pytest.raises(KeyError, match="no scriptlet registered as 'nope'"):
        get_scriptlet("nope")


def test_register_duplicate_name_replaces_with_a_warning(registry_names):
    registry_names.append("f0-test-dup")

    @register_scriptlet(name="f0-test-dup")
    class First(BaseScriptlet):
        def run(self, context, params):
            return 0

    with pytest.warns(UserWarning, match="f0-test-dup"):

        @register_scriptlet(name="f0-test-dup")
        class Second(BaseScriptlet):
            def run(self, context, params):
                return 0

    assert get_scriptlet("f0-test-dup") is Second


def test_reregistering_the_same_class_does_not_warn(registry_names):
    registry_names.append("F0Same")

    def make():
        class F0Same(BaseScriptlet):
            def run(self, context, params):
                return 0

        return F0Same

    register_scriptlet(make())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        register_scriptlet(make())  # a module imported again: same module and qualname


# -- ExecutionContext --------------------------------------------------------------


def test_execution_context_runs_in_dependency_order():
    ctx = ExecutionContext()
    events = []
    for name in ("c", "a", "b"):
        scriptlet = Recording()
        scriptlet.events = events
        scriptlet.name = name
        ctx.add_scriptlet(name, scriptlet, {"c": ["a", "b"], "b": ["a"]}.get(name))
    assert ctx.resolve_dependencies() == ["a", "b", "c"]
    results = ctx.execute_all({"a": {"n": 1}})
    assert all(r.success for r in results.values())
    assert ctx.context.get("ran") == 0


def test_execution_context_skips_dependants_of_a_failure_and_detects_cycles():
    ctx = ExecutionContext(f0.Context())
    ctx.add_scriptlet("a", Recording(result=1))
    ctx.add_scriptlet("b", Recording(), ["a"])
    results = ctx.execute_all()
    assert results["b"].message == "skipped: dependency 'a' failed"
    cyclic = ExecutionContext()
    cyclic.add_scriptlet("x", Recording(), ["y"])
    cyclic.add_scriptlet("y", Recording(), ["x"])
    with pytest.raises(ValueError, match="cycle"):
        cyclic.resolve_dependencies()
    unknown = ExecutionContext()
    unknown.add_scriptlet("x", Recording(), ["ghost"])
    with pytest.raises(ValueError, match="unknown 'ghost'"):
        unknown.resolve_dependencies()
