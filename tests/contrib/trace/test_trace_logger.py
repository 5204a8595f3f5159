"""TraceLoggerV2: inputs, outputs, timing, sessions, caps, files."""

from __future__ import annotations

import json

import pytest
from f0_trace import TraceLoggerV2


def test_trace_io_records_inputs_outputs_and_time(tmp_path):
    trace_file = tmp_path / "trace.jsonl"
    tl = TraceLoggerV2("t", debug=True, trace_file=trace_file)

    @tl.trace_io()
    def add(a: int, b: int = 0, **extra: object) -> dict[str, int]:
        return {"sum": a + b}

    with tl.trace_session("batch", job=1) as session:
        assert add(2, b=3, tag=object()) == {"sum": 5}
    (entry,) = tl.get_trace_entries()
    assert entry.function.endswith("add")
    assert entry.session_id == session
    assert entry.inputs["args"] == [2]
    assert entry.inputs["kwargs"]["b"] == 3
    assert entry.inputs["kwargs"]["tag"].startswith("<object object")  # repr of a non-JSON value
    assert entry.outputs == {"sum": 5}
    assert entry.duration_ms is not None
    assert entry.duration_ms >= 0
    (line,) = trace_file.read_text().splitlines()
    assert json.loads(line)["outputs"] == {"sum": 5}


def test_errors_are_recorded_and_reraised_and_io_can_be_off():
    tl = TraceLoggerV2("t", debug=False)  # io tracing follows debug: off

    @tl.trace_io(debug_level="info")
    def boom(secret: str) -> None:
        raise ValueError("bad")

    with pytest.raises(ValueError, match="bad"):
        boom("hunter2")
    (entry,) = tl.get_trace_entries()
    assert entry.error == "ValueError: bad"
    assert entry.inputs is None
    assert entry.outputs is None
    assert entry.debug_level == "INFO"
    assert "hunter2" not in json.dumps(entry.to_dict())

    quiet = TraceLoggerV2("q", enable_io_tracing=False, enable_timing=False)
    assert quiet.trace_io()(lambda: 1)() == 1
    assert quiet.get_trace_entries() == []


def test_entries_are_capped_and_exported_atomically(tmp_path):
    tl = TraceLoggerV2("t", enable_io_tracing=True, max_trace_entries=3)
    square = tl.trace_io(include_inputs=False)(lambda x: x * x)
    for n in range(5):
        square(n)
    assert [e.outputs for e in tl.get_trace_entries()] == [4, 9, 16]
    path = tl.export_traces(tmp_path / "out" / "traces.json")
    data = json.loads(path.read_text())
    assert data["trace_logger"] == "t"
    assert [e["outputs"] for e in data["entries"]] == [4, 9, 16]
    assert all(e["inputs"] is None for e in data["entries"])
    assert [p.name for p in path.parent.iterdir()] == ["traces.json"]  # no temp file left


def test_bad_options_are_clear_errors():
    with pytest.raises(ValueError, match="max_trace_entries"):
        TraceLoggerV2("t", max_trace_entries=0)
    with pytest.raises(ValueError, match="debug_level"):
        TraceLoggerV2("t").trace_io(debug_level="LOUD")
