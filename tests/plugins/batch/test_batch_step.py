"""``type: batch`` steps in recipes: partitions, pools, aggregation, checkpoints, errors."""

from __future__ import annotations

import json

import pytest
from f0 import RunStatus, StepStatus
from f0.testing import invoke_cli, write_project

from .conftest import side_effects


def recipe(*steps):
    return "metadata: {name: t}\nsteps:\n" + "".join(steps)


def batch(name, idx, fn, extra):
    return f"  - {{name: {name}, idx: {idx}, type: batch, module: work, function: {fn}, {extra}}}\n"


@pytest.mark.parametrize(
    ("fn", "how", "expected"),
    [
        ("double", "concat", [2, 4, 6, 8, 10, 12, 14]),
        ("double", "count", 7),
        ("double", "list", [[2, 4, 6], [8, 10, 12], [14]]),
        ("total", "sum", 28),
        ("total", "none", None),
    ],
)
def test_aggregations(run, fn, how, expected):
    result = run(
        recipe(
            batch("b", 1, fn, f"items: [1, 2, 3, 4, 5, 6, 7], partition_size: 3, aggregate: {how}")
        )
    )
    assert result.status is RunStatus.COMPLETED, result.steps
    report = result.context["b.result"]
    assert report["result"] == expected
    assert report["partitions"] == 3
    stats = report["stats"]
    assert (
        stats["total_items"],
        stats["processed_items"],
        stats["batches_completed"],
        stats["error_rate"],
    ) == (7, 7, 3, 0.0)


def test_process_pool_and_items_from_the_context(run, tmp_path):
    log = tmp_path / "log.txt"
    result = run(
        recipe(
            "  - {name: seed, idx: 1, module: seed, function: seed}\n",
            batch(
                "b",
                2,
                "double",
                f"items_from: nums, pool: process, workers: 2, partition_size: 2, args: {{log: '{log}'}}, depends_on: [seed], output_key: out",
            ),
        ),
        {"seed.py": "def seed(context, params):\n    context.set('nums', list(range(10)))\n"},
    )
    assert result.status is RunStatus.COMPLETED, result.steps
    assert result.context["out"]["result"] == [x * 2 for x in range(10)]
    assert side_effects(log) == {0: 1, 2: 1, 4: 1, 6: 1, 8: 1}


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("items.json", "[1, 2, 3]", [2, 4, 6]),
        ("items.txt", "a\n\nb\n", ["aa", "bb"]),
        ("items.csv", "x\n1\n2\n", [{"x": "1"}, {"x": "2"}]),
    ],
)
def test_items_files(run, name, text, expected):
    fn = "echo" if name.endswith(".csv") else "double"
    result = run(recipe(batch("b", 1, fn, f"items_file: {name}")), {name: text})
    assert result.status is RunStatus.COMPLETED, result.steps
    assert result.context["b.result"]["result"] == expected


def test_failed_partitions_fail_the_step_and_a_rerun_redoes_only_those(run, tmp_path):
    log, fixed = tmp_path / "log.txt", tmp_path / "fixed"
    step = batch(
        "b",
        1,
        "fragile",
        f"items: [1, 2, 3, 4, 5, 6], partition_size: 2, args: {{bad: [3, 6], log: '{log}', fixed: '{fixed}'}}",
    )
    first = run(recipe(step))
    b = first.steps["b"]
    assert b.status is StepStatus.FAILED
    assert b.error == (
        "2 of 3 partitions failed (checkpoint kept, a re-run redoes only those): "
        "partition 1: ValueError: cannot take [3, 4]; partition 2: ValueError: cannot take [5, 6]"
    )
    checkpoint = tmp_path / ".f0" / "batch" / "b.checkpoint.json"
    assert set(json.loads(checkpoint.read_text())["done"]) == {"0"}
    fixed.touch()
    second = run(recipe(step))
    assert second.status is RunStatus.COMPLETED, second.steps
    report = second.context["b.result"]
    assert report["result"] == [1, 2, 3, 4, 5, 6]
    assert report["stats"]["batches_resumed"] == 1
    assert side_effects(log) == {1: 1, 3: 1, 5: 1}
    assert not checkpoint.exists()  # removed once the batch is complete


