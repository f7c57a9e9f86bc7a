"""Where things go on the page: graphviz `dot` lays the lab out, we keep only coordinates.

Decision (docs/report.md): graphviz places the nodes and routes the lab's own wires (it does
that well and is installed by scripts/install.sh), but the page's SVG is drawn by us from those
coordinates, so every arrow is one element we name, colour, escape and make clickable, and the
row arrows (which graphviz knows nothing of) are added on top. Nodes without a broker are
ranked left of their networks and brokers right of them, so a client's arrow crosses the
network it goes through, left to right.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from netlab.graphviz import run_dot

FONT_PT = 11  # label size given to graphviz; the SVG uses the same size so boxes fit the text


@dataclass
class Box:
    id: str  # node or network name as in the topology
    kind: str  # node | network
    x: float  # centre, SVG coordinates (y down)
    y: float
    w: float
    h: float
    lines: list[str]  # label lines, first is the name
    broker: bool = False


@dataclass
class Wire:
    """A link of the lab itself (a node on a network, a veth/vxlan/tun between nodes)."""

    a: str
    b: str
    kind: str  # holds | member | tap | veth | vxlan | tun
    label: str
    points: list[tuple[float, float]]  # cubic B-spline control points (graphviz pos)
    label_at: tuple[float, float] | None


@dataclass
class Layout:
    width: float
    height: float
    boxes: dict[str, Box] = field(default_factory=dict)  # key: "n:<node>" or "net:<network>"
    wires: list[Wire] = field(default_factory=list)


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def node_lines(node: dict) -> list[str]:
    lines = [node["id"]]
    lines += [f"publishes {p}" for p in node["ports"]]
    if node.get("broker"):
        lines += [f"Kafka {part}" for part in node["broker"].split(", ")]
    return lines


def network_lines(net: dict) -> list[str]:
    return [net["id"], net["subnet"], f"bridge {net['bridge']}"]


def layout_source(model: dict) -> str:
    """The dot text graphviz lays out (graph.graph_model's model; names are quoted, never ids)."""
    brokers = {n["id"] for n in model["nodes"] if n.get("broker")}
    out = [
        "digraph lab {",
        "  rankdir=LR; nodesep=0.55; ranksep=1.1; splines=true;",
        f'  node [fontname="Helvetica", fontsize={FONT_PT}, margin="0.12,0.06"];',
        '  edge [fontname="Helvetica", fontsize=9, dir=none];',
    ]
    for net in model["networks"]:
        label = "\n".join(network_lines(net))
        out.append(f"  {_q('net:' + net['id'])} [shape=hexagon, label={_q(label)}];")
    for node in model["nodes"]:
        out.append(f"  {_q('n:' + node['id'])} [shape=box, label={_q(chr(10).join(node_lines(node)))}];")
    for i, e in enumerate(model["edges"]):
        a = "n:" + e["from"]
        b = ("net:" if e["to_network"] else "n:") + e["to"]
        if e["to_network"] and e["from"] in brokers:
            a, b = b, a  # brokers to the right of their networks
        out.append(f'  {_q(a)} -> {_q(b)} [id="w{i}", label={_q(e["label"])}];')
    out.append("}")
    return "\n".join(out) + "\n"


def _pt(text: str, height: float) -> tuple[float, float]:
    x, y = text.split(",")[:2]
    return float(x), height - float(y)


def layout(model: dict) -> Layout:
    """Lay out graph.graph_model(...) with graphviz."""
    data = json.loads(run_dot(layout_source(model), "json"))
    _, _, width, height = (float(v) for v in data["bb"].split(","))
    lay = Layout(width, height)
    nodes = {n["id"]: n for n in model["nodes"]}
    nets = {n["id"]: n for n in model["networks"]}
    for obj in data.get("objects", []):
        name = obj["name"]
        kind, _, ident = name.partition(":")
        x, y = _pt(obj["pos"], height)
        w, h = float(obj["width"]) * 72, float(obj["height"]) * 72
        if kind == "n":
            lay.boxes[name] = Box(
                ident, "node", x, y, w, h, node_lines(nodes[ident]), bool(nodes[ident].get("broker"))
            )
        else:
            lay.boxes[name] = Box(ident, "network", x, y, w, h, network_lines(nets[ident]))
    placed = {obj.get("id"): obj for obj in data.get("edges", [])}
    for i, e in enumerate(model["edges"]):
        obj = placed.get(f"w{i}", {})
        pts = [_pt(p, height) for p in obj.get("pos", "").split(" ") if p and p[0] not in "es"]
        lp = _pt(obj["lp"], height) if obj.get("lp") else None
        lay.wires.append(Wire(e["from"], e["to"], e["kind"], e["label"], pts, lp))
    return lay
