"""What capture needs to know about a running lab: namespaces, bridges, addresses, Kafka ports.

Everything comes from the lab's saved plan, read through :func:`load_plan` only (the lab engine's
``load_lab()``). Kafka ports come from the broker processes' configs:
``listeners=`` in the server.properties named in their argv, and ``--override listeners=...``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from netlab.errors import InputError
from netlab.kafka.listeners import listener_ports
from netlab.lab.state import load_lab


def load_plan(lab: str) -> dict:
    """The lab's saved plan as a dict ({"lab", "source", "steps", "meta"}); an unknown lab is an
    InputError naming the labs that are up (netlab.lab.state.load_lab)."""
    plan = load_lab(lab).plan
    return {
        "lab": plan.lab,
        "source": plan.source,
        "steps": [s.to_dict() for s in plan.steps],
        "meta": dict(plan.meta or {}),
    }


@dataclass
class LabInfo:
    lab: str
    netns: dict[str, str] = field(default_factory=dict)  # node -> namespace
    names: dict[str, str] = field(default_factory=dict)  # address -> node name
    hosts: dict[str, set[str]] = field(default_factory=dict)  # node name / alias -> addresses
    networks: dict[str, dict] = field(default_factory=dict)  # network -> {"node", "bridge", ...}
    kafka_ports: set[int] = field(default_factory=set)

    def node_netns(self, node: str) -> str:
        if node not in self.netns:
            raise InputError(
                f"lab {self.lab!r} has no node {node!r}; nodes: {', '.join(sorted(self.netns))}", where="node"
            )
        return self.netns[node]

    def bridge_of(self, network: str) -> tuple[str, str]:
        """(node, bridge ifname) that carries a network."""
        net = self.networks.get(network)
        if not net or not net.get("bridge"):
            known = ", ".join(sorted(self.networks)) or "none"
            raise InputError(
                f"lab {self.lab!r} has no bridged network {network!r}; networks: {known}", where="--network"
            )
        return net["node"], net["bridge"]


def lab_info(lab: str) -> LabInfo:
    plan = load_plan(lab)
    info = LabInfo(lab)
    meta = plan.get("meta") or {}
    for step in plan.get("steps", []):
        if step.get("kind") == "netns":
            info.netns[step["node"]] = step["netns"]
        elif step.get("kind") == "process" and step.get("role") == "broker":
            info.kafka_ports |= broker_ports(step.get("argv") or [])
    for node, data in (meta.get("nodes") or {}).items():
        if data.get("netns"):
            info.netns.setdefault(node, data["netns"])
        for net in (data.get("networks") or {}).values():
            if net.get("address"):
                addr = str(net["address"]).split("/")[0]
                info.names[addr] = node
                for name in [node, *(net.get("aliases") or [])]:
                    info.hosts.setdefault(name, set()).add(addr)
    for name, net in (meta.get("networks") or {}).items():
        info.networks[name] = dict(net)
        if net.get("gateway") and net.get("node"):
            info.names.setdefault(str(net["gateway"]).split("/")[0], net["node"])
    for port in meta.get("kafka_ports") or []:
        info.kafka_ports.add(int(port))
    return info


def broker_ports(argv: list[str]) -> set[int]:
    """Listener ports of a broker process, from its properties file and overrides."""
    ports: set[int] = set()
    for i, arg in enumerate(argv):
        if arg.endswith(".properties"):
            try:
                text = Path(arg).read_text()
            except OSError:
                continue
            for line in text.splitlines():
                key, _, value = line.partition("=")
                if key.strip() == "listeners":
                    ports |= listener_ports(value)
        override = arg if arg.startswith("listeners=") else None
        if arg == "--override" and i + 1 < len(argv) and argv[i + 1].startswith("listeners="):
            override = argv[i + 1]
        if override:
            ports |= listener_ports(override.split("=", 1)[1])
    return ports
