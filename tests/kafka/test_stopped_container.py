"""A container whose broker does not start has exited (netlab/containers.py): Docker withdraws
its names and published ports, and so does the model, from the file alone. A node that is not a
container (a server on a switch, a VM, a Kubernetes node) keeps them."""

from __future__ import annotations

from pathlib import Path

from netlab.containers import container_nodes, exited_sentence, stopped_containers
from netlab.kafka.lab_report import predicted_report, world_of
from netlab.names import HostsIndex, hosts_entries
from netlab.topology import load_topology, loads_topology

TOPOLOGIES = Path(__file__).resolve().parents[2] / "topologies"
BIND_ERROR = (
    "org.apache.kafka.common.KafkaException: Socket server failed to bind to 192.168.8.133:9091: "
    "Cannot assign requested address."
)


def _rows(report):
    return {(v.from_node, v.to): v for v in report.verdicts}


def test_which_nodes_are_containers():
    assert container_nodes(load_topology(TOPOLOGIES / "04-bind-foreign-address.yaml")) >= {
        "broker-1",
        "client",
    }
    assert "host" not in container_nodes(load_topology(TOPOLOGIES / "04-bind-foreign-address.yaml"))
    # a server on a switch with no gateway is a machine, not a container
    assert "server" not in container_nodes(load_topology(TOPOLOGIES / "08-multihomed.yaml"))
    mac = container_nodes(load_topology(TOPOLOGIES / "09-docker-desktop-mac.yaml"))
    assert "broker" in mac and "docker-vm" not in mac and "mac" not in mac  # the VM's NIC is a TAP
    k8s = container_nodes(load_topology(TOPOLOGIES / "10-kubernetes.yaml"))
    assert {"kafka-pod", "app-1"} <= k8s and not {"k8s-1", "k8s-2", "lan"} & k8s  # nodes route
    vpn = container_nodes(load_topology(TOPOLOGIES / "11-vpn-tun.yaml"))
    assert not {"laptop", "vpn-server"} & vpn  # a route, a TUN end


def test_a_container_whose_broker_refuses_to_start_loses_its_name_and_ports():
    report = predicted_report(load_topology(TOPOLOGIES / "04-bind-foreign-address.yaml"))
    assert report.mismatches() == []
    rows = _rows(report)
    gone = rows[("client", "broker-1:29092")]
    assert gone.cause == "bootstrap_unresolved" and gone.client_error == "Name or service not known"
    assert gone.reason == (
        f"the name broker-1 does not resolve on client: {exited_sentence('broker-1', BIND_ERROR)}; "
        "Docker's embedded DNS no longer answers for broker-1"
    )
    for row in (("host", "localhost:9091"), ("laptop", "192.168.8.133:9091")):
        v = rows[row]
        assert v.cause == "bootstrap_refused", v
        assert f"container broker-1 exited: Kafka refused to start: {BIND_ERROR}" in v.reason
        assert v.reason.endswith("Docker withdrew its published port 9091 on host")


def test_the_stopped_container_keeps_its_own_names_and_the_others_lose_only_its():
    r = load_topology(TOPOLOGIES / "04-bind-foreign-address.yaml")
    index = HostsIndex(r, withdrawn={"broker-1"})
    client = dict((a, n) for a, n in hosts_entries(r, "client", index))
    assert "10.5.0.11" not in client and client["10.5.0.2"] == ("client",)
    own = dict((a, n) for a, n in hosts_entries(r, "broker-1", index))
    assert own["10.5.0.11"] == ("broker-1",)  # its own hosts file: it is not a DNS record


def test_a_machine_whose_broker_refuses_keeps_its_name():
    text = (TOPOLOGIES / "08-multihomed.yaml").read_text()
    text = text.replace("listeners: FRONT://198.51.100.10:9092", "listeners: FRONT://198.51.100.99:9092")
    r = loads_topology(text, "08-broken.yaml")
    world = world_of(r)
    assert not world.broker(1).running and world.stopped == {}
    v = _rows(predicted_report(r))[("back-client", "server:9093")]
    assert v.cause == "bootstrap_refused" and "container" not in v.reason  # the name still resolves


def test_live_start_errors_decide_which_containers_stopped():
    r = load_topology(TOPOLOGIES / "default.yaml")
    assert world_of(r).stopped == {}
    world = world_of(r, start_errors={"broker": "the broker process is killed"})
    assert world.stopped == {"broker": "the broker process is killed"}
    assert "broker" not in world.vantage("client-1").names
    assert world.published == [] and [p.listen_port for p in world.withdrawn["broker"]] == [9092]
    assert stopped_containers(r, {"broker": None}) == {}
