"""`netlab check --docker` and `netlab import docker` on a real dockerd (private, in a throwaway
namespace): the default lab deployed as a compose project, its rows run as if inside each
container, compared with netlab's prediction and with the lab's own `expect:` rows."""

from __future__ import annotations

import json
import os
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from dockerlab import REPO, netlab_cli, netns_prefix, renamed

from netlab.docker.deploy import broker_nodes, deploy, wait_brokers
from netlab.docker.enter import ContainerGone, container_prefix
from netlab.docker.project import DockerUnavailable, connect, read_project
from netlab.docker.to_topology import to_topology
from netlab.docker.verdicts import docker_report, imported_topology, require_unchanged, topology_report
from netlab.errors import InputError
from netlab.kafka.lab_report import predicted_report
from netlab.kafka.verdicts import check
from netlab.topology.resolve import resolve

pytestmark = [pytest.mark.root, pytest.mark.clients, pytest.mark.slow]

LAB = "dkdefault"


@pytest.fixture(scope="module")
def default_project(engine):
    topology = renamed(REPO / "topologies" / "default.yaml", LAB)
    deployed = deploy(engine.client, topology, resolve(topology))
    logs = wait_brokers(engine.client, deployed, broker_nodes(topology))
    assert "started" in logs["broker"], logs
    return topology, deployed, read_project(engine.client, LAB, engine.url)


def test_project_is_read_as_docker_built_it(default_project):
    _topology, deployed, project = default_project
    assert {c.service for c in project.containers} == {"broker", "client-1", "client-2"}
    broker = project.container("broker")
    assert [(a.network, a.address) for a in broker.attachments] == [("kafka-net", "10.5.0.3")]
    assert [(p.container_port, p.host_port, p.host_ip) for p in broker.published] == [(9092, 9092, None)]
    assert project.networks["kafka-net"].bridge == "br-kafka"  # the topology's bridge name
    assert project.engine_pid and Path(f"/proc/{project.engine_pid}").exists()
    assert set(deployed.containers) == {"broker", "client-1", "client-2"}


def test_expect_rows_hold_on_real_docker(engine, default_project):
    """The truth test for the default lab: its own clients and expect: rows, on Docker."""
    topology, deployed, project = default_project
    nodes = {c.service: c for c in project.containers}
    report = topology_report(engine.client, project, topology, nodes, deployed.host, timeout=4)
    assert report.mismatches() == [], report.mismatches()
    assert report.disagreements() == [], report.disagreements()
    assert [v.ok for v in report.verdicts] == [True, True, False, False, True, False, False, True]


def test_check_docker_generated_rows(engine, default_project):
    _topology, _deployed, project = default_project
    imported = to_topology(project)
    report = docker_report(engine.client, project, imported, timeout=4)
    rows = {(v.from_node, v.to): v for v in report.verdicts}
    assert rows[("host", "localhost:9092")].ok
    assert rows[("client-1", "broker:29092")].ok
    refused = rows[("client-1", "broker:9092")]
    assert not refused.ok and refused.cause == "advertised_refused"
    assert "localhost:9092" in refused.reason and refused.client_error
    assert ("client-1", "broker:29093") not in rows  # no controller listener in this lab
    assert report.disagreements() == [], report.disagreements()


def test_import_round_trips(default_project):
    topology, _deployed, project = default_project
    imported = to_topology(project)
    again = imported_topology(imported)
    assert again.lab == LAB
    original = resolve(topology)
    back = resolve(again)
    assert sorted((a.node, a.network, str(a.address)) for a in original.attachments) == sorted(
        (a.node, a.network, str(a.address)) for a in back.attachments
    )
    assert {(p.node, p.listen_port, p.target_port) for p in original.ports} == {
        (p.node, p.listen_port, p.target_port) for p in back.ports
    }
    assert predicted_report(again).verdicts  # the imported lab predicts without root


def _ours(netns: str) -> bool:
    return netns.startswith(netns_prefix())


def _others_netns_mount(line: str) -> bool:
    """A /run/netns/<name> mount of a namespace this module did not make."""
    target = line.split()[4]
    return target.startswith("/run/netns/") and not _ours(target.rsplit("/", 1)[1])


def _settled(ip_json: str) -> str:
    """`ip -j addr` without the kernel's duplicate address detection in progress: a container's
    new IPv6 link-local address is `tentative` for about a second, whatever netlab does."""
    links = json.loads(ip_json)
    for link in links:
        for addr in link.get("addr_info", []):
            addr.pop("tentative", None)
    return json.dumps(links, sort_keys=True)


def _fingerprint(engine) -> dict:
    def run(*argv: str) -> str:
        return subprocess.run(argv, capture_output=True, text=True, check=True).stdout

    containers = {
        c.name: (
            c.attrs["State"]["Pid"],
            c.attrs["State"]["StartedAt"],
            c.attrs["NetworkSettings"]["Networks"],
        )
        for c in engine.client.containers.list(all=True)
    }
    networks = {n.name: n.attrs["Containers"] for n in engine.client.networks.list(greedy=True)}
    return {
        "containers": json.dumps(containers, sort_keys=True),
        "networks": json.dumps(networks, sort_keys=True),
        "links": run("ip", "-j", "link", "show"),
        "addrs": _settled(run("ip", "-j", "addr", "show")),
        "routes": run("ip", "-j", "route", "show", "table", "all"),
        "nft": run("nft", "list", "ruleset"),
        # other suites (and, on a developer's machine, other runs) add and remove their own
        # namespaces meanwhile: only ours and everything else of the root mount table count
        "mounts": [
            line
            for line in Path("/proc/self/mountinfo").read_text().splitlines()
            if not _others_netns_mount(line)
        ],
        "netns": sorted(n for n in os.listdir("/run/netns") if _ours(n)),
        "engine_ns": _settled(run("ip", "netns", "exec", engine.netns, "ip", "-j", "addr", "show")),
    }


