"""Loading and checking graphs: every problem at once, at its file:line:col, before anything runs."""

from __future__ import annotations

import json

import pytest
from f0_stepengine import GraphError, GraphValidationError, load_graph, to_dot

from .conftest import node_module

GOOD = """
name: demo
step_node_graph_dict:
  a:
    first_node_step_bool: 1
  b: {}
step_arrow_graph_dict:
  a:
    next_step: b
"""


def _problems(root, name="graph.yaml"):
    with pytest.raises(GraphValidationError) as info:
        load_graph(root / name)
    return [str(p) for p in info.value.problems if p.is_error]


def test_a_good_graph(project):
    root = project(
        {"graph.yaml": GOOD, "a.py": node_module("a", '"next_step"'), "b.py": node_module("b")}
    )
    graph = load_graph(root / "graph.yaml")
    assert graph.name == "demo"
    assert graph.start.name == "a"
    assert list(graph.nodes) == ["a", "b"]
    assert graph.nodes["a"].module == "a"
    assert graph.nodes["b"].class_name == "b"
    assert graph.arrows["a"]["next_step"].target == "b"
    assert graph.library == root
    assert graph.max_steps == 10_000
    assert graph.classes["a"].__name__ == "a"
    assert graph.problems == ()


def test_unknown_nodes_in_arrows(project):
    root = project(
        {
            "graph.yaml": """
            step_node_graph_dict:
              a: {first_node_step_bool: 1}
              b: {}
            step_arrow_graph_dict:
              a:
                to_b: b
                to_c: {arrow_step_name_string: cc}
              bb:
                back: a
            """,
            "a.py": node_module("a"),
            "b.py": node_module("b"),
        }
    )
    path = root / "graph.yaml"
    assert _problems(root) == [
        f"{path}:7:36: arrow 'to_c' of 'a' points to unknown node 'cc'",
        f"{path}:8:3: arrows from unknown node 'bb'; did you mean 'b'?",
    ]


def test_no_start_node_and_two_start_nodes(project):
    files = {"a.py": node_module("a"), "b.py": node_module("b")}
    root = project({**files, "graph.yaml": "step_node_graph_dict:\n  a: {}\n  b: {}\n"})
    assert _problems(root) == [
        f"{root / 'graph.yaml'}:1:1: no start node: set first_node_step_bool: 1 on one node"
    ]
    root = project(
        {
            **files,
            "graph.yaml": "step_node_graph_dict:\n"
            "  a: {first_node_step_bool: 1}\n"
            "  b: {first_node_step_bool: 1}\n"
            "step_arrow_graph_dict: {a: {x: b}}\n",
        }
    )
    assert _problems(root) == [
        f"{root / 'graph.yaml'}:3:29: node 'b': a second start node (the first is 'a')"
    ]


def test_unreachable_nodes(project):
    root = project(
        {
            "graph.yaml": """
            step_node_graph_dict:
              a: {first_node_step_bool: 1}
              b: {}
              c: {}
              d: {}
            step_arrow_graph_dict:
              a: {go: b}
              c: {go: d}
            """,
            **{f"{n}.py": node_module(n) for n in "abcd"},
        }
    )
    path = root / "graph.yaml"
    assert _problems(root) == [
        f"{path}:4:3: node 'c' cannot be reached from the start node 'a'",
        f"{path}:5:3: node 'd' cannot be reached from the start node 'a'",
    ]


