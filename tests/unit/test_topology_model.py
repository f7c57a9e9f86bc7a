"""The accepted forms of the format, IPAM, ports and hosts-file semantics (no root)."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network

import pytest

from netlab.errors import InputError
from netlab.ipam import IpamError, SubnetPool, pick_subnet
from netlab.names import hosts_entries, render_hosts
from netlab.topology import DEFAULT_TOPOLOGY, load_topology, loads_topology, netns_name, resolve
from netlab.topology.models import parse_port_string

EXAMPLES = DEFAULT_TOPOLOGY.parent / "examples"


def resolved(text: str):
    return resolve(loads_topology(text, "t.yaml"))


def addresses(r) -> dict[tuple[str, str], str]:
    return {(a.node, a.network): str(a.address) for a in r.attachments}


def test_netns_name():
    assert netns_name("default", "broker-1") == "netlab-default-broker-1"


def test_default_topology_is_the_docker_host_model():
    topo = load_topology(DEFAULT_TOPOLOGY)
    r = resolve(topo)
    assert topo.lab == "default"
    net = r.networks["kafka-net"]
    assert (net.node, net.bridge, str(net.subnet), str(net.gateway)) == (
        "host",
        "br-kafka",
        "10.5.0.0/16",
        "10.5.0.1",
    )
    assert addresses(r)[("broker", "kafka-net")] == "10.5.0.3"
    assert [p.spec for p in r.ports] == ["tcp:[::]:9092=10.5.0.3:9092"]


# ---------------------------------------------------------------- IPAM

TWO_NODES = """\
lab: t
nodes:
  host: {}
  a: {networks: [n]}
  b: {networks: {n: {ipv4_address: 10.1.0.2}}}
networks:
  n: {subnet: 10.1.0.0/24}
"""


def test_statics_are_reserved_before_dynamic_allocation():
    r = resolved(TWO_NODES)
    assert addresses(r) == {("a", "n"): "10.1.0.3", ("b", "n"): "10.1.0.2"}
    assert str(r.networks["n"].gateway) == "10.1.0.1"  # auto: first host address, like docker0


def test_no_gateway_means_first_address_is_free():
    r = resolved(TWO_NODES.replace("{subnet: 10.1.0.0/24}", "{subnet: 10.1.0.0/24, gateway: null}"))
    assert r.networks["n"].gateway is None
    assert addresses(r)[("a", "n")] == "10.1.0.1"
    assert [rt.dst for rt in r.routes["a"]] == []  # no gateway: no default route


def test_exhaustion_is_located_at_the_node_that_did_not_fit():
    text = TWO_NODES.replace("10.1.0.0/24", "10.1.0.0/30").replace(
        "ipv4_address: 10.1.0.2", "interface: eth0"
    )
    with pytest.raises(InputError) as info:
        loads_topology(text, "t.yaml")
    assert info.value.where == "t.yaml:5: nodes.b.networks.n"
    assert "no free address" in info.value.message and "larger subnet" in info.value.message


def test_auto_subnets_follow_dockers_pools_and_skip_taken_ones():
    text = """\
lab: t
nodes: {host: {}, a: {networks: [x, y]}}
networks:
  x: {}
  y: {}
  z: {subnet: 172.18.5.0/24}
