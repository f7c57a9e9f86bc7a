"""`netlab graph` output: mermaid (GitHub), dot and json carry nodes, networks, links, addresses, ports."""

from __future__ import annotations

import json
import re

import pytest

from netlab.graph import graph_model, render_graph, to_dot, to_mermaid
from netlab.plan import compile_plan
from netlab.topology import DEFAULT_TOPOLOGY, load_topology

EXAMPLES = DEFAULT_TOPOLOGY.parent / "examples"
ALL_FILES = [
    DEFAULT_TOPOLOGY,
    *sorted(DEFAULT_TOPOLOGY.parent.glob("[0-9]*.yaml")),
    *sorted(EXAMPLES.glob("*.yaml")),
]


def meta_of(path):
    plan = compile_plan(load_topology(path))
    return plan.lab, plan.meta


def test_default_lab_model():
    model = graph_model(*meta_of(DEFAULT_TOPOLOGY))
    assert [n["id"] for n in model["nodes"]] == ["host", "broker", "client-1", "client-2"]
    assert model["networks"] == [
        {
            "id": "kafka-net",
            "subnet": "10.5.0.0/16",
            "bridge": "br-kafka",
            "node": "host",
            "gateway": "10.5.0.1",
        }
    ]
    broker = next(n for n in model["nodes"] if n["id"] == "broker")
    assert broker["ports"] == ["9092:9092/tcp via host"]
    edges = {(e["from"], e["to"], e["kind"], e["label"]) for e in model["edges"]}
    assert ("host", "kafka-net", "holds", "br-kafka 10.5.0.1") in edges
    assert ("broker", "kafka-net", "member", "eth0 10.5.0.3") in edges


MERMAID_LINE = re.compile(
    r'^  (?:[A-Za-z0-9_]+(?:\["[^"]*"\]|\{\{"[^"]*"\}\})'  # a node or a network shape
    r'|[A-Za-z0-9_]+ (?:---|===|-\.-)\|"[^"]*"\| [A-Za-z0-9_]+)$'  # an edge with a quoted label
)


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.name)
def test_mermaid_is_a_flowchart_of_simple_statements(path):
    lab, meta = meta_of(path)
    text = to_mermaid(graph_model(lab, meta))
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    for line in lines[1:]:
        assert MERMAID_LINE.match(line), line
    for name in meta["nodes"]:
        assert f'["{name}' in text
    for name, net in meta["networks"].items():
        assert f'{{{{"{name}<br/>{net["subnet"]}' in text
    # one edge per attachment/bridge plus one per link
    edges = [line for line in lines if "|" in line]
    assert len(edges) == sum(len(n["networks"]) for n in meta["nodes"].values()) + len(meta["links"])


def test_mermaid_escapes_quotes_and_angle_brackets():
    model = {
        "lab": "x",
        "nodes": [{"id": "a", "ports": ['1:2/tcp via "h" <x>']}],
        "networks": [],
        "edges": [],
    }
    text = to_mermaid(model)
    assert "#quot;h#quot;" in text and "#lt;x#gt;" in text and '"h"' not in text


def test_dot_has_shapes_edges_and_dashed_tunnels():
    text = to_dot(graph_model(*meta_of(EXAMPLES / "vxlan-k8s.yaml")))
    assert text.startswith('graph "k8s" {') and text.rstrip().endswith("}")
    assert text.count("shape=hexagon") == 3 and text.count("shape=box") == 5
    assert re.search(
        r'n\d+_k8s_1 -- n\d+_k8s_2 \[style=dashed, label="vxlan 1/udp 8472: flannel.1 10.244.255.1/24', text
    )
    assert text.count("{") == text.count("}")


def test_json_and_unknown_format():
    lab, meta = meta_of(EXAMPLES / "p2p-routes.yaml")
    model = json.loads(render_graph(lab, meta, "json"))
    assert {(e["from"], e["to"]) for e in model["edges"]} == {("a", "r1"), ("r1", "r2"), ("r2", "b")}
    with pytest.raises(ValueError, match="valid: mermaid, dot, json, svg, png"):
        render_graph(lab, meta, "gif")
    with pytest.raises(ValueError, match="png is binary"):
        render_graph(lab, meta, "png")


def test_the_picture_in_the_format_reference_is_current():
    doc = (DEFAULT_TOPOLOGY.parents[1] / "docs" / "topology.md").read_text()
    block = doc.split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert block == to_mermaid(graph_model(*meta_of(DEFAULT_TOPOLOGY)))


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.name)
def test_graphviz_renders_the_dot_output(path):
    import shutil
    import subprocess

    import support

    if shutil.which("dot") is None:
        support.not_runnable_here("graphviz `dot` is not installed (apt-get install graphviz)")
    text = to_dot(graph_model(*meta_of(path)))
    result = subprocess.run(["dot", "-Tsvg"], input=text, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0 and "<svg" in result.stdout, result.stderr
    broken = subprocess.run(
        ["dot", "-Tsvg"], input=text.replace(" -- ", " -> ", 1), capture_output=True, text=True, timeout=30
    )
    assert broken.returncode != 0  # the check can fail: a digraph edge in a graph is an error