def test_node_code_that_cannot_be_imported(project):
    root = project(
        {
            "graph.yaml": """
            step_node_graph_dict:
              a: {first_node_step_bool: 1, module_name_string: missing_mod}
              b: {module_name_string: broken}
              c: {module_name_string: bad_syntax}
              d: {module_name_string: no_class}
              e: {module_name_string: no_methods}
              f: {module_name_string: needs_missing}
            step_arrow_graph_dict:
              a: {b: b, c: c, d: d, e: e, f: f}
            """,
            "broken.py": "x = 1 / 0\n",
            "bad_syntax.py": "def (:\n",
            "no_class.py": "def no_class():\n    pass\n",
            "no_methods.py": "class no_methods:\n    def step_entry(self):\n        return 0\n",
            "needs_missing.py": "import not_installed_anywhere\n",
        }
    )
    path = root / "graph.yaml"
    problems = _problems(root)
    assert problems[0] == (
        f"{path}:2:52: node 'a': cannot import module 'missing_mod': no module 'missing_mod' "
        f"(searched: {root}, then sys.path)"
    )
    assert problems[1].startswith(
        f"{path}:3:27: node 'b': importing module 'broken' failed: ZeroDivisionError: division by zero (at "
    )
    assert problems[1].endswith("broken.py:1)")
    assert problems[2].startswith(
        f"{path}:4:27: node 'c': importing module 'bad_syntax' failed: SyntaxError"
    )
    assert problems[3] == f"{path}:5:27: node 'd': module 'no_class' has no class 'no_class'"
    assert problems[4] == (
        f"{path}:6:27: node 'e': class 'no_methods' has no method step_execute, step_advance"
    )
    assert problems[5] == (
        f"{path}:7:27: node 'f': cannot import module 'needs_missing': importing it failed: "
        "No module named 'not_installed_anywhere'"
    )
    assert len(problems) == 6  # unreachability is not guessed while arrows are unknown


def test_bad_values_and_unknown_keys(project):
    root = project(
        {
            "graph.yaml": """
            max_steps: 0
            colour: red
            step_node_graph_dict:
              a:
                first_node_step_bool: 1
                active_node_step_bool: 2
                node_step_name_string: not_a
                shoe_size: 9
              b: {node_entry_breakpoint: "yes"}
            step_arrow_graph_dict:
              a:
                go: {arrow_step_name_string: b, module_name_string: other, active_arrow_step_bool: -1, speed: 3}
                bad: 7
            """,
            "a.py": node_module("a"),
            "b.py": node_module("b"),
        }
    )
    path = root / "graph.yaml"
    with pytest.raises(GraphValidationError) as info:
        load_graph(path)
    lines = [str(p) for p in info.value.problems]
    assert lines == [
        f"{path}:1:12: 'max_steps' must be an integer >= 1",
        f"{path}:2:1: warning: unknown key 'colour' (ignored)",
        f"{path}:6:28: active_node_step_bool must be 0 or 1, not 2",
        f"{path}:7:28: node 'a': node_step_name_string is 'not_a'; it must equal the node's key",
        f"{path}:8:5: warning: node 'a': unknown key 'shoe_size' (ignored)",
        f"{path}:9:30: node_entry_breakpoint must be 0 or 1, not 'yes'",
        f"{path}:12:57: arrow 'go' of 'a': module_name_string 'other' is not the module of 'b' ('b')",
        f"{path}:12:88: active_arrow_step_bool must be 0 or 1, not -1",
        f"{path}:12:92: warning: arrow 'go': unknown key 'speed' (ignored)",
        f"{path}:13:10: arrow 'bad' of 'a' must be a mapping or a node name",
    ]
    # The message has every problem, one per line, for the CLI.
    assert str(info.value).splitlines() == lines


def test_library_folder(project):
    root = project(
        {
            "graph.yaml": "library: nodes\n" + GOOD.lstrip(),
            "nodes/a.py": node_module("a"),
            "nodes/b.py": node_module("b"),
        }
    )
    assert load_graph(root / "graph.yaml").library == root / "nodes"
    root = project({"g2.yaml": "library: nowhere\n" + GOOD.lstrip()})
    assert _problems(root, "g2.yaml") == [
        f"{root / 'g2.yaml'}:1:10: library folder {root / 'nowhere'} does not exist"
    ]


