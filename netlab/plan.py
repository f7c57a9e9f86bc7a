"""Compile a Topology into a Plan (netlab/resources.py): pure and deterministic.

Steps come in phases, each phase in the file's declaration order, so an applier can run them
top to bottom: namespaces, sysctls, bridges, veths, TUN/TAP devices, VXLANs, addresses, links
up, routes, hosts files, processes (port proxies, relays, user processes). `plan.meta` carries
what other verbs read back from the stored plan (node -> netns and addresses, networks,
kernel features needed); it is JSON-serialisable.
"""

from __future__ import annotations

import sys

from netlab.brokers import broker_steps
from netlab.names import HostsIndex, hosts_entries
from netlab.resources import (
    Address,
    Bridge,
    HostsFile,
    LinkUp,
    Namespace,
    Plan,
    Process,
    Route,
    Step,
    Sysctl,
    Tuntap,
    Veth,
    Vxlan,
)
from netlab.steps import handler
from netlab.topology import netns_name
from netlab.topology.kafka_fields import broker_properties
from netlab.topology.models import Topology, VethLink
from netlab.topology.resolve import Resolved, as_resolved, sysctl_interface
from netlab.zookeeper import zookeeper_steps

# Interfaces that a step creates (vlan/bond are only checked for, see resolve.py).
_BUILT_KINDS = ("bridge", "veth", "tap", "tun", "vxlan")
# Bring bridges up first and tunnels last, so underlays are up before what rides on them.
_UP_ORDER = {"bridge": 0, "veth": 1, "tap": 1, "tun": 2, "vxlan": 2}


def compile_plan(r: Resolved | Topology) -> Plan:
    """The ordered steps that build this lab. `load_topology` gives the Resolved topology; a
    Topology built in code is resolved here (InputError naming the path if it is invalid)."""
    r = as_resolved(r)
    topology = r.topology
    ns = {node: netns_name(topology.lab, node) for node in topology.nodes}
    steps: list[Step] = []
    steps += [Namespace(node=node, netns=ns[node]) for node in topology.nodes]
    # Namespace-wide sysctls first; per-interface ones (net.ipv4.conf.eth0.*) once the device exists.
    late: list[Step] = []
    for node, spec in topology.nodes.items():
        for k, v in spec.sysctls.items():
            dev = sysctl_interface(k)
            (late if dev not in (None, "all", "default", "lo") else steps).append(
                Sysctl(netns=ns[node], name=k, value=v)
            )
    steps += [Bridge(netns=ns[n.node], ifname=n.bridge, network=n.name) for n in r.networks.values()]
    steps += _devices(topology, r, ns)
    steps += _addresses(r, ns)
    for node in topology.nodes:
        ifs = [i for i in r.ifaces[node] if i.kind in _BUILT_KINDS]
        for i in sorted(ifs, key=lambda i: _UP_ORDER[i.kind]):
            steps.append(LinkUp(netns=ns[node], ifname=i.name))
    steps += late
    for node in topology.nodes:
        steps += [Route(netns=ns[node], dst=rt.dst, gateway=rt.gateway, dev=rt.dev) for rt in r.routes[node]]
    index = HostsIndex(r)
    steps += [HostsFile(netns=ns[node], entries=hosts_entries(r, node, index)) for node in topology.nodes]
    steps += _processes(topology, r, ns)
    return Plan(lab=topology.lab, steps=tuple(steps), source=topology.source, meta=_meta(topology, r, ns))


