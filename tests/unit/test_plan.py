"""The plan compiler: order, determinism, exact steps and argv shapes, meta (no root)."""

from __future__ import annotations

import json
import sys

import pytest

from netlab.plan import compile_plan, format_plan
from netlab.resources import (
    Address,
    Bridge,
    HostsFile,
    LinkUp,
    Namespace,
    Plan,
    Process,
    Route,
    Sysctl,
    Tuntap,
    Veth,
    Vxlan,
    step_from_dict,
)
from netlab.topology import DEFAULT_TOPOLOGY, load_topology, loads_topology

EXAMPLES = DEFAULT_TOPOLOGY.parent / "examples"
ALL_FILES = [DEFAULT_TOPOLOGY, *sorted(EXAMPLES.glob("*.yaml"))]
PHASES = [Namespace, Sysctl, Bridge, Veth, Tuntap, Vxlan, Address, LinkUp, Route, HostsFile, Process]


def plan_of(path) -> Plan:
    return compile_plan(load_topology(path))


def phase(step) -> int:
    # per-interface sysctls run after the links are up (their interface must exist)
    if (
        isinstance(step, Sysctl)
        and ".conf." in step.name
        and not any(f".conf.{d}." in step.name for d in ("all", "default", "lo"))
    ):
        return PHASES.index(LinkUp) + 0.5
    return PHASES.index(type(step))


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.name)
def test_steps_come_in_phase_order_with_unique_keys(path):
    plan = plan_of(path)
    phases = [phase(s) for s in plan.steps]
    assert phases == sorted(phases)
    keys = [s.key for s in plan.steps]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.name)
def test_every_interface_is_created_before_it_is_addressed_and_brought_up(path):
    plan = plan_of(path)
    created: set[tuple[str, str]] = set()
    namespaces: set[str] = set()
    for step in plan.steps:
        if isinstance(step, Namespace):
            namespaces.add(step.netns)
        elif isinstance(step, Veth):
            assert {step.a_netns, step.b_netns} <= namespaces
            created |= {(step.a_netns, step.a_ifname), (step.b_netns, step.b_ifname)}
            for ns, master in ((step.a_netns, step.a_master), (step.b_netns, step.b_master)):
                assert master is None or (ns, master) in created
        elif isinstance(step, (Bridge, Tuntap, Vxlan)):
            assert step.netns in namespaces
            assert getattr(step, "master", None) is None or (step.netns, step.master) in created
            created.add((step.netns, step.ifname))
        elif isinstance(step, (Address, LinkUp)):
            assert (step.netns, step.ifname) in created, step.key
        elif isinstance(step, Route) and step.dev:
            assert (step.netns, step.dev) in created, step.key
    ups = {(s.netns, s.ifname) for s in plan.of_kind(LinkUp)}
    assert ups == created  # everything made is brought up, nothing else
    assert all(len(name) <= 15 for _, name in created)


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.name)
def test_compiling_is_deterministic_and_round_trips_through_json(path):
    a, b = plan_of(path), plan_of(path)
    assert a == b and a.meta == b.meta
    text = json.dumps({"steps": [s.to_dict() for s in a.steps], "meta": a.meta})
    back = json.loads(text)
    assert tuple(step_from_dict(d) for d in back["steps"]) == a.steps
    assert back["meta"] == a.meta


def test_default_lab_steps():
    plan = plan_of(DEFAULT_TOPOLOGY)
    host, broker = "netlab-default-host", "netlab-default-broker"
    assert plan.lab == "default" and plan.source == str(DEFAULT_TOPOLOGY)
    assert [s.node for s in plan.of_kind(Namespace)] == ["host", "broker", "client-1", "client-2"]
    assert plan.of_kind(Bridge) == [Bridge(netns=host, ifname="br-kafka", network="kafka-net")]
    veth = next(s for s in plan.of_kind(Veth) if s.a_netns == broker)
    assert (veth.a_ifname, veth.b_netns, veth.b_master) == ("eth0", host, "br-kafka")
    assert veth.b_ifname.startswith("v") and len(veth.b_ifname) == 11
    assert Address(netns=host, ifname="br-kafka", cidr="10.5.0.1/16") in plan.steps
    assert Address(netns=broker, ifname="eth0", cidr="10.5.0.3/16") in plan.steps
    assert Route(netns=broker, dst="default", gateway="10.5.0.1", dev="eth0") in plan.steps
    assert not [r for r in plan.of_kind(Route) if r.netns == host]  # the host is the gateway
    proxy = [p for p in plan.of_kind(Process) if p.role == "port-proxy"]
    assert proxy == [
        Process(
            netns=host,
            node="host",
            name="port-proxy",
            role="port-proxy",
            argv=(sys.executable, "-m", "netlab.relays.portproxy", "tcp:[::]:9092=10.5.0.3:9092"),
        )
    ]
    assert plan.meta["requires"] == ["bridge", "netns", "veth"]


