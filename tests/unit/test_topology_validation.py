"""Every class of bad topology input gets an InputError naming file, line and path (no root)."""

from __future__ import annotations

import pytest

from netlab.errors import InputError
from netlab.topology import loads_topology

BASE = """\
lab: t
nodes:
  host: {}
  broker:
    networks:
      kafka-net:
        ipv4_address: 10.5.0.3
networks:
  kafka-net:
    subnet: 10.5.0.0/16
    gateway: 10.5.0.1
"""


def error_of(text: str) -> InputError:
    with pytest.raises(InputError) as info:
        loads_topology(text, "t.yaml")
    assert info.value.exit_code == 2
    return info.value


def test_base_is_valid():
    topo = loads_topology(BASE, "t.yaml")
    assert topo.lab == "t" and list(topo.nodes) == ["host", "broker"]
    assert topo.source == "t.yaml"


CASES = [
    # (id, yaml, exact where, words the message must contain)
    ("yaml-syntax", "lab: t\nnodes: [host\n", "t.yaml:3", ["YAML syntax error"]),
    ("yaml-duplicate-key", BASE + "lab: u\n", "t.yaml:12: lab", ["duplicate key 'lab'"]),
    (
        "typo-did-you-mean",
        BASE.replace("ipv4_address", "ipv4_adress"),
        "t.yaml:7: nodes.broker.networks.kafka-net.ipv4_adress",
        ["unknown field 'ipv4_adress'", "did you mean 'ipv4_address'"],
    ),
    (
        "typo-top-level",
        BASE.replace("networks:\n  kafka-net:\n    subnet", "netwroks:\n  kafka-net:\n    subnet"),
        "t.yaml:8: netwroks",
        ["did you mean 'networks'", "Valid fields here: lab"],
    ),
    (
        "broker-block-not-a-mapping",
        BASE.replace("  broker:\n", "  broker:\n    broker: [listeners]\n"),
        "t.yaml:5: nodes.broker.broker",
        ["mapping of Kafka properties", "KAFKA_LISTENERS"],
    ),
    (
        "broker-block-bad-key",
        BASE.replace("  broker:\n", "  broker:\n    broker: {Listeners: x}\n"),
        "t.yaml:5: nodes.broker.broker",
        ["'Listeners' is neither a Kafka property", "KAFKA_ADVERTISED_LISTENERS"],
    ),
    (
        "broker-block-nested-value",
        BASE.replace("  broker:\n", "  broker:\n    broker: {listeners: {a: 1}}\n"),
        "t.yaml:5: nodes.broker.broker",
        ["listeners: expected a string"],
    ),
    ("expect-not-a-mapping", BASE + "expect: []\n", "t.yaml:12: expect", ["ExpectSpec"]),
    (
        "client-unknown-node",
        BASE + "clients: [{node: nobody, bootstrap: 'broker:9092'}]\n",
        "t.yaml:12: clients[0].node",
        ["node 'nobody' does not exist", "host, broker"],
    ),
    (
        "client-bad-bootstrap",
        BASE + "clients: [{node: host, bootstrap: 'broker'}]\n",
        "t.yaml:12: clients[0].bootstrap",
        ["expected HOST:PORT"],
    ),
    (
        "client-unknown-client",
        BASE + "clients: [{node: host, bootstrap: 'broker:9092', client: jafka}]\n",
        "t.yaml:12: clients[0].client",
        ["kcat", "kafka-python"],
    ),
    (
        "client-bad-expect",
        BASE + "clients: [{node: host, bootstrap: 'broker:9092', expect: broken}]\n",
        "t.yaml:12: clients[0].expect",
        ["not an expectation", "advertised_unresolved"],
    ),
    (
        "expect-broker-without-block",
        BASE + "expect: {brokers: {broker: ok}}\n",
        "t.yaml:12: expect.brokers.broker",
        ["has no `broker:` block"],
    ),
    (
        "expect-broker-bad-value",
        BASE.replace("  broker:\n", "  broker:\n    broker: {}\n")
        + "expect: {brokers: {broker: advertised_refused}}\n",
        "t.yaml:13: expect.brokers",
        ["ok or broker_not_started"],
    ),
    (
        "expect-link-from-non-broker",
        BASE + "expect: {links: [{from: host, to: 'broker:9092', expect: ok}]}\n",
        "t.yaml:12: expect.links[0].from",
        ["runs no broker"],
    ),
    ("missing-lab", BASE.replace("lab: t\n", ""), "t.yaml:1: lab", ["required field 'lab' is missing"]),
    (
        "missing-network-ref",
        BASE.replace("      kafka-net:\n        ipv4", "      kafka-nett:\n        ipv4"),
        "t.yaml:6: nodes.broker.networks.kafka-nett",
        ["network 'kafka-nett' does not exist", "kafka-net"],
    ),
    (
        "address-outside-subnet",
        BASE.replace("10.5.0.3", "10.6.0.3"),
        "t.yaml:7: nodes.broker.networks.kafka-net.ipv4_address",
        ["outside the subnet 10.5.0.0/16", "10.5.0.1-10.5.255.254"],
    ),
    (
        "address-is-network",
        BASE.replace("10.5.0.3", "10.5.0.0"),
        "t.yaml:7: nodes.broker.networks.kafka-net.ipv4_address",
        ["network address of 10.5.0.0/16"],
    ),
    (
        "address-is-broadcast",
        BASE.replace("10.5.0.3", "10.5.255.255"),
        "t.yaml:7: nodes.broker.networks.kafka-net.ipv4_address",
        ["broadcast address"],
    ),
    (
        "address-is-gateway",
        BASE.replace("10.5.0.3", "10.5.0.1"),
        "t.yaml:7: nodes.broker.networks.kafka-net.ipv4_address",
        ["gateway address"],
    ),
    (
        "address-not-ipv4",
        BASE.replace("10.5.0.3", "10.5.0.300"),
        "t.yaml:7: nodes.broker.networks.kafka-net.ipv4_address",
        ["not an IPv4 address", "10.5.0.3"],
    ),
    (
        "duplicate-address",
        BASE.replace(
            "networks:\n  kafka-net:\n    subnet",
            (
                "  other:\n    networks:\n      kafka-net: {ipv4_address: 10.5.0.3}\n"
                "networks:\n  kafka-net:\n    subnet"
            ),
        ),
        "t.yaml:10: nodes.other.networks.kafka-net.ipv4_address",
        ["already used by nodes.broker"],
    ),
    (
        "ifname-too-long",
        BASE.replace("        ipv4_address: 10.5.0.3", "        interface: averyverylongname0"),
        "t.yaml:7: nodes.broker.networks.kafka-net.interface",
        ["18 characters", "at most 15"],
    ),
    (
        "ifname-invalid",
        BASE.replace("        ipv4_address: 10.5.0.3", "        interface: eth/0"),
        "t.yaml:7: nodes.broker.networks.kafka-net.interface",
        ["not a valid interface name"],
    ),
    (
        "bad-lab-name",
        BASE.replace("lab: t", "lab: my-lab"),
        "t.yaml:1: lab",
        ["not a valid lab name", "netlab-<lab>-<node>"],
    ),
    (
        "bad-node-name",
        BASE.replace("  broker:", "  Broker_1:"),
        "t.yaml:4: nodes.Broker_1",
        ["not a valid node name"],
    ),
    (
        "uplink-subnet",
        BASE.replace("10.5.0.0/16", "192.0.2.0/24")
        .replace("10.5.0.1", "192.0.2.1")
        .replace("10.5.0.3", "192.0.2.3"),
        "t.yaml:7: nodes.broker.networks.kafka-net.ipv4_address",
        ["192.0.2.0/24 is this machine's real uplink"],
    ),
    (
        "uplink-subnet-only",
        BASE.replace("10.5.0.0/16", "192.0.0.0/16"),
        "t.yaml:10: networks.kafka-net.subnet",
        ["overlaps 192.0.2.0/24"],
    ),
    (
        "subnet-host-bits",
        BASE.replace("10.5.0.0/16", "10.5.0.1/16"),
        "t.yaml:10: networks.kafka-net.subnet",
        ["did you mean 10.5.0.0/16"],
    ),
    (
        "no-holder-node",
        BASE.replace("  host: {}\n", ""),
        "t.yaml:8: networks.kafka-net",
        ["held by node 'host' (the default), which does not exist"],
    ),
    (
        "holder-attached-to-own-network",
        BASE.replace("  host: {}", "  host:\n    networks: [kafka-net]"),
        "t.yaml:4: nodes.host.networks.kafka-net",
        ["holds the bridge"],
    ),
    (
        "port-out-of-range",
        BASE.replace(
            "networks:\n  kafka-net:\n    subnet",
            "    ports: ['99999:9092']\nnetworks:\n  kafka-net:\n    subnet",
        ),
        "t.yaml:8: nodes.broker.ports[0]",
        ["port 99999 is out of range"],
    ),
    (
        "port-bad-syntax",
        BASE.replace(
            "networks:\n  kafka-net:\n    subnet", "    ports: ['9092']\nnetworks:\n  kafka-net:\n    subnet"
        ),
        "t.yaml:8: nodes.broker.ports[0]",
        ["HOSTPORT:CONTAINERPORT"],
    ),
    (
        "port-bare-int",
        BASE.replace(
            "networks:\n  kafka-net:\n    subnet", "    ports: [9092]\nnetworks:\n  kafka-net:\n    subnet"
        ),
        "t.yaml:8: nodes.broker.ports[0]",
        ['"9092:9092"'],
    ),
    (
        "port-bad-proto",
        BASE.replace(
            "networks:\n  kafka-net:\n    subnet",
            "    ports: ['1:2/sctp']\nnetworks:\n  kafka-net:\n    subnet",
        ),
        "t.yaml:8: nodes.broker.ports[0]",
        ["use /tcp or /udp"],
    ),
    (
        "port-range",
        BASE.replace(
            "networks:\n  kafka-net:\n    subnet",
            "    ports: ['1-2:1-2']\nnetworks:\n  kafka-net:\n    subnet",
        ),
        "t.yaml:8: nodes.broker.ports[0]",
        ["ranges are not supported"],
    ),
    (
        "port-conflict",
        BASE.replace(
            "networks:\n  kafka-net:\n    subnet",
            (
                "    ports: ['9092:9092']\n  b2:\n    networks: [kafka-net]\n"
                "    ports: ['127.0.0.1:9092:9092']\nnetworks:\n  kafka-net:\n    subnet"
            ),
        ),
        "t.yaml:11: nodes.b2.ports[0]",
        ["already published by nodes.broker.ports[0]"],
    ),
    (
        "port-host-ip-not-on-publisher",
        BASE.replace(
            "networks:\n  kafka-net:\n    subnet",
            "    ports: ['10.9.9.9:9092:9092']\nnetworks:\n  kafka-net:\n    subnet",
        ),
        "t.yaml:8: nodes.broker.ports[0]",
        ["not an address of the publishing node 'host'", "10.5.0.1"],
    ),
    (
        "route-via-not-on-link",
        BASE.replace(
            "networks:\n  kafka-net:\n    subnet",
            "    routes: [{to: 10.9.0.0/16, via: 10.6.0.1}]\nnetworks:\n  kafka-net:\n    subnet",
        ),
        "t.yaml:8: nodes.broker.routes[0].via",
        ["not on a subnet", "10.5.0.0/16"],
    ),
    (
        "route-needs-via-or-dev",
        BASE.replace(
            "networks:\n  kafka-net:\n    subnet",
            "    routes: [{to: 10.9.0.0/16}]\nnetworks:\n  kafka-net:\n    subnet",
        ),
        "t.yaml:8: nodes.broker.routes[0]",
        ["needs `via`"],
    ),
    (
        "route-to-connected-subnet",
        BASE.replace(
            "networks:\n  kafka-net:\n    subnet",
            "    routes: [{to: 10.5.0.0/16, dev: eth0}]\nnetworks:\n  kafka-net:\n    subnet",
        ),
        "t.yaml:8: nodes.broker.routes[0].to",
        ["directly connected"],
    ),
    (
        "route-dev-unknown",
        BASE.replace(
            "networks:\n  kafka-net:\n    subnet",
            "    routes: [{to: 10.9.0.0/16, dev: eth7}]\nnetworks:\n  kafka-net:\n    subnet",
        ),
        "t.yaml:8: nodes.broker.routes[0].dev",
        ["no interface 'eth7'", "eth0"],
    ),
    (
        "host-gateway-without-network",
        BASE.replace("  host: {}", "  host:\n    extra_hosts: ['x:host-gateway']"),
        "t.yaml:4: nodes.host.extra_hosts[0]",
        ["host-gateway"],
    ),
    (
        "extra-host-bad",
        BASE.replace("  host: {}", "  host:\n    extra_hosts: ['nocolon']"),
        "t.yaml:4: nodes.host.extra_hosts",
        ["NAME:ADDRESS"],
    ),
    (
        "sysctl-not-net",
        BASE.replace("  host: {}", "  host:\n    sysctls: {kernel.pid_max: 1000}"),
        "t.yaml:4: nodes.host.sysctls",
        ["only per-namespace network sysctls"],
    ),
    (
        "tun-on-bridge",
        BASE.replace("  host: {}", "  host:\n    tuntap: [{name: tun0, mode: tun, network: kafka-net}]"),
        "t.yaml:4: nodes.host.tuntap[0]",
        ["cannot be a bridge port"],
    ),
    (
        "tap-on-foreign-bridge",
        BASE.replace(
            "networks:\n  kafka-net:\n    subnet",
            "    tuntap: [{name: tap0, mode: tap, network: kafka-net}]\nnetworks:\n  kafka-net:\n    subnet",
        ),
        "t.yaml:8: nodes.broker.tuntap[0].network",
        ["is in node 'host', not 'broker'"],
    ),
    (
        "duplicate-ifname",
        BASE.replace("10.5.0.3", "10.5.0.3\n        interface: eth0").replace(
            "networks:\n  kafka-net:\n    subnet",
            "    tuntap: [{name: eth0, mode: tap}]\nnetworks:\n  kafka-net:\n    subnet",
        ),
        "t.yaml:9: nodes.broker.tuntap[0].name",
        ["interface 'eth0' is already used in node 'broker'"],
    ),
    (
        "overlapping-subnets",
        BASE + "  other:\n    subnet: 10.5.128.0/17\n",
        "t.yaml:13: networks.other.subnet",
        ["overlaps 10.5.0.0/16"],
    ),
    (
        "link-unknown-type",
        BASE + "links:\n  - type: gre\n    endpoints: ['a:x', 'b:y']\n",
        "t.yaml:13: links[0]",
        ["'veth'", "'vxlan'", "'tun'"],
    ),
    (
        "link-endpoint-shorthand",
        BASE + "links:\n  - endpoints: ['hosteth0', 'broker:eth1']\n",
        "t.yaml:13: links[0].endpoints[0]",
        ["NODE:INTERFACE"],
    ),
    (
        "link-unknown-node",
        BASE + "links:\n  - endpoints: ['host:eth1', 'nobody:eth1']\n",
        "t.yaml:13: links[0].endpoints[1].node",
        ["node 'nobody' does not exist"],
    ),
    (
        "link-one-endpoint",
        BASE + "links:\n  - endpoints: ['host:eth1']\n",
        "t.yaml:13: links[0].endpoints",
        ["at least 2"],
    ),
    (
        "vxlan-no-underlay",
        BASE + "links:\n  - type: vxlan\n    vni: 5\n    endpoints: ['host:vx0', 'broker:vx0']\n",
        "t.yaml:15: links[0].endpoints[0]",
        ["set `underlay: <network>`"],
    ),
    (
        "vxlan-bad-vni",
        BASE + "links:\n  - type: vxlan\n    vni: 0\n    endpoints: ['host:vx0', 'broker:vx0']\n",
        "t.yaml:14: links[0].vni",
        ["greater than or equal to 1"],
    ),
    (
        "process-duplicate-name",
        BASE.replace(
            "networks:\n  kafka-net:\n    subnet",
            (
                "    processes:\n      - command: sleep 100\n      - command: [sleep, '200']\n"
                "networks:\n  kafka-net:\n    subnet"
            ),
        ),
        "t.yaml:10: nodes.broker.processes[1]",
        ["already has a process named 'sleep'"],
    ),
    (
        "process-reserved-name",
        BASE.replace(
            "networks:\n  kafka-net:\n    subnet",
            (
                "    processes:\n      - {name: port-proxy, command: sleep 1}\n"
                "networks:\n  kafka-net:\n    subnet"
            ),
        ),
        "t.yaml:9: nodes.broker.processes[0].name",
        ["reserved"],
    ),
    (
        "process-relative-cwd",
        BASE.replace(
            "networks:\n  kafka-net:\n    subnet",
            (
                "    processes:\n      - {command: sleep 1, working_dir: tmp}\n"
                "networks:\n  kafka-net:\n    subnet"
            ),
        ),
        "t.yaml:9: nodes.broker.processes[0].working_dir",
        ["absolute path"],
    ),
    (
        "vlan-parent-unknown",
        BASE.replace("  host: {}", "  host:\n    vlans: [{name: eth9.5, parent: eth9, id: 5}]"),
        "t.yaml:4: nodes.host.vlans[0].parent",
        ["no interface 'eth9'"],
    ),
    (
        "typo-in-union-member",
        BASE
        + (
            "links:\n  - type: vxlan\n    vni: 3\n    undrlay: kafka-net\n"
            "    endpoints: ['host:v', 'broker:v']\n"
        ),
        "t.yaml:15: links[0].undrlay",
        ["did you mean 'underlay'", "Valid fields here: type, vni, port, underlay, endpoints"],
    ),
    (
        "typo-reported-before-missing",
        BASE + "links:\n  - endpoints: [{node: host, iface: v}, 'broker:v']\n",
        "t.yaml:13: links[0].endpoints[0].iface",
        ["did you mean 'interface'", "1 more problem"],
    ),
    (
        "netem-bad-duration",
        BASE + "links:\n  - endpoints: ['host:v', 'broker:v']\n    netem: {delay: 5 parsecs}\n",
        "t.yaml:14: links[0].netem.delay",
        ["expected e.g. 50ms"],
    ),
    (
        "bad-network-key",
        BASE.replace(
            "networks:\n  kafka-net:\n    subnet", "networks:\n  Kafka_Net: {}\n  kafka-net:\n    subnet"
        ),
        "t.yaml:9: networks.Kafka_Net",
        ["not a valid network name"],
    ),
    ("multiple-documents", BASE + "---\nlab: u\n", "t.yaml:12", ["expected a single document"]),
    ("wrong-type", BASE.replace("  host: {}", "  host: 5"), "t.yaml:3: nodes.host", ["valid dictionary"]),
]


@pytest.mark.parametrize("text,where,words", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_located(text, where, words):
    err = error_of(text)
    assert err.where == where, str(err)
    for word in words:
        assert word in err.message, err.message


def test_empty_file():
    err = error_of("")
    assert err.where == "t.yaml:1" and "lab:" in err.message


def test_not_a_mapping():
    assert "YAML mapping" in error_of("- a\n- b\n").message


def test_missing_file(tmp_path):
    from netlab.topology import load_topology

    with pytest.raises(InputError) as info:
        load_topology(tmp_path / "nope.yaml")
    assert info.value.where == str(tmp_path / "nope.yaml") and "no such file" in info.value.message
