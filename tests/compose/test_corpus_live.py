"""`netlab up docker-compose.yml` on every file of the corpus, live: real namespaces, ZooKeepers,
brokers, kcat in every node. Live rows equal the recorded verdicts and the prediction; `down`
leaves nothing.

Cheap enough for CI: a lab's rows are real clients that mostly wait (a failing kcat for its
message timeout), so while one lab's rows run the next labs are built; bring-up and teardown
(kernel work) go one lab at a time, rows of up to PARALLEL labs at once. No fixed sleeps: `up`
waits for what Kafka waits for (netlab/lab/brokers.wait_started), each row is bounded by its
client's timeout. Every row of expected.yaml is judged."""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest
import yaml
from support import ZK_MODE_CLIENT_TIMEOUT
from test_corpus import CORPUS, EXPECTED, FILES, options, rows_of
from zk_words import mode, quorum_shape, srvr_once_formed

from netlab import lab as labapi
from netlab.compose import compose_lab
from netlab.compose.topology_out import to_yaml
from netlab.kafka.lab_report import broker_logs, live_report
from netlab.kernel import nsfs
from netlab.lab.brokers import wait_started
from netlab.lab.paths import lab_paths
from netlab.plan import compile_plan
from netlab.resources import Namespace
from netlab.zookeeper import ZOOKEEPER_PROCESS

pytestmark = [pytest.mark.root, pytest.mark.clients, pytest.mark.slow]

CLIENT_TIMEOUT = ZK_MODE_CLIENT_TIMEOUT  # most of the corpus runs in ZooKeeper mode
PARALLEL = 3  # labs whose rows run at once (each runs up to 16 client processes, mostly waiting)
KERNEL = threading.Lock()  # apply / destroy: one lab at a time

LIVE = {name: f"composel{i}" for i, name in enumerate(FILES, start=10)}
LIVE["bitnami-zookeeper-3.8-cluster.yml"] = "bzkcorpus"  # added with the bitnami ensemble work
ANOTHER_CLIENT = ("bitnami-kafka-3.7-single.yml", "composel9", "confluent-kafka")


@dataclass
class Outcome:
    """What one live run of a corpus file gave (asserted by the tests, in pytest's thread)."""

    lab: object = None
    report: object = None
    saved_lab: str | None = None
    lab_dir_left: bool = True
    netns_left: list[str] = field(default_factory=list)
    zk_modes: dict[str, str] = field(default_factory=dict)  # ensemble member -> its `srvr` mode
    zk_logs: dict[str, str] = field(default_factory=dict)  # ensemble member -> its log's tail


def ensemble_members(plan, topology) -> dict[str, tuple[str, int]]:
    """Every ensemble member: its namespace and client port."""
    out = {}
    for s in plan.of_kind(Namespace):
        zk = topology.nodes[s.node].zookeeper
        if zk is not None and zk.ensemble:
            out[s.node] = (s.netns, zk.client_port)
    return out


def run_live(name: str, project: str, client: str | None = None) -> Outcome:
    opts = options(name)
    opts.project = project
    if client:
        opts.client = client
    out = Outcome(lab=compose_lab(CORPUS / name, opts))
    plan = compile_plan(out.lab.topology)
    netns = [s.netns for s in plan.of_kind(Namespace)]
    with KERNEL:  # a failed apply removes what it made; destroy only a lab this run made
        labapi.apply(plan, topology_text=to_yaml(out.lab.translation, ["live corpus test"]))
    try:
        wait_started(plan.lab)
        prefixes = {s.node: ["ip", "netns", "exec", s.netns] for s in plan.of_kind(Namespace)}
        logs = broker_logs(plan.lab, out.lab.topology)
        out.report = live_report(plan.lab, out.lab.topology, prefixes, logs, timeout=CLIENT_TIMEOUT)
        out.saved_lab = yaml.safe_load(lab_paths(plan.lab).topology.read_text())["lab"]
        members = ensemble_members(plan, out.lab.topology)
        quorums = EXPECTED[name].get("ensembles") or []
        out.zk_modes = {m: mode(a) for m, a in srvr_once_formed(members, quorums).items()}
        for node in {m for members in EXPECTED[name].get("ensembles") or [] for m in members}:
            log = lab_paths(plan.lab).process(node, ZOOKEEPER_PROCESS).logfile
            out.zk_logs[node] = log.read_text(errors="replace")[-3000:] if log.exists() else ""
    finally:
        with KERNEL:
            labapi.destroy(plan.lab)
    out.lab_dir_left = lab_paths(plan.lab).root.exists()
    out.netns_left = [ns for ns in netns if nsfs.exists(ns)]
    return out


@pytest.fixture(scope="module")
def live_runs(request) -> dict[str, Future]:
    """Every selected corpus file's live run, started at once (PARALLEL at a time), the files
    with the most rows first so the long ones overlap the short ones."""
    wanted = sorted(
        {
            item.callspec.params["name"]
            for item in request.session.items
            if item.module is request.module and item.originalname == "test_up_equals_expected_and_predict"
        },
        key=lambda n: -len(EXPECTED[n]["rows"] or {}),
    )
    pool = ThreadPoolExecutor(PARALLEL, thread_name_prefix="corpus-live")
    runs = {name: pool.submit(run_live, name, LIVE[name]) for name in wanted}
    if any(item.originalname == "test_up_with_another_client" for item in request.session.items):
        name, project, client = ANOTHER_CLIENT
        runs["another client"] = pool.submit(run_live, name, project, client)
    yield runs
    pool.shutdown(wait=True, cancel_futures=True)


def normalized(rows: dict[str, str], lab, project: str) -> dict[str, str]:
    """Row keys as recorded with project `corpus`: the generated client container and the
    containers' 12-hex ids are named after the project."""
    from netlab.compose.translate import container_id

    swaps = {f"client-{project}-": "client-corpus-"}
    swaps.update({container_id(project, s): container_id("corpus", s) for s in lab.project.services})
    out = {}
    for key, value in rows.items():
        for a, b in swaps.items():
            key = key.replace(a, b)
        out[key] = value
    return out


@pytest.mark.parametrize("name", FILES)
def test_up_equals_expected_and_predict(name, live_runs):
    run = live_runs[name].result()
    report, lab = run.report, run.lab
    said = [f"{v.from_node} -> {v.to}: {v.client_error}" for v in report.verdicts if not v.ok]
    assert report.disagreements() == [], "\n".join(report.disagreements() + said)
    assert normalized(rows_of(report), lab, LIVE[name]) == EXPECTED[name]["rows"]
    for v in report.verdicts:
        if not v.ok:
            assert v.reason and v.client_error, v
    assert run.saved_lab == lab.topology.lab  # `netlab check <lab>` finds the translated topology
    # every ensemble predicted to form a quorum has one leader and its other members follow
    for members in EXPECTED[name].get("ensembles") or []:
        modes = [run.zk_modes[m] for m in members]
        assert quorum_shape(modes), (run.zk_modes, run.zk_logs)
    assert not run.lab_dir_left and run.netns_left == []


def test_up_with_another_client(live_runs):
    """`--client confluent-kafka`: the generated rows run that real client, with the same verdicts."""
    name, project, _ = ANOTHER_CLIENT
    run = live_runs["another client"].result()
    report = run.report
    assert report.disagreements() == [], "\n".join(report.disagreements())
    assert normalized(rows_of(report), run.lab, project) == EXPECTED[name]["rows"]
    assert {v.client for v in report.verdicts if v.client != "broker"} == {"confluent-kafka"}
    assert not run.lab_dir_left and run.netns_left == []
