"""The recipe graph: layered layout, and f0 graph in every format, dot and built-in."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from f0_analytics._graph import Dag, Node, layout
from f0_analytics._render_graph import to_dot, to_mermaid
from f0_analytics._svg_dag import dag_svg
from hypothesis import given
from hypothesis import strategies as st

from tests.plugins.analytics.support import write_recipe

F0 = Path(sys.executable).with_name("f0")
SVG = "{http://www.w3.org/2000/svg}"


@st.composite
def dags(draw: st.DrawFn) -> Dag:
    """Random DAGs: each step may depend on any earlier one."""
    n = draw(st.integers(min_value=1, max_value=30))
    nodes = []
    for i in range(n):
        deps = draw(st.sets(st.integers(min_value=0, max_value=i - 1), max_size=3)) if i else set()
        nodes.append(Node(name=f"s{i}", idx=i, depends_on=tuple(f"s{d}" for d in sorted(deps))))
    return Dag(name="random", nodes=tuple(nodes))


def _longest_path(dag: Dag) -> dict[str, int]:
    depth: dict[str, int] = {}
    for node in dag.nodes:  # dependencies come first in these DAGs
        depth[node.name] = max((depth[d] + 1 for d in node.depends_on), default=0)
    return depth


@given(dags())
def test_layout_puts_every_step_after_its_dependencies(dag: Dag) -> None:
    where = layout(dag)
    assert where.layer == _longest_path(dag)
    for src, dst in dag.edges:
        assert where.layer[src] < where.layer[dst]
    # every step exactly once, rows 0..k-1 in each layer
    placed = [name for layer in where.layers for name in layer]
    assert sorted(placed) == sorted(n.name for n in dag.nodes)
    for layer in where.layers:
        assert sorted(where.row[n] for n in layer) == list(range(len(layer)))


@given(dags())
def test_builtin_svg_draws_each_step_and_edge(dag: Dag) -> None:
    root = ET.fromstring(dag_svg(dag))
    nodes = root.findall(f".//{SVG}g[@class='node']")
    assert sorted(n.get("data-step") for n in nodes) == sorted(n.name for n in dag.nodes)
    edges = root.findall(f".//{SVG}path[@class='edge']")
    assert sorted((e.get("data-from"), e.get("data-to")) for e in edges) == sorted(dag.edges)


def test_dot_and_mermaid_texts() -> None:
    dag = Dag(
        name='we "quote"',
        nodes=(
            Node(name="a", idx=1),
            Node(name='b "x"', idx=2, depends_on=("a",), status="FAILED"),
        ),
    )
    dot = to_dot(dag)
    assert dot.startswith('digraph "we \\"quote\\"" {')
    assert '"a" -> "b \\"x\\"";' in dot
    assert 'fillcolor="#DC143C"' in dot
    mermaid = to_mermaid(dag).splitlines()
    assert mermaid[:4] == ["flowchart LR", '  s0["a"]', '  s1["b #quot;x#quot;"]', "  s0 --> s1"]
    assert "  classDef failed fill:#DC143C" in mermaid


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_dot_output_is_valid_graphviz(tmp_path: Path) -> None:
    dag = Dag(name="g", nodes=(Node(name="a", idx=1), Node(name="b", idx=2, depends_on=("a",))))
    proc = subprocess.run(
        ["dot", "-Tsvg"], input=to_dot(dag), capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert "<svg" in proc.stdout


def _f0(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(F0), *args],
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_f0_graph_formats(tmp_path: Path) -> None:
    recipe = write_recipe(tmp_path)
    as_json = json.loads(_f0("graph", str(recipe), "--format", "json", cwd=tmp_path).stdout)
    assert [n["name"] for n in as_json["nodes"]] == ["a", "b", "c", "d"]
    assert sorted(map(tuple, as_json["edges"])) == [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")]
    assert {n["name"]: n["layer"] for n in as_json["nodes"]} == {"a": 0, "b": 1, "c": 1, "d": 2}
    mermaid = _f0("graph", str(recipe), "-f", "mermaid", cwd=tmp_path).stdout
    assert "s1 --> s3" in mermaid
    dot = _f0("graph", str(recipe), "-f", "dot", cwd=tmp_path).stdout
    assert '"b" -> "d";' in dot
    out = tmp_path / "g.html"
    proc = _f0(
        "graph", str(recipe), "-f", "html", "-o", str(out), "--layout", "builtin", cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert page.count('class="node"') == 4
    assert "http" not in page.replace("http://www.w3.org/2000/svg", "")  # nothing to fetch


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_f0_graph_svg_uses_graphviz_when_installed_else_the_builtin_layout(tmp_path: Path) -> None:
    recipe = write_recipe(tmp_path)
    with_dot = _f0("graph", str(recipe), cwd=tmp_path)
    assert with_dot.returncode == 0, with_dot.stderr
    assert 'id="graph0"' in with_dot.stdout  # Graphviz's own markup
    ET.fromstring(with_dot.stdout)
    # Without Graphviz on PATH: the built-in layout, same steps.
    bare = tmp_path / "bin"
    bare.mkdir()
    no_dot = _f0("graph", str(recipe), cwd=tmp_path, env={"PATH": str(bare)})
    assert no_dot.returncode == 0, no_dot.stderr
    root = ET.fromstring(no_dot.stdout)
    assert root.get("class", "").startswith("dag")
    assert len(root.findall(f".//{SVG}g[@class='node']")) == 4
    forced = _f0("graph", str(recipe), "--layout", "dot", cwd=tmp_path, env={"PATH": str(bare)})
    assert forced.returncode == 2
    assert "Graphviz 'dot' is not installed" in forced.stderr
    assert "Traceback" not in forced.stderr


@pytest.mark.slow
def test_f0_graph_bad_input_is_one_line_exit_2(tmp_path: Path) -> None:
    recipe = write_recipe(tmp_path)
    bad = _f0("graph", str(recipe), "--format", "png", cwd=tmp_path)
    assert bad.returncode == 2
    assert (
        bad.stderr.strip()
        == "--format: unknown format 'png' (choose one of: svg, dot, mermaid, json, html)"
    )
    missing = _f0("graph", "nope.yaml", cwd=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr.strip() == "nope.yaml: recipe file does not exist"
    nowhere = _f0("graph", str(recipe), "-o", str(tmp_path / "no" / "g.svg"), cwd=tmp_path)
    assert nowhere.returncode == 2
    assert "does not exist" in nowhere.stderr
    assert "Traceback" not in nowhere.stderr