"""
    r = resolved(text)
    assert str(r.networks["x"].subnet) == "172.19.0.0/16"  # 172.18/16 overlaps z
    assert str(r.networks["y"].subnet) == "172.20.0.0/16"
    assert addresses(r)[("a", "x")] == "172.19.0.2"


def test_auto_subnets_avoid_link_addresses():
    text = (
        "lab: t\nnodes: {host: {}, a: {networks: [x]}}\nnetworks: {x: {}}\n"
        "links:\n"
        "  - endpoints: [{node: a, interface: p0, address: 172.18.3.1/30}, {node: host, interface: p0}]\n"
    )
    assert str(resolved(text).networks["x"].subnet) == "172.19.0.0/16"


def test_link_addresses_inside_a_network_are_not_handed_out():
    text = TWO_NODES.replace("ipv4_address: 10.1.0.2", "interface: eth0") + (
        "links:\n  - endpoints: [{node: a, interface: p0, address: 10.1.0.2/30}, {node: b, interface: p0}]\n"
    )
    r = resolved(text)
    assert "10.1.0.2" not in addresses(r).values()


def test_subnet_pool_rules():
    pool = SubnetPool(IPv4Network("10.0.0.0/29"), IPv4Address("10.0.0.1"))
    pool.reserve(IPv4Address("10.0.0.3"), "x")
    assert [str(pool.allocate(f"n{i}")) for i in range(4)] == ["10.0.0.2", "10.0.0.4", "10.0.0.5", "10.0.0.6"]
    with pytest.raises(IpamError, match="no free address"):
        pool.allocate("late")
    with pytest.raises(IpamError, match="already used by x"):
        pool.reserve(IPv4Address("10.0.0.3"), "y")
    with pytest.raises(IpamError, match="broadcast"):
        pool.reserve(IPv4Address("10.0.0.7"), "y")
    with pytest.raises(IpamError, match="too small"):
        SubnetPool(IPv4Network("10.0.0.0/31"), None)
    assert str(pick_subnet([IPv4Network("172.16.0.0/12")])) == "192.168.0.0/20"


# ---------------------------------------------------------------- ports


@pytest.mark.parametrize(
    "text,expected",
    [
        ("9092:9092", {"host_ip": None, "published": 9092, "target": 9092, "protocol": "tcp"}),
        (
            "127.0.0.1:19092:9092",
            {"host_ip": "127.0.0.1", "published": 19092, "target": 9092, "protocol": "tcp"},
        ),
        ("53:5353/udp", {"host_ip": None, "published": 53, "target": 5353, "protocol": "udp"}),
        ("10.5.0.1:80:8080/tcp", {"host_ip": "10.5.0.1", "published": 80, "target": 8080, "protocol": "tcp"}),
    ],
)
def test_port_short_syntax(text, expected):
    assert parse_port_string(text) == expected


@pytest.mark.parametrize(
    "text,words",
    [
        ("0:1", "out of range"),
        ("a:1", "not a port number"),
        ("1:2:3:4", "HOSTPORT:CONTAINERPORT"),
        ("192.0.2.5:1:1", "uplink"),
        ("[::1]:1:1", "IPv4 only"),
    ],
)
def test_port_short_syntax_errors(text, words):
    with pytest.raises(ValueError, match=words.replace("[", r"\[")):
        parse_port_string(text)


def test_ports_publish_from_the_bridge_node_to_the_container_address():
    r = resolve(load_topology(EXAMPLES / "multihomed.yaml"))
    assert [(p.publisher, p.spec) for p in r.ports] == [
        ("host", "tcp:[::]:8080=172.30.1.10:8080"),
        ("host", "tcp:127.0.0.1:8081=172.30.2.10:8081"),
    ]


# ---------------------------------------------------------------- hosts files (Docker's scoping)


def names_in(r, node: str) -> dict[str, list[str]]:
    """name -> addresses, in file order."""
    out: dict[str, list[str]] = {}
    for address, names in hosts_entries(r, node):
        for name in names:
            out.setdefault(name, []).append(address)
    return out


def test_names_resolve_only_between_nodes_sharing_a_network():
    r = resolve(load_topology(EXAMPLES / "multihomed.yaml"))
    client, app, db, host = (names_in(r, n) for n in ("client", "app", "db", "host"))
    assert client["app"] == ["172.30.1.10"] and client["web"] == ["172.30.1.10"]
    assert "db" not in client and "api" not in client  # db and the backend alias are not on frontend
    assert db["app"] == ["172.30.2.10"] and db["api"] == ["172.30.2.10"] and "web" not in db
    assert "client" not in db
    assert app["client"] == ["172.30.1.2"] and app["db"] == ["172.30.2.20"]
    assert app["app"] == ["172.30.1.10", "172.30.2.10"]  # its own name, first network first
    # the Docker host resolves no container names
    assert set(host) == {"localhost", "ip6-localhost", "ip6-loopback", "host"}


def test_localhost_own_name_extra_hosts_and_host_gateway():
    r = resolve(load_topology(DEFAULT_TOPOLOGY))
    c1 = hosts_entries(r, "client-1")
    assert c1[0] == ("127.0.0.1", ("localhost",))
    assert c1[1] == ("::1", ("localhost", "ip6-localhost", "ip6-loopback"))
    assert ("10.5.0.1", ("host.docker.internal",)) in c1  # host-gateway = the network's gateway
    names = names_in(r, "client-1")
    assert names["client-1"] == ["10.5.0.2"] and names["broker"] == ["10.5.0.3"]
    assert "host.docker.internal" not in names_in(r, "broker")  # only where asked for
    text = render_hosts(c1)
    assert "10.5.0.3\tbroker\n" in text


def test_extra_hosts_mapping_form_and_explicit_address():
    r = resolved(
        TWO_NODES.replace(
            "a: {networks: [n]}", "a: {networks: [n], extra_hosts: {kafka.example: 203.0.113.9}}"
        )
    )
    assert names_in(r, "a")["kafka.example"] == ["203.0.113.9"]


def test_node_without_network_resolves_its_own_name():
    r = resolve(load_topology(EXAMPLES / "p2p-routes.yaml"))
    assert names_in(r, "a")["a"] == ["10.0.1.2"]
    assert "r1" not in names_in(r, "a")  # links carry no names (Docker has no such thing)


# ---------------------------------------------------------------- accepted forms


def test_compose_and_containerlab_shorthands():
    text = """\