def test_meta_contract():
    meta = plan_of(DEFAULT_TOPOLOGY).meta
    assert meta["nodes"]["broker"]["netns"] == "netlab-default-broker"
    assert meta["nodes"]["broker"]["networks"]["kafka-net"] == {
        "ifname": "eth0",
        "address": "10.5.0.3",
        "aliases": [],
        "mode": "veth",
        "cidr": "10.5.0.3/16",
    }
    assert meta["nodes"]["host"]["networks"]["kafka-net"]["ifname"] == "br-kafka"
    assert meta["networks"]["kafka-net"] == {
        "node": "host",
        "bridge": "br-kafka",
        "subnet": "10.5.0.0/16",
        "gateway": "10.5.0.1",
        "members": ["broker", "client-1", "client-2"],
    }


def test_tap_relay_joins_a_bridge_tap_to_the_vm_tap():
    plan = plan_of(EXAMPLES / "tap-vm.yaml")
    mac, vm1 = "netlab-tapvm-mac", "netlab-tapvm-vm-1"
    assert Tuntap(netns=mac, ifname="vmnet0", mode="tap", master="bridge100") in plan.steps
    assert Tuntap(netns=vm1, ifname="eth0", mode="tap") in plan.steps
    assert Address(netns=vm1, ifname="eth0", cidr="192.168.64.2/24") in plan.steps
    relay = next(p for p in plan.of_kind(Process) if p.role == "tap-relay" and vm1 in p.argv)
    assert relay.netns == mac
    assert relay.argv == (
        sys.executable,
        "-m",
        "netlab.relays.taprelay",
        "--a-netns",
        mac,
        "--a-dev",
        "vmnet0",
        "--b-netns",
        vm1,
        "--b-dev",
        "eth0",
    )
    assert plan.meta["requires"] == ["bridge", "netns", "tap"]


def test_tun_tunnel_has_a_device_and_a_relay_in_each_node():
    plan = plan_of(EXAMPLES / "tun-vpn.yaml")
    laptop, server = "netlab-vpn-laptop", "netlab-vpn-vpn-server"
    assert Tuntap(netns=laptop, ifname="tun0", mode="tun") in plan.steps
    assert Address(netns=server, ifname="tun0", cidr="10.8.0.1/24") in plan.steps
    relays = {p.netns: p.argv for p in plan.of_kind(Process) if p.role == "tun-relay"}
    assert relays[laptop] == (
        sys.executable,
        "-m",
        "netlab.relays.tunrelay",
        "--dev",
        "tun0",
        "--local",
        "203.0.113.10:51820",
        "--peer",
        "203.0.113.20:51820",
    )
    assert relays[server][-4:] == ("--local", "203.0.113.20:51820", "--peer", "203.0.113.10:51820")
    assert "tun" in plan.meta["requires"]


def test_vxlan_steps_use_underlay_addresses_and_bridge():
    plan = plan_of(EXAMPLES / "vxlan-l2.yaml")
    assert plan.of_kind(Vxlan) == [
        Vxlan(
            netns="netlab-vxl2-site-a",
            ifname="vx100",
            vni=100,
            local="198.51.100.1",
            remote="198.51.100.2",
            dstport=4789,
            underlay="eth0",
            master="br-lan",
        ),
        Vxlan(
            netns="netlab-vxl2-site-b",
            ifname="vx100",
            vni=100,
            local="198.51.100.2",
            remote="198.51.100.1",
            dstport=4789,
            underlay="eth0",
            master=None,
        ),
    ]
    assert {v.mtu for v in plan.of_kind(Veth) if v.b_master == "br-lan"} == {1450}  # networks.lan-a.mtu
    assert plan.meta["notes"] == []
    unset = (EXAMPLES / "vxlan-l2.yaml").read_text().replace("    mtu: 1450", "")
    notes = compile_plan(loads_topology(unset)).meta["notes"]
    assert len(notes) == 1 and "networks.lan-a.mtu: 1450" in notes[0]
    k8s = plan_of(EXAMPLES / "vxlan-k8s.yaml")
    assert {v.dstport for v in k8s.of_kind(Vxlan)} == {8472}
    assert Route(netns="netlab-k8s-k8s-1", dst="10.244.2.0/24", gateway="10.244.255.2") in k8s.steps


def test_p2p_links_routes_and_sysctls():
    plan = plan_of(EXAMPLES / "p2p-routes.yaml")
    assert (
        Veth(a_netns="netlab-p2p-r1", a_ifname="eth1", b_netns="netlab-p2p-r2", b_ifname="eth1", mtu=1400)
        in plan.steps
    )
    assert Sysctl(netns="netlab-p2p-r2", name="net.ipv4.ip_forward", value="1") in plan.steps
    assert Route(netns="netlab-p2p-r2", dst="10.0.1.0/24", gateway="10.0.12.1", dev="eth1") in plan.steps
    assert plan.of_kind(Bridge) == []
    assert plan.meta["requires"] == ["netns", "veth"]