def test_allow_failures(run, tmp_path):
    step = batch(
        "b",
        1,
        "fragile",
        f"items: [1, 2, 3], partition_size: 1, allow_failures: 1, args: {{bad: [2], log: '{tmp_path / 'l'}', fixed: '{tmp_path / 'no'}'}}",
    )
    result = run(recipe(step))
    assert result.status is RunStatus.COMPLETED, result.steps
    assert result.context["b.result"]["result"] == [1, 3]
    assert result.context["b.result"]["failures"] == {"1": "ValueError: cannot take [2]"}


def test_a_checkpoint_of_other_items_is_not_trusted(run, tmp_path):
    log = tmp_path / "log.txt"
    checkpoint = tmp_path / ".f0" / "batch" / "b.checkpoint.json"
    checkpoint.parent.mkdir(parents=True)
    checkpoint.write_text(
        json.dumps({"version": 1, "fingerprint": "other", "partitions": 2, "done": {"0": [99]}})
    )
    result = run(
        recipe(batch("b", 1, "double", f"items: [1, 2], partition_size: 1, args: {{log: '{log}'}}"))
    )
    assert result.context["b.result"]["result"] == [2, 4]
    assert (
        "other items, function or partition size; starting over"
        in result.context["b.result"]["note"]
    )
    checkpoint.write_text("{not json")
    result = run(
        recipe(batch("b", 1, "double", f"items: [1, 2], partition_size: 1, args: {{log: '{log}'}}"))
    )
    assert "unreadable" in result.context["b.result"]["note"]
    assert side_effects(log) == {1: 2, 2: 2}


@pytest.mark.parametrize(
    ("extra", "files", "expected"),
    [
        ("items_file: nope.json", {}, "'items_file': 'nope.json': no such file"),
        ("items_file: bad.json", {"bad.json": "[1,"}, "bad.json:1:4: not valid JSON"),
        ("items_file: obj.json", {"obj.json": "{}"}, "holds dict, not a list"),
        ("items_from: nothing", {}, "the context has no key 'nothing'"),
    ],
)
def test_bad_inputs_fail_the_step(run, extra, files, expected):
    result = run(recipe(batch("b", 1, "double", extra)), files)
    assert result.steps["b"].status is StepStatus.FAILED
    assert expected in (result.steps["b"].error or "")


def test_a_result_that_is_not_json_fails_its_partition(run):
    result = run(recipe(batch("b", 1, "not_json", "items: [1]")))
    assert "partition 0: TypeError: Object of type set is not JSON serializable" in (
        result.steps["b"].error or ""
    )


def test_validation_reports_positions(batch_hooks, tmp_path):
    write_project(
        tmp_path,
        {
            "work.py": "def f(items, params):\n    return items\n",
            "bad.yaml": """
            metadata: {name: bad}
            steps:
              - {name: a, idx: 1, type: batch, module: work, function: nope, items: []}
              - {name: b, idx: 2, type: batch, module: nomod, function: f, items: []}
              - {name: c, idx: 3, type: batch, items: []}
              - {name: d, idx: 4, type: batch, module: work, function: f}
              - {name: e, idx: 5, type: batch, module: work, function: f, items: 3, partition_size: 0, pool: gpu, aggregate: avg}
              - {name: f, idx: 6, type: batch, module: work, function: f, items_file: ../x.json, resume: maybe, args: [1]}
              - {name: g, idx: 7, type: batch, module: work, function: f, items: [1], workers: 100000000000000000000}
            """,
        },
    )
    out = invoke_cli(batch_hooks.pm, "validate", str(tmp_path / "bad.yaml"))
    assert out.exit_code == 2
    text = out.output
    assert "bad.yaml:3:60: step 'a': module 'work' has no function 'nope'" in text
    assert "bad.yaml:4:44: step 'b': cannot import module 'nomod'" in text
    assert "bad.yaml:5:5: step 'c': batch steps need 'module' and 'function'" in text
    assert (
        "bad.yaml:6:5: step 'd': batch steps need exactly one of 'items', 'items_from' and 'items_file'"
        in text
    )
    assert "step 'e': 'items' must be a list" in text
    assert "step 'e': 'partition_size' must be an integer >= 1" in text
    assert "step 'e': 'pool' must be thread or process, not 'gpu'" in text
    assert "step 'e': 'aggregate' must be one of concat, sum, count, list, none" in text
    assert "step 'f': 'items_file': '..' is not allowed in paths" in text
    assert "step 'f': 'resume' must be true or false" in text
    assert "step 'f': 'args' of a batch step must be a mapping" in text
    assert "step 'g': 'workers' must be an integer >= 1 and at most 1,000,000,000" in text