def test_json_graphs_have_positions_too(project):
    graph = {
        "step_node_graph_dict": {"a": {"first_node_step_bool": 1}, "b": {}},
        "step_arrow_graph_dict": {"a": {"next": {"arrow_step_name_string": "zz"}}},
    }
    root = project(
        {
            "graph.json": json.dumps(graph, indent=2),
            "a.py": node_module("a"),
            "b.py": node_module("b"),
        }
    )
    path = root / "graph.json"
    assert _problems(root, "graph.json") == [
        f"{path}:6:5: node 'b' cannot be reached from the start node 'a'",
        f"{path}:11:35: arrow 'next' of 'a' points to unknown node 'zz'",
    ]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("g.yaml", "step_node_graph_dict:\n  a: [1\n", "g.yaml:3:1: invalid YAML"),
        ("g.json", '{"step_node_graph_dict": {"a": {]}}', "g.json:1:33: invalid JSON"),
        ("g.yaml", "", "g.yaml:1:1: a graph file must be a mapping"),
        ("g.yaml", "- a\n- b\n", "g.yaml:1:1: a graph file must be a mapping"),
        ("g.yaml", "name: x\n", "g.yaml:1:1: step_node_graph_dict must be a mapping"),
        (
            "g.yaml",
            "step_node_graph_dict: []\n",
            "g.yaml:1:23: step_node_graph_dict must be a mapping",
        ),
        ("g.yaml", "step_node_graph_dict: {a: 5}\n", "g.yaml:1:27: node 'a' must be a mapping"),
    ],
)
def test_unreadable_graphs(project, name, text, message):
    root = project({name: text})
    with pytest.raises((GraphError, GraphValidationError)) as info:
        load_graph(root / name)
    assert str(info.value).startswith(
        str(root / message.split(":", 1)[0]) + ":" + message.split(":", 1)[1]
    )
    assert info.value.exit_code == 2


def test_missing_graph_file(tmp_path):
    with pytest.raises(GraphError, match="graph file does not exist"):
        load_graph(tmp_path / "none.yaml")


def test_arrows_from_the_node_class(project):
    root = project(
        {
            "graph.yaml": "step_node_graph_dict:\n  a: {first_node_step_bool: 1}\n  b: {}\n",
            "a.py": node_module("a", '"next_step"')
            + "    step_arrow_graph_dict = {'next_step': {'arrow_step_name_string': 'b', 'active_arrow_step_bool': 1}}\n",
            "b.py": node_module("b")
            + "    step_arrow_graph_dict = {'oops': {'arrow_step_name_string': 'nobody'}}\n",
        }
    )
    path = root / "graph.yaml"
    assert _problems(root) == [
        f"{path}:3:3: arrow 'oops' of 'b' points to unknown node 'nobody' (in b.step_arrow_graph_dict)"
    ]


def test_same_module_names_in_two_libraries(project, tmp_path):
    root = project({"graph.yaml": GOOD, "a.py": node_module("a"), "b.py": node_module("b")})
    other = tmp_path / "other"
    other.mkdir()
    (other / "graph.yaml").write_text(GOOD, encoding="utf-8")
    (other / "a.py").write_text(node_module("a") + "    marker = 'other'\n", encoding="utf-8")
    (other / "b.py").write_text(node_module("b"), encoding="utf-8")
    first = load_graph(root / "graph.yaml")
    second = load_graph(other / "graph.yaml")
    assert not hasattr(first.classes["a"], "marker")
    assert second.classes["a"].marker == "other"


def test_dot_export(project):
    root = project(
        {
            "graph.yaml": GOOD
            + "    off: {arrow_step_name_string: a, active_arrow_step_bool: 0}\n",
            "a.py": node_module("a"),
            "b.py": node_module("b"),
        }
    )
    dot = to_dot(load_graph(root / "graph.yaml"))
    assert dot.splitlines() == [
        'digraph "demo" {',
        '    "a" ["label"="a", "penwidth"="2"];',
        '    "b" ["label"="b"];',
        '    "a" -> "b" ["label"="next_step"];',
        '    "a" -> "a" ["label"="off", "style"="dashed"];',
        "}",
    ]
