"""The namespace model checked against Docker itself: every shipped topology that Docker can
express, built on a real dockerd, gives the verdicts its `expect:` rows give (which the namespace
engine is held to by tests/topologies), row by row, and netlab's prediction agrees, row by row,
with no list of exceptions."""

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
        # full agreement, stopped containers included: a broker that refuses to start stops its
        # container, and netlab withdraws its names and published ports as Docker does
        assert report.mismatches() == [], report.mismatches()
        assert report.disagreements() == [], report.disagreements()
    finally:
        undeploy(engine.client, deployed)
