"""The compose corpus (tests/compose/corpus/, 19 published files) on a real dockerd: each file's
generated rows, run in Docker containers, give the verdicts recorded for netlab's namespace model
(tests/compose/expected.yaml, which tests/compose holds `up` and `predict` to), row by row.

The LAN machine's rows are left out (`--lan-ip` off): that machine is outside Docker. There is no
list of differences: a broker that refuses to start stops its container in Docker, and the model
withdraws that container's names and published ports as Docker does (netlab/containers.py)."""

from __future__ import annotations

import sys

import pytest
from dockerlab import REPO
from support import ZK_MODE_CLIENT_TIMEOUT

sys.path.insert(0, str(REPO / "tests" / "compose"))

from test_corpus import CORPUS, EXPECTED, options, rows_of  # noqa: E402

from netlab.compose import compose_lab  # noqa: E402
from netlab.docker.deploy import broker_nodes, deploy, undeploy, wait_brokers  # noqa: E402
from netlab.docker.project import read_project  # noqa: E402
from netlab.docker.verdicts import topology_report  # noqa: E402
from netlab.topology.resolve import resolve  # noqa: E402

pytestmark = [pytest.mark.root, pytest.mark.clients, pytest.mark.slow]

FILES = sorted(p.name for p in CORPUS.glob("*.yml"))
CLIENT_TIMEOUT = ZK_MODE_CLIENT_TIMEOUT  # as tests/compose/test_corpus_live.py


def test_the_corpus_is_all_here():
    assert len(FILES) >= 15, FILES


@pytest.mark.parametrize("name", FILES)
def test_compose_file_on_docker_gives_the_recorded_verdicts(engine, name):
    opts = options(name)
    opts.project = "corpus"  # the recorded rows name the project's containers
    opts.lan_ip = None
    topology = compose_lab(CORPUS / name, opts).topology
    deployed = deploy(engine.client, topology, resolve(topology))
    try:
        wait_brokers(engine.client, deployed, broker_nodes(topology))
        project = read_project(engine.client, topology.lab, engine.url)
        nodes = {c.service: c for c in project.containers}
        report = topology_report(
            engine.client, project, topology, nodes, deployed.host, timeout=CLIENT_TIMEOUT
        )
        got = rows_of(report)
        want = {k: v for k, v in EXPECTED[name]["rows"].items() if not k.startswith("lan ")}
        assert set(got) == set(want), sorted(set(got) ^ set(want))
        # every row as recorded, stopped containers included (netlab/containers.py)
        differ = {k: (want[k], got[k]) for k in want if want[k] != got[k]}
        assert differ == {}, differ
    finally:
        undeploy(engine.client, deployed)