def test_check_docker_changes_nothing(engine, default_project):
    _topology, _deployed, project = default_project
    before = _fingerprint(engine)
    docker_report(engine.client, project, to_topology(project), timeout=4)
    after = _fingerprint(engine)
    changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    assert changed == {}, changed


def test_cli_check_and_import(engine, default_project, tmp_path):
    env = {"DOCKER_HOST": engine.url}
    cp = netlab_cli("check", "--docker", LAB, "--json", env=env, timeout=300)
    rows = json.loads(cp.stdout)
    assert cp.returncode == 1, cp.stderr  # some rows fail: exit 1
    assert {(r["from"], r["to"]): r["ok"] for r in rows}[("host", "localhost:9092")] is True
    out = tmp_path / "lab.yaml"
    cp = netlab_cli("import", "docker", LAB, "-o", str(out), env=env, timeout=60)
    assert cp.returncode == 0, cp.stderr
    cp = netlab_cli("validate", str(out), env=env, timeout=60)
    assert cp.returncode == 0, cp.stdout + cp.stderr
    nowhere = netlab_cli("import", "docker", LAB, "-o", str(tmp_path / "no" / "lab.yaml"), env=env)
    assert nowhere.returncode == 2 and "--output: cannot write" in nowhere.stderr, nowhere.stderr


def test_bad_input(engine, default_project, tmp_path):
    with pytest.raises(DockerUnavailable) as e:
        connect(f"unix://{tmp_path}/no.sock")
    assert e.value.exit_code == 2 and "no such socket" in str(e.value)
    with pytest.raises(InputError, match="no compose project 'nope'.*dkdefault"):
        read_project(engine.client, "nope", engine.url)
    cp = netlab_cli("check", "--docker", LAB, env={"DOCKER_HOST": f"unix://{tmp_path}/no.sock"}, timeout=60)
    assert cp.returncode == 2 and "no Docker engine answers" in cp.stderr + cp.stdout


def test_no_permission_on_the_socket(engine, default_project):
    # as nobody: the engine's socket is in a directory only root may enter
    cp = netlab_cli("import", "docker", LAB, env={"DOCKER_HOST": engine.url, "HOME": "/tmp"}, user=65534)
    assert cp.returncode == 2, cp.stdout + cp.stderr
    assert "permission denied on the socket" in cp.stderr and engine.url in cp.stderr


def test_a_stopped_container_is_a_clear_error(engine, default_project):
    _topology, _deployed, project = default_project
    client_1 = project.container("client-1")
    engine.client.containers.get(client_1.id).stop(timeout=0)
    try:
        gone = read_project(engine.client, LAB, engine.url).container("client-1")
        with pytest.raises(ContainerGone, match="client-1 is not running"):
            container_prefix(gone, project.engine_pid)
        imported = to_topology(read_project(engine.client, LAB, engine.url))
        assert any("client-1" in n and "left out" in n for n in imported.notes)
    finally:
        _start_again(engine, client_1.id)


def _start_again(engine, container_id: str) -> None:
    ctr = engine.client.containers.get(container_id)
    ctr.start()
    deadline = time.monotonic() + 20
    while ctr.status != "running" and time.monotonic() < deadline:
        time.sleep(0.1)
        ctr.reload()
    assert ctr.status == "running", ctr.status


def test_a_container_that_stops_during_a_check_is_a_clear_error(engine, default_project):
    """The rows run against the containers as they were when the check began: one that stops
    meanwhile makes the check an error naming it and when (exit 2), not rows that fail."""
    topology, deployed, _project = default_project
    project = read_project(engine.client, LAB, engine.url)
    nodes = {c.service: c for c in project.containers}
    assert nodes["client-1"].running
    began = datetime.now(UTC)
    require_unchanged(engine.client, nodes, began)  # nothing changed: no error
    stopped: list[str] = []

    def stop_then_run(world, plan, prefixes, **kw):
        # the rows' prefixes were made while client-1 ran; it stops now, as the rows start
        engine.client.containers.get(nodes["client-1"].id).stop(timeout=0)
        stopped.append("client-1")
        return check(world, plan, prefixes, **kw)

    try:
        with pytest.raises(ContainerGone) as e:
            topology_report(
                engine.client, project, topology, nodes, deployed.host, timeout=4, runner=stop_then_run
            )
    finally:
        _start_again(engine, nodes["client-1"].id)
    assert stopped == ["client-1"]
    said = str(e.value)
    assert e.value.exit_code == 2
    assert "container client-1 (node client-1) stopped during the check" in said, said
    assert "exit code" in said and "UTC" in said and "start it, then check again" in said


def test_a_failed_deploy_removes_what_it_made(engine, default_project, tmp_path):
    """A second lab whose network can be made (its own subnet and bridge) but whose containers
    cannot (their names are taken by the first lab): what the failed attempt made is removed."""
    from docker.errors import APIError

    text = (REPO / "topologies" / "default.yaml").read_text()
    text = text.replace("lab: default", "lab: dkdup").replace("10.5.", "10.6.").replace("br-kafka", "br-kdup")
    path = tmp_path / "dup.yaml"
    path.write_text(text)
    from netlab.topology import load_topology

    second = load_topology(path).topology
    before = sorted(n.id for n in engine.client.networks.list())
    with pytest.raises(APIError, match="already in use"):
        deploy(engine.client, second, resolve(second))
    assert sorted(n.id for n in engine.client.networks.list()) == before