def test_per_interface_sysctls_come_after_their_interface():
    text = (
        "lab: t\nnodes:\n  a:\n    sysctls: {net.ipv4.conf.p0.rp_filter: 0, net.ipv4.ip_forward: 1}\n"
        "  b: {}\nlinks:\n  - endpoints: ['a:p0', 'b:p0']\n"
    )
    steps = compile_plan(loads_topology(text)).steps
    kinds = [(type(s).__name__, getattr(s, "name", None)) for s in steps]
    late = kinds.index(("Sysctl", "net.ipv4.conf.p0.rp_filter"))
    assert kinds.index(("Sysctl", "net.ipv4.ip_forward")) < kinds.index(("Veth", None)) < late
    assert all(k != "Veth" and k != "LinkUp" for k, _ in kinds[late + 1 :])
    with pytest.raises(Exception, match="no interface 'p9'"):
        loads_topology(text.replace("conf.p0", "conf.p9"), "t.yaml")


def test_user_processes_keep_argv_env_and_cwd():
    plan = plan_of(EXAMPLES / "multihomed.yaml")
    user = [p for p in plan.of_kind(Process) if p.role == "user"]
    assert user == [
        Process(
            netns="netlab-multihomed-app",
            node="app",
            name="http",
            argv=("python3", "-m", "http.server", "8080", "--bind", "0.0.0.0"),
            env=(("PYTHONUNBUFFERED", "1"),),
            cwd="/tmp",
        )
    ]


def test_standalone_devices():
    plan = plan_of(EXAMPLES / "devices.yaml")
    box = "netlab-devices-box"
    assert Tuntap(netns=box, ifname="tap0", mode="tap", master="br0") in plan.steps
    assert Tuntap(netns=box, ifname="utun0", mode="tun") in plan.steps
    assert Address(netns=box, ifname="utun0", cidr="10.99.0.1/24") in plan.steps
    assert plan.meta["requires"] == ["bridge", "netns", "tap", "tun", "veth"]


@pytest.mark.parametrize(
    "name,feature", [("needs-vlan.yaml", "vlan"), ("needs-netem.yaml", "netem"), ("needs-bond.yaml", "bond")]
)
def test_missing_kernel_features_are_required_up_front(name, feature):
    plan = plan_of(EXAMPLES / name)
    assert feature in plan.meta["requires"]
    assert any(feature in note for note in plan.meta["notes"])


def test_rate_limit_requires_tbf():
    text = "lab: t\nnodes: {a: {}, b: {}}\nlinks:\n  - {endpoints: ['a:e0', 'b:e0'], rate: 10mbit}\n"
    assert "tbf" in compile_plan(loads_topology(text)).meta["requires"]


def test_bridge_side_names_are_unique_and_short_for_many_nodes():
    nodes = "\n".join(f"  c{i}: {{networks: [n]}}" for i in range(200))
    text = f"lab: big\nnodes:\n  host: {{}}\n{nodes}\nnetworks:\n  n: {{subnet: 10.20.0.0/16}}\n"
    plan = compile_plan(loads_topology(text))
    peers = [s.b_ifname for s in plan.of_kind(Veth)]
    assert len(peers) == 200 == len(set(peers)) and all(len(p) <= 15 for p in peers)
    assert len(plan.of_kind(Namespace)) == 201
    hosts = {s.netns: s.entries for s in plan.of_kind(HostsFile)}
    assert len(hosts["netlab-big-c0"]) == 2 + 200  # localhost lines + every member
    listing = format_plan(plan)
    assert "write /etc/netns/netlab-big-c0/hosts: 127.0.0.1 localhost; " in listing
    assert "; ... (+194 more)\n" in listing  # 8 shown of 202


def test_format_plan_reads_like_a_script_grouped_by_node():
    text = format_plan(plan_of(DEFAULT_TOPOLOGY))
    assert text.startswith("# lab default from ")
    sections = [line for line in text.splitlines() if line.startswith("## node ")]
    assert sections == [
        "## node host (netns netlab-default-host)",
        "## node broker (netns netlab-default-broker)",
        "## node client-1 (netns netlab-default-client-1)",
        "## node client-2 (netns netlab-default-client-2)",
    ]
    broker = text.split("## node broker")[1].split("## node")[0]
    assert "ip -n netlab-default-broker addr add 10.5.0.3/16 dev eth0" in broker
    assert "ip -n netlab-default-broker route add default via 10.5.0.1 dev eth0" in broker
    assert "netlab.relays.portproxy 'tcp:[::]:9092=10.5.0.3:9092' &" in text.split("## node broker")[0]


def test_a_topology_built_in_code_compiles_and_its_errors_name_the_path():
    from netlab.errors import InputError
    from netlab.topology import Topology

    topo = Topology.model_validate(
        {
            "lab": "code",
            "nodes": {"host": {}, "a": {"networks": ["n"]}},
            "networks": {"n": {"subnet": "10.9.0.0/24"}},
        }
    )
    plan = compile_plan(topo)
    assert Address(netns="netlab-code-a", ifname="eth0", cidr="10.9.0.2/24") in plan.steps
    bad = Topology.model_validate({"lab": "code", "nodes": {"a": {"networks": ["n"]}}, "networks": {"n": {}}})
    with pytest.raises(InputError) as info:
        compile_plan(bad)
    assert info.value.where == "networks.n" and "held by node 'host'" in info.value.message
