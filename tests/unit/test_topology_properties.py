"""Properties of IPAM, hosts files and the compiler over generated bridge labs (hypothesis)."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from netlab.names import hosts_entries
from netlab.plan import compile_plan
from netlab.topology import loads_topology, resolve


@st.composite
def bridge_labs(draw):
    n_nets = draw(st.integers(1, 3))
    n_nodes = draw(st.integers(1, 12))
    nets = {f"n{i}": {"subnet": f"10.{i}.0.0/28"} for i in range(n_nets)}  # 13 usable after the gateway
    nodes: dict = {"host": {}}
    statics: dict[str, set[int]] = {name: set() for name in nets}
    for i in range(n_nodes):
        chosen = draw(st.lists(st.sampled_from(sorted(nets)), unique=True, max_size=n_nets))
        attach = {}
        for net in chosen:
            spec: dict = {}
            if draw(st.booleans()):
                host = draw(st.integers(2, 14).filter(lambda h, net=net: h not in statics[net]))
                statics[net].add(host)
                spec["ipv4_address"] = f"10.{net[1:]}.0.{host}"
            attach[net] = spec
        nodes[f"c{i}"] = {"networks": attach}
    return {"lab": "prop", "nodes": nodes, "networks": nets}


@settings(max_examples=40, deadline=None)
@given(bridge_labs())
def test_addresses_are_unique_valid_and_statics_kept(data):
    topo = loads_topology(yaml.safe_dump(data, sort_keys=False), "gen.yaml").topology
    r = resolve(topo)
    seen: set[IPv4Address] = set()
    for a in r.attachments:
        net = r.networks[a.network]
        assert a.address in net.subnet
        assert a.address not in (net.subnet.network_address, net.subnet.broadcast_address, net.gateway)
        assert a.address not in seen
        seen.add(a.address)
        wanted = data["nodes"][a.node]["networks"][a.network].get("ipv4_address")
        if wanted:
            assert str(a.address) == wanted
    assert compile_plan(r) == compile_plan(loads_topology(yaml.safe_dump(data, sort_keys=False), "gen.yaml"))


@settings(max_examples=40, deadline=None)
@given(bridge_labs())
def test_a_name_resolves_exactly_where_the_network_is_shared(data):
    r = loads_topology(yaml.safe_dump(data, sort_keys=False), "gen.yaml")
    nets_of = {node: {a.network for a in r.attachments_of(node)} for node in data["nodes"]}
    for node in data["nodes"]:
        names = {name: addr for addr, ns in hosts_entries(r, node) for name in ns}
        for other in data["nodes"]:
            if other == node:
                continue
            shared = nets_of[node] & nets_of[other]
            assert (other in names) == bool(shared), (node, other)
            if shared:
                assert IPv4Address(names[other]) in {
                    a.address for a in r.attachments_of(other) if a.network in shared
                }
                assert any(
                    IPv4Address(names[other]) in IPv4Network(data["networks"][n]["subnet"]) for n in shared
                )