def _devices(topology: Topology, r: Resolved, ns: dict[str, str]) -> list[Step]:
    veths: list[Step] = []
    taps: list[Step] = []
    for a in r.attachments:
        net = r.networks[a.network]
        if a.mode == "veth":
            veths.append(
                Veth(
                    a_netns=ns[a.node],
                    a_ifname=a.ifname,
                    b_netns=ns[net.node],
                    b_ifname=a.peer_ifname,
                    b_master=net.bridge,
                    mtu=net.mtu,
                )
            )
        else:  # a VM's NIC: a TAP on the bridge and a TAP in the vm node, joined by a relay
            taps.append(Tuntap(netns=ns[net.node], ifname=a.peer_ifname, mode="tap", master=net.bridge))
            taps.append(Tuntap(netns=ns[a.node], ifname=a.ifname, mode="tap"))
    for link in topology.links:
        if isinstance(link, VethLink):
            end_a, end_b = link.endpoints
            veths.append(
                Veth(
                    a_netns=ns[end_a.node],
                    a_ifname=end_a.interface,
                    b_netns=ns[end_b.node],
                    b_ifname=end_b.interface,
                    mtu=link.mtu,
                )
            )
    for node, spec in topology.nodes.items():
        for dev in spec.tuntap:
            master = r.networks[dev.network].bridge if dev.network else None
            taps.append(Tuntap(netns=ns[node], ifname=dev.name, mode=dev.mode, master=master))
    for tun in r.tunnels:
        taps += [Tuntap(netns=ns[e.node], ifname=e.ifname, mode="tun") for e in tun.ends]
    vxlans = [
        Vxlan(
            netns=ns[e.node],
            ifname=e.ifname,
            vni=vx.link.vni,  # type: ignore[union-attr]
            local=str(e.local),
            remote=str(e.peer),
            dstport=e.port,
            underlay=e.underlay_dev,
            master=e.master,
        )
        for vx in r.vxlans
        for e in vx.ends
    ]
    return veths + taps + vxlans


def _addresses(r: Resolved, ns: dict[str, str]) -> list[Step]:
    out: list[Step] = []
    for node, ifs in r.ifaces.items():
        for i in ifs:
            if i.address is not None and i.kind in _BUILT_KINDS:
                out.append(Address(netns=ns[node], ifname=i.name, cidr=str(i.address)))
    return out


def _processes(topology: Topology, r: Resolved, ns: dict[str, str]) -> list[Step]:
    out: list[Step] = []
    publishers: dict[str, list[str]] = {}
    for p in r.ports:
        publishers.setdefault(p.publisher, []).append(p.spec)
    for node, specs in publishers.items():
        out.append(
            Process(
                netns=ns[node],
                node=node,
                name="port-proxy",
                role="port-proxy",
                argv=(sys.executable, "-m", "netlab.relays.portproxy", *specs),
            )
        )
    for a in r.attachments:
        if a.mode == "tap":
            holder = r.networks[a.network].node
            out.append(
                Process(
                    netns=ns[holder],
                    node=holder,
                    name=f"tap-relay-{a.node}-{a.network}",
                    role="tap-relay",
                    argv=(
                        sys.executable,
                        "-m",
                        "netlab.relays.taprelay",
                        "--a-netns",
                        ns[holder],
                        "--a-dev",
                        a.peer_ifname,
                        "--b-netns",
                        ns[a.node],
                        "--b-dev",
                        a.ifname,
                    ),
                )
            )
    for tun in r.tunnels:
        for e in tun.ends:
            out.append(
                Process(
                    netns=ns[e.node],
                    node=e.node,
                    name=f"tun-relay-{e.ifname}",
                    role="tun-relay",
                    argv=(
                        sys.executable,
                        "-m",
                        "netlab.relays.tunrelay",
                        "--dev",
                        e.ifname,
                        "--local",
                        f"{e.local}:{e.port}",
                        "--peer",
                        f"{e.peer}:{e.port}",
                    ),
                )
            )
    out += zookeeper_steps(topology, ns)  # before brokers: zookeeper.connect is tried at start
    out += broker_steps(topology, ns)
    for node, spec in topology.nodes.items():
        for user in spec.processes:
            out.append(
                Process(
                    netns=ns[node],
                    node=node,
                    name=user.effective_name,
                    argv=tuple(user.command),
                    role="user",
                    env=tuple(user.environment.items()),
                    cwd=user.working_dir,
                )
            )
    return out


def _broker_label(settings: dict[str, str]) -> str:
    """A broker's listeners for pictures: `INTERNAL 0.0.0.0:29092 → broker:29092, ...`."""
    props = broker_properties(settings)
    adv = dict(
        item.split("://", 1) for item in props.get("advertised.listeners", "").split(",") if "://" in item
    )
    parts = []
    for item in props.get("listeners", "").split(","):
        if "://" in item:
            name, bind = item.strip().split("://", 1)
            parts.append(f"{name} {bind}" + (f" → {adv[name.strip()]}" if name.strip() in adv else ""))
    return ", ".join(parts) or "broker"


