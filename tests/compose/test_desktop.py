"""`--desktop mac|windows`: Docker Desktop's three differences, modelled as a VM node
(`docker-desktop`) between the host and the containers (as topologies/09 draws a Mac running
Docker in a VM), each with a verdict row, predicted and live:

1. host.docker.internal resolves in containers (both), and on the Windows host itself;
2. container addresses are not routable from the host (the bridges are in the VM);
3. published ports are published by the VM and forwarded from the host: `localhost:9092` on the
   host goes host -> VM -> container; the VM itself reaches them on its own localhost.

conduktor's zk-single-kafka-single advertises DOCKER://host.docker.internal:29092 for exactly this."""

from __future__ import annotations

from pathlib import Path

import pytest

from netlab.compose import ComposeOptions, compose_lab
from netlab.compose.translate import DESKTOP_VM, DESKTOP_VM_IP
from netlab.kafka.lab_report import predicted_report

CORPUS = Path(__file__).parent / "corpus" / "conduktor-zk-single-kafka-single.yml"
KAFKA_IP = "172.18.0.3"  # kafka1 on corpus_default (zoo1 is .2): Docker's order


def probes(desktop: str) -> list[str]:
    return [
        "host=localhost:9092",  # 3. through the VM
        f"host={KAFKA_IP}:9092",  # 2. a container address from the host
        "zoo1=host.docker.internal:29092",  # 1. in a container
        "host=localhost:29092",  # 1. advertised host.docker.internal, on the host (Windows only)
        "vm=localhost:9092",  # 3. the VM publishes the port itself
    ]


def lab_of(desktop: str | None, project: str = "compdesk"):
    return compose_lab(CORPUS, ComposeOptions(project=project, desktop=desktop, probes=probes(desktop or "")))


def client_rows(report) -> dict[tuple[str, str], str]:
    return {
        (v.from_node, v.to): ("ok" if v.ok else v.cause)
        for v, k in zip(report.verdicts, report.kinds, strict=True)
        if k == "client"
    }


EXPECTED = {
    "mac": {
        ("host", "localhost:9092"): "ok",
        ("host", f"{KAFKA_IP}:9092"): "bootstrap_unreachable",
        ("zoo1", "host.docker.internal:29092"): "ok",
        ("host", "localhost:29092"): "advertised_unresolved",  # the Mac does not resolve it
        (DESKTOP_VM, "localhost:9092"): "ok",
    },
    "windows": {
        ("host", "localhost:9092"): "ok",
        ("host", f"{KAFKA_IP}:9092"): "bootstrap_unreachable",
        ("zoo1", "host.docker.internal:29092"): "ok",
        ("host", "localhost:29092"): "ok",  # Windows' hosts file has it: the host's address
        (DESKTOP_VM, "localhost:9092"): "ok",
    },
}


def test_the_vm_holds_the_bridges_and_publishes_for_the_host():
    topo = lab_of("mac").topology
    assert [n for n, net in topo.networks.items() if net.node == DESKTOP_VM] == ["compdesk-default"]
    vm = topo.nodes[DESKTOP_VM]
    assert str(vm.networks["desktop-vm"].ipv4_address) == DESKTOP_VM_IP
    assert {9092, 29092} <= {p.published for p in vm.ports}  # and zoo1's 2181, kafka1's JMX 9999
    assert all(p.network == "desktop-vm" for p in vm.ports)
    assert [(h.name, h.address) for h in topo.nodes["kafka1"].extra_hosts] == [
        ("host.docker.internal", "host-gateway")  # the container's gateway: the VM
    ]


@pytest.mark.parametrize("desktop", ["mac", "windows"])
def test_predict_the_three_differences(desktop):
    rows = client_rows(predicted_report(lab_of(desktop).topology))
    assert rows == EXPECTED[desktop]


def test_without_desktop_the_host_reaches_containers_and_nothing_resolves_host_docker_internal():
    lab = compose_lab(CORPUS, ComposeOptions(project="compdesk", probes=probes("")[:4]))
    rows = client_rows(predicted_report(lab.topology))
    assert rows[("host", f"{KAFKA_IP}:9092")] == "ok"  # Linux: the host holds the bridge
    assert rows[("zoo1", "host.docker.internal:29092")] == "bootstrap_unresolved"


@pytest.mark.root
@pytest.mark.clients
@pytest.mark.slow
def test_live_docker_desktop_mac():
    from netlab import lab as labapi
    from netlab.compose.topology_out import to_yaml
    from netlab.kafka.lab_report import broker_logs, live_report
    from netlab.lab.brokers import wait_started
    from netlab.plan import compile_plan
    from netlab.resources import Namespace

    lab = lab_of("mac", project="composedesk1")
    plan = compile_plan(lab.topology)
    labapi.apply(plan, topology_text=to_yaml(lab.translation, ["--desktop mac test"]))
    try:
        wait_started(plan.lab)
        prefixes = {s.node: ["ip", "netns", "exec", s.netns] for s in plan.of_kind(Namespace)}
        report = live_report(
            plan.lab, lab.topology, prefixes, broker_logs(plan.lab, lab.topology), timeout=10
        )
        said = [f"{v.from_node} -> {v.to}: {v.client_error}" for v in report.verdicts if not v.ok]
        assert report.disagreements() == [], "\n".join(report.disagreements() + said)
        assert client_rows(report) == EXPECTED["mac"], said
    finally:
        labapi.destroy(plan.lab)
