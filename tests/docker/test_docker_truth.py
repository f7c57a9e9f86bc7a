"""The namespace model checked against Docker itself: every shipped topology that Docker can
express, built on a real dockerd, gives the verdicts its `expect:` rows give (which the namespace
engine is held to by tests/topologies), row by row, and netlab's prediction agrees."""

from __future__ import annotations

from pathlib import Path

import pytest
from dockerlab import REPO, renamed

from netlab.docker.deploy import broker_nodes, deploy, docker_host_of, undeploy, wait_brokers
from netlab.docker.project import read_project
from netlab.docker.verdicts import topology_report
from netlab.errors import InputError
from netlab.topology import load_topology
from netlab.topology.resolve import resolve

pytestmark = [pytest.mark.root, pytest.mark.clients, pytest.mark.slow]


def _expressible() -> list[Path]:
    out = []
    for path in sorted((REPO / "topologies").glob("*.yaml")):
        t = load_topology(path).topology
        try:
            docker_host_of(t, resolve(t))
        except InputError:
            continue
        out.append(path)
    return out


EXPRESSIBLE = _expressible()

# Where Docker and the namespace model differ, with the evidence of this test (docs/docker.md).
# A broker that refuses to start ends its container's main process, so Docker stops the
# container: its name leaves the embedded DNS (clients get "not resolved", not "refused") and its
# published ports are withdrawn (the host gets "refused", not a proxy that accepts and closes).
# A lab node outlives its broker, so netlab predicts what a restarting container would show.
STOPPED_CONTAINER = {
    "04-bind-foreign-address": [
        "row 2, host -> localhost:9091: expected bootstrap_not_kafka, but it fails with bootstrap_refused "
        "at connect localhost:9091",
        "row 3, laptop -> 192.168.8.133:9091: expected bootstrap_not_kafka, but it fails with "
        "bootstrap_refused at connect 192.168.8.133:9091",
        "row 4, client -> broker-1:29092: expected bootstrap_refused, but it fails with bootstrap_unresolved "
        "at resolve broker-1:29092",
    ],
    "06-same-port": [
        "row 2, client -> broker:9092: expected bootstrap_refused, but it fails with bootstrap_unresolved "
        "at resolve broker:9092",
        "row 3, host -> localhost:9092: expected bootstrap_not_kafka, but it fails with bootstrap_refused "
        "at connect localhost:9092",
    ],
}


def test_most_shipped_topologies_are_expressible():
    # what Docker cannot express: a second Docker host or a VM (09), two Kubernetes nodes (10),
    # a VPN tunnel (11); the rest must all be checked against Docker
    assert len(EXPRESSIBLE) >= 10, [p.name for p in EXPRESSIBLE]


@pytest.mark.parametrize("path", EXPRESSIBLE, ids=lambda p: p.stem)
def test_docker_agrees_with_the_model(engine, path):
    lab = "dkt" + path.stem.replace("-", "")[:12]
    topology = renamed(path, lab)
    deployed = deploy(engine.client, topology, resolve(topology))
    try:
        wait_brokers(engine.client, deployed, broker_nodes(topology))
        project = read_project(engine.client, lab, engine.url)
        nodes = {c.service: c for c in project.containers}
        report = topology_report(engine.client, project, topology, nodes, deployed.host, timeout=4)
        assert report.mismatches() == STOPPED_CONTAINER.get(path.stem, []), report.mismatches()
        if path.stem not in STOPPED_CONTAINER:
            assert report.disagreements() == [], report.disagreements()
        else:  # the rows from the stopped container were not run, and the report says so
            assert any("Docker runs nothing in a stopped container" in n for n in report.notes)
    finally:
        undeploy(engine.client, deployed)
