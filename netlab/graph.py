"""Draw a lab: nodes, networks (as their own shapes), links, addresses, published ports.

Works from a compiled plan's meta (so it can also draw a running lab from its stored
plan.json). Formats: mermaid (renders on GitHub in a ```mermaid block), dot (Graphviz), json,
and svg / png (the dot text laid out and drawn by graphviz's `dot`).
"""

from __future__ import annotations

import json
import re

FORMATS = ("mermaid", "dot", "json", "svg", "png")
BINARY_FORMATS = ("png",)


def graph_model(lab: str, meta: dict) -> dict:
    """A neutral graph: nodes, networks and edges with their labels."""
    nodes = []
    for name, node in meta["nodes"].items():
        ports = [
            ("" if p["host_ip"] in ("0.0.0.0", "::") else f"{p['host_ip']}:")
            + f"{p['published']}:{p['target']}/{p['protocol']} via {p['publisher']}"
            for p in node.get("ports", [])
        ]
        nodes.append(
            {"id": name, "ports": ports, "broker": node.get("broker"), "zookeeper": node.get("zookeeper")}
        )
    networks = [
        {
            "id": name,
            "subnet": net["subnet"],
            "bridge": net["bridge"],
            "node": net["node"],
            "gateway": net["gateway"],
        }
        for name, net in meta["networks"].items()
    ]
    edges = []
    for name, node in meta["nodes"].items():
        for net, att in node["networks"].items():
            label = att["ifname"] + (f" {att['address']}" if att["address"] else "")
            kind = {"bridge": "holds", "tap": "tap"}.get(att["mode"], "member")
            edges.append({"from": name, "to": net, "to_network": True, "kind": kind, "label": label})
    for link in meta["links"]:
        a, b = link["endpoints"]
        ends = [e["interface"] + (f" {e['address']}" if e["address"] else "") for e in (a, b)]
        extra = {
            "vxlan": f"vxlan {link.get('vni')}/udp {link.get('port')}: ",
            "tun": f"tun/udp {link.get('port')}: ",
        }
        edges.append(
            {
                "from": a["node"],
                "to": b["node"],
                "to_network": False,
                "kind": link["type"],
                "label": extra.get(link["type"], "") + f"{ends[0]} — {ends[1]}",
            }
        )
    return {"lab": lab, "nodes": nodes, "networks": networks, "edges": edges}


class _Ids:
    def __init__(self) -> None:
        self.ids: dict[tuple[str, str], str] = {}

    def __call__(self, kind: str, name: str) -> str:
        key = (kind, name)
        if key not in self.ids:
            self.ids[key] = f"{kind}{len(self.ids)}_{re.sub(r'[^A-Za-z0-9]', '_', name)}"
        return self.ids[key]


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def to_mermaid(model: dict) -> str:
    ids = _Ids()
    lines = ["flowchart LR"]
    for net in model["networks"]:
        label = "<br/>".join(_mermaid_text(t) for t in (net["id"], net["subnet"], f"bridge {net['bridge']}"))
        lines.append(f'  {ids("net", net["id"])}{{{{"{label}"}}}}')
    for node in model["nodes"]:
        label = "<br/>".join(
            [
                _mermaid_text(node["id"]),
                *(_mermaid_text(f"publishes {p}") for p in node["ports"]),
                *(_mermaid_text(f"Kafka {node['broker']}") for _ in [0] if node.get("broker")),
                *(_mermaid_text(f"ZooKeeper {node['zookeeper']}") for _ in [0] if node.get("zookeeper")),
            ]
        )
        lines.append(f'  {ids("n", node["id"])}["{label}"]')
    arrows = {"holds": "===", "member": "---", "tap": "-.-", "veth": "---", "vxlan": "-.-", "tun": "-.-"}
    for e in model["edges"]:
        target = ids("net", e["to"]) if e["to_network"] else ids("n", e["to"])
        label = e["label"] + (" (tap relay)" if e["kind"] == "tap" else "")
        lines.append(f'  {ids("n", e["from"])} {arrows[e["kind"]]}|"{_mermaid_text(label)}"| {target}')
    return "\n".join(lines) + "\n"


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def to_dot(model: dict) -> str:
    ids = _Ids()
    lines = [
        f'graph "{_dot_text(model["lab"])}" {{',
        "  rankdir=LR;",
        '  node [fontname="Helvetica"];',
        '  edge [fontname="Helvetica", fontsize=10];',
    ]
    for net in model["networks"]:
        label = f"{net['id']}\\n{net['subnet']}\\nbridge {net['bridge']}"
        lines.append(
            f'  {ids("net", net["id"])} [shape=hexagon, style=filled, fillcolor="#e8f0fe", label="{label}"];'
        )
    for node in model["nodes"]:
        label = _dot_text(node["id"]) + "".join(f"\\npublishes {_dot_text(p)}" for p in node["ports"])
        if node.get("broker"):  # one listener per line: name bind → advertised
            label += "".join(f"\\nKafka {_dot_text(part)}" for part in node["broker"].split(", "))
        if node.get("zookeeper"):
            label += f"\\nZooKeeper {_dot_text(node['zookeeper'])}"
        lines.append(f'  {ids("n", node["id"])} [shape=box, label="{label}"];')
    styles = {
        "holds": "bold",
        "member": "solid",
        "tap": "dashed",
        "veth": "solid",
        "vxlan": "dashed",
        "tun": "dashed",
    }
    for e in model["edges"]:
        target = ids("net", e["to"]) if e["to_network"] else ids("n", e["to"])
        attrs = f'style={styles[e["kind"]]}, label="{_dot_text(e["label"])}"'
        lines.append(f"  {ids('n', e['from'])} -- {target} [{attrs}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_graph_bytes(lab: str, meta: dict, fmt: str) -> bytes:
    """Any format as bytes; svg and png are graphviz's drawing of `to_dot`."""
    if fmt in ("svg", "png"):
        from netlab.graphviz import run_dot

        return run_dot(to_dot(graph_model(lab, meta)), fmt)
    return render_graph(lab, meta, fmt).encode()


def render_graph(lab: str, meta: dict, fmt: str) -> str:
    """A text format (mermaid, dot, json, svg); png is bytes: render_graph_bytes."""
    if fmt == "svg":
        return render_graph_bytes(lab, meta, fmt).decode()
    model = graph_model(lab, meta)
    if fmt == "mermaid":
        return to_mermaid(model)
    if fmt == "dot":
        return to_dot(model)
    if fmt == "json":
        return json.dumps(model, indent=2) + "\n"
    if fmt in BINARY_FORMATS:
        raise ValueError(f"{fmt} is binary: use render_graph_bytes")
    raise ValueError(f"unknown graph format {fmt!r}; valid: {', '.join(FORMATS)}")
