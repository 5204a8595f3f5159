"""RequestTracerV2: nesting per thread, caps, run ids, failures."""

from __future__ import annotations

import threading

import pytest
from f0.log import run_log_context
from f0_trace import RequestTracerV2


def test_spans_nest_and_form_a_tree():
    tracer = RequestTracerV2("t", debug=False)
    with tracer.trace_request("load", source="api") as cid:
        with (
            tracer.trace_span("fetch", component="http") as fetch,
            tracer.trace_span("parse") as parse,
        ):
            pass
        with tracer.trace_span("store") as store:
            pass
    trace = tracer.get_request(cid)
    assert trace is not None
    assert trace.status == "completed"
    assert trace.duration is not None
    assert trace.spans[parse].parent_span_id == fetch
    assert trace.spans[store].parent_span_id is None
    assert trace.spans[fetch].component == "http"
    tree = trace.get_span_tree()
    assert [n["operation"] for n in tree] == ["fetch", "store"]
    assert [c["operation"] for c in tree[0]["children"]] == ["parse"]
    assert all(s.status == "completed" and s.duration is not None for s in trace.spans.values())
    assert tracer.get_active_requests() == []


def test_spans_of_different_threads_do_not_mix():
    tracer = RequestTracerV2("t", debug=False)
    cid = tracer.start_request("parallel")
    barrier = threading.Barrier(4)
    outer: dict[int, str] = {}
    inner: dict[int, str] = {}

    def work(n: int) -> None:
        with tracer.trace_span(f"outer{n}", correlation_id=cid) as o:
            outer[n] = o
            barrier.wait()  # every thread has its outer span open before any inner starts
            with tracer.trace_span(f"inner{n}", correlation_id=cid) as i:
                inner[n] = i
                barrier.wait()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    trace = tracer.complete_request(cid)
    for n in range(4):
        assert trace.spans[inner[n]].parent_span_id == outer[n]
        assert trace.spans[outer[n]].parent_span_id is None
    assert len({trace.spans[outer[n]].thread for n in range(4)}) == 4
    assert tracer.current_span() is None


def test_completed_requests_are_capped_oldest_dropped():
    tracer = RequestTracerV2("t", debug=False, max_completed_requests=3)
    ids = [tracer.complete_request(tracer.start_request(f"r{n}")).correlation_id for n in range(5)]
    assert [t.correlation_id for t in tracer.get_completed_requests()] == ids[2:]
    assert tracer.get_request(ids[0]) is None


def test_active_cap_and_stale_cleanup_abandon_requests():
    tracer = RequestTracerV2("t", debug=False, max_active_requests=2, auto_cleanup_interval=60)
    first = tracer.start_request("a")
    tracer.start_request("b")
    tracer.start_request("c")
    assert tracer.get_request(first).status == "abandoned"
    assert len(tracer.get_active_requests()) == 2
    start = max(t.start_time for t in tracer.get_active_requests())
    assert tracer.cleanup_stale_requests(now=start + 61) == 2
    assert tracer.get_active_requests() == []


def test_failures_are_recorded_and_reraised():
    tracer = RequestTracerV2("t", debug=False)
    with (
        pytest.raises(ZeroDivisionError),
        tracer.trace_request("boom") as cid,
        tracer.trace_span("div"),
    ):
        1 / 0  # noqa: B018
    trace = tracer.get_request(cid)
    assert trace.status == "failed"
    assert "ZeroDivisionError" in trace.error
    (span,) = trace.spans.values()
    assert span.status == "failed"


def test_trace_function_opens_a_request_when_none_is_open():
    tracer = RequestTracerV2("t", debug=False)

    @tracer.trace_function(component="calc")
    def double(x: int) -> int:
        return 2 * x

    assert double(4) == 8
    (trace,) = tracer.get_completed_requests()
    (span,) = trace.spans.values()
    assert span.component == "calc"
    assert span.operation.endswith("double")


def test_start_span_without_a_request_is_a_clear_error():
    tracer = RequestTracerV2("t", debug=False)
    with pytest.raises(RuntimeError, match="no active request"):
        tracer.start_span("orphan")
    with pytest.raises(ValueError, match="max_completed_requests"):
        RequestTracerV2("t", max_completed_requests=0)


def test_inside_a_run_requests_take_the_run_correlation_id(capsys):
    tracer = RequestTracerV2("t", debug=True)
    with run_log_context("run-1", "recipe", "corr-7"):
        first = tracer.start_request("a")
        second = tracer.start_request("b")  # same run, still open: a distinct id
        span = tracer.start_span("s", correlation_id=first)
    assert first == "corr-7"
    assert second == "corr-7:2"
    trace = tracer.get_request(first)
    assert trace.run_ids == {"run_id": "run-1", "recipe": "recipe", "correlation_id": "corr-7"}
    assert trace.spans[span].run_ids["run_id"] == "run-1"
    assert tracer.start_request("outside") not in {first, second}


def test_debug_follows_the_environment(monkeypatch):
    monkeypatch.delenv("DEBUG", raising=False)
    monkeypatch.delenv("F0_DEBUG", raising=False)
    assert RequestTracerV2("t").debug is False
    monkeypatch.setenv("F0_DEBUG", "1")
    assert RequestTracerV2("t").debug is True
    assert RequestTracerV2("t", debug=False).debug is False


def test_a_span_completed_on_another_thread_is_no_parent():
    tracer = RequestTracerV2("t", debug=False)
    cid = tracer.start_request("r")
    first = tracer.start_span("first")
    closer = threading.Thread(target=tracer.complete_span, args=(first,))
    closer.start()
    closer.join()
    second = tracer.start_span("second")
    assert tracer.get_request(cid).spans[second].parent_span_id is None


def test_a_request_completed_on_another_thread_is_not_current():
    tracer = RequestTracerV2("t", debug=False)
    cid = tracer.start_request("r")
    closer = threading.Thread(target=tracer.complete_request, args=(cid,))
    closer.start()
    closer.join()
    assert tracer.current_request() is None
    with pytest.raises(RuntimeError, match="no active request"):
        tracer.start_span("late")