def _meta(topology: Topology, r: Resolved, ns: dict[str, str]) -> dict:
    nodes: dict[str, dict] = {}
    for node in topology.nodes:
        networks: dict[str, dict] = {}
        for net in r.networks.values():
            if net.node == node:
                networks[net.name] = {
                    "ifname": net.bridge,
                    "address": str(net.gateway) if net.gateway else None,
                    "aliases": [],
                    "mode": "bridge",
                }
        for a in r.attachments_of(node):
            networks[a.network] = {
                "ifname": a.ifname,
                "address": str(a.address),
                "aliases": list(a.aliases),
                "mode": a.mode,
                "cidr": a.cidr,
            }
        nodes[node] = {
            "netns": ns[node],
            "networks": networks,
            "interfaces": [
                {
                    "name": i.name,
                    "kind": i.kind,
                    "address": str(i.address) if i.address else None,
                    "network": i.network,
                }
                for i in r.ifaces[node]
            ],
            "broker": _broker_label(spec.broker)
            if (spec := topology.nodes[node]).broker is not None
            else None,
            "zookeeper": f"{spec.zookeeper.client_port_address or '0.0.0.0'}:{spec.zookeeper.client_port}"
            if spec.zookeeper is not None
            else None,
            "ports": [
                {
                    "protocol": p.protocol,
                    "published": p.listen_port,
                    "host_ip": p.listen_host,
                    "target": p.target_port,
                    "network": p.network,
                    "publisher": p.publisher,
                }
                for p in r.ports
                if p.node == node
            ],
        }
    networks = {
        n.name: {
            "node": n.node,
            "bridge": n.bridge,
            "subnet": str(n.subnet),
            "gateway": str(n.gateway) if n.gateway else None,
            "members": [a.node for a in r.attachments if a.network == n.name],
        }
        for n in r.networks.values()
    }
    links = []
    for link in topology.links:
        entry: dict[str, object] = {
            "type": link.type,
            "endpoints": [
                {"node": e.node, "interface": e.interface, "address": str(e.address) if e.address else None}
                for e in link.endpoints
            ],
        }
        if link.type != "veth":
            entry["port"] = link.port
        if link.type == "vxlan":
            entry["vni"] = link.vni
        links.append(entry)
    return {
        "requires": sorted(r.requires),
        "nodes": nodes,
        "networks": networks,
        "links": links,
        "ports": [
            {"node": p.node, "publisher": p.publisher, "network": p.network, "spec": p.spec} for p in r.ports
        ],
        "notes": list(r.notes),
    }


# ---------------------------------------------------------------- the human-readable listing


def describe_step(step: Step) -> str:
    """One step as the command an operator would type (iproute2 style): its kind's describer."""
    return handler(step).describe(step)


def format_plan(plan: Plan) -> str:
    """The plan as an operator's script, grouped by node (for `netlab up --dry-run`)."""
    by_netns = {s.netns: s.node for s in plan.steps if isinstance(s, Namespace)}
    meta = plan.meta or {}
    nodes = list(by_netns.values())
    lines = [
        f"# lab {plan.lab}"
        + (f" from {plan.source}" if plan.source else "")
        + f": {len(nodes)} nodes, {len(meta.get('networks', {}))} networks, "
        + f"{len(meta.get('links', []))} links, {len(plan.steps)} steps"
    ]
    if meta.get("requires"):
        lines.append(f"# kernel features needed: {', '.join(meta['requires'])}")
    for note in meta.get("notes", []):
        lines.append(f"# note: {note}")
    lines.append(
        "# steps run phase by phase across nodes (namespaces first, processes last); listed here by node"
    )
    grouped: dict[str, list[str]] = {node: [] for node in nodes}
    for step in plan.steps:
        home = handler(step).namespaces(step)[0]
        grouped.setdefault(by_netns.get(home, home), []).append(describe_step(step))
    for node, commands in grouped.items():
        lines.append("")
        lines.append(
            f"## node {node}" + (f" (netns {netlab_ns})" if (netlab_ns := _netns_of(node, by_netns)) else "")
        )
        lines += commands
    return "\n".join(lines) + "\n"


def _netns_of(node: str, by_netns: dict[str, str]) -> str | None:
    return next((ns for ns, n in by_netns.items() if n == node), None)