lab: t
nodes:
  host: {}
  a:
    networks: [n]
    sysctls: ["net.ipv4.ip_forward=1"]
    processes:
      - command: "sleep 'a b'"
        environment: ["A=1", "B=x=y"]
  b:
    networks:
      n:
    sysctls: {net.ipv4.conf.all.rp_filter: 0}
networks:
  n:
links:
  - endpoints: ["a:p0", "b:p0"]
"""
    topo = loads_topology(text, "t.yaml")
    a = topo.nodes["a"]
    assert a.sysctls == {"net.ipv4.ip_forward": "1"}
    assert a.processes[0].command == ["sleep", "a b"] and a.processes[0].environment == {"A": "1", "B": "x=y"}
    assert topo.nodes["b"].sysctls == {"net.ipv4.conf.all.rp_filter": "0"}
    assert topo.links[0].type == "veth" and topo.links[0].endpoints[1].node == "b"


def test_default_interface_names_skip_explicit_ones():
    text = TWO_NODES.replace("a: {networks: [n]}", "a: {networks: [n], tuntap: [{name: eth0, mode: tap}]}")
    r = resolved(text)
    assert next(x.ifname for x in r.attachments if x.node == "a") == "eth1"


def test_default_route_via_first_gateway_network_and_override():
    r = resolve(load_topology(EXAMPLES / "multihomed.yaml"))
    assert [(rt.dst, rt.gateway, rt.dev) for rt in r.routes["app"]] == [("default", "172.30.1.1", "eth0")]
    r = resolve(load_topology(EXAMPLES / "p2p-routes.yaml"))
    assert [(rt.dst, rt.gateway) for rt in r.routes["a"]] == [("default", "10.0.1.1")]
    # an explicit default route replaces Docker's
    text = TWO_NODES.replace(
        "a: {networks: [n]}", "a: {networks: [n], routes: [{to: default, via: 10.1.0.9}]}"
    )
    assert [(rt.dst, rt.gateway, rt.auto) for rt in resolved(text).routes["a"]] == [
        ("default", "10.1.0.9", False)
    ]


def test_router_without_forwarding_gets_a_note():
    text = (
        (EXAMPLES / "p2p-routes.yaml").read_text().replace("sysctls: {net.ipv4.ip_forward: 1}", "sysctls: {}")
    )
    r = resolved(text)
    assert any("'r1'" in n and "ip_forward" in n for n in r.notes)


def test_every_example_loads():
    files = sorted(EXAMPLES.glob("*.yaml"))
    assert len(files) >= 7
    for f in files:
        load_topology(f)
