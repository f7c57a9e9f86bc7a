"""A metadata change reaches each broker as a delta (issue 12; docs/cluster.md "Metadata
propagation"): a broker replays the new `__cluster_metadata` records and applies only the topics
and partitions they touched, as Kafka's BrokerMetadataPublisher applies a MetadataDelta
(ReplicaManager.applyDelta logs `Transitioning N partition(s) to local leaders.` / `... local
followers.` on state.change.logger for the delta's partitions it hosts). Before, every change made
each broker rebuild its whole view and re-apply every partition it hosts.

What is asserted, and why not "broker 3 lists the topic on the first Metadata request after
broker 1 answered CreateTopics": Kafka does not promise that. Its controller answers once the
records are committed, and each broker learns them with its next metadata fetch (a long poll the
leader completes at once), so for a few milliseconds another broker may still answer
UNKNOWN_TOPIC_OR_PARTITION, in Kafka as here. So the test checks that the change is applied as a
delta bounded by its size: creating a 4-partition topic among 30 others (124 partitions on every
broker, RF=3) transitions 4 partitions, not 124, on the controller's broker (in-process publisher)
and on a broker that fetches the log; deleting one topic drops its logs and no other's.
How fast it propagates is measured by scripts/bench/metadata_propagation.py, not asserted here.
"""

from __future__ import annotations

import re
import time

import pytest
from clusterproc import Cluster
from kafka.protocol.admin import CreateTopicsRequest, DeleteTopicsRequest
from kafka.protocol.metadata import MetadataRequest
from quorumproc import Quorum
from rawclient import RawClient

pytestmark = [pytest.mark.clients, pytest.mark.slow]

EXISTING = 30
PARTITIONS = 4
TRANSITION = re.compile(
    r"\[Broker id=(\d+)\] Transitioning (\d+) partition\(s\) to local (leaders|followers)\."
)


@pytest.fixture(params=["single", "voters3"])
def mdp_cluster(request, tmp_path):
    """`single`: node 1 broker+controller (the only voter), nodes 2-3 brokers fetching the log as
    observers; `voters3`: three combined voters."""
    c = Cluster(tmp_path) if request.param == "single" else Quorum(tmp_path, "combined")
    try:
        c.start_all()
        yield c
    finally:
        c.stop_all()


def _client(c, i: int) -> RawClient:
    n = c.nodes[i]
    return RawClient(n.host, n.external, timeout=30)


def _create(rc: RawClient, names: list[str]) -> None:
    topics = [
        CreateTopicsRequest.CreatableTopic(
            name=n, num_partitions=PARTITIONS, replication_factor=3, assignments=[], configs=[], version=4
        )
        for n in names
    ]
    resp = rc.request(CreateTopicsRequest(topics=topics, timeout_ms=30000, validate_only=False, version=4), 4)
    assert [(t.name, t.error_code) for t in resp.topics] == [(n, 0) for n in names]


def _listed(rc: RawClient, name: str) -> dict[int, int] | None:
    """partition -> leader as this broker's Metadata answers it; None while it does not list the
    topic with a leader for every partition."""
    req = MetadataRequest(
        topics=[MetadataRequest.MetadataRequestTopic(name=name)], allow_auto_topic_creation=False, version=1
    )
    t = rc.request(req, 1).topics[0]
    leaders = {p[1]: p[2] for p in t[3]}
    ok = t[0] == 0 and len(leaders) == PARTITIONS and all(v >= 0 for v in leaders.values())
    return leaders if ok else None


def _wait(what, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = what()
        if v:
            return v
        time.sleep(0.05)
    return what()


def _transitions(text: str, node: int) -> dict[str, int]:
    out = {"leaders": 0, "followers": 0}
    for bid, n, kind in TRANSITION.findall(text):
        if int(bid) == node:
            out[kind] += int(n)
    return out


def test_mdp_a_new_topic_is_applied_as_a_delta(mdp_cluster):
    c = mdp_cluster
    rc1, rc3 = _client(c, 1), _client(c, 3)
    old = [f"mdpold{i}" for i in range(EXISTING)]
    _create(rc1, old)
    assert _wait(lambda: _listed(rc3, old[-1])), "the existing topics never reached broker 3"
    # a broker lists a topic before its replicas are applied (the cache first, as Kafka): wait
    # until the old topics' transitions are logged (every broker hosts all their partitions)
    hosted = EXISTING * PARTITIONS
    for i in (1, 3):
        done = _wait(lambda i=i: sum(_transitions(c.output(i), i).values()) >= hosted)
        assert done, (i, _transitions(c.output(i), i))
    marks = {i: len(c.output(i)) for i in (1, 3)}

    _create(rc1, ["mdpnew"])
    leaders = _wait(lambda: _listed(rc3, "mdpnew"))
    assert leaders, f"broker 3 never listed mdpnew:\n{c.output(3)[marks[3] :]}"
    for i in (1, 3):  # node 1 applies in-process (single) or from its own log replica (voters3)
        got = _wait(lambda i=i: sum(_transitions(c.output(i)[marks[i] :], i).values()) >= PARTITIONS, 10)
        seen = _transitions(c.output(i)[marks[i] :], i)
        assert got, f"broker {i} logged no transition of mdpnew's partitions: {seen}"
        # the delta: mdpnew's 4 partitions (a concurrent ISR change may add a few), never the
        # 4 x 31 partitions every broker hosts, which a whole-state apply would go through
        total = seen["leaders"] + seen["followers"]
        assert PARTITIONS <= total < 4 * PARTITIONS < hosted, (i, seen)
        assert seen["leaders"] >= sum(1 for v in leaders.values() if v == i), (i, seen, leaders)
    rc1.close()
    rc3.close()


def test_mdp_deleting_a_topic_drops_only_its_logs(mdp_cluster):
    c = mdp_cluster
    rc1, rc3 = _client(c, 1), _client(c, 3)
    names = [f"mdpdel{i}" for i in range(5)]
    _create(rc1, names)
    assert _wait(lambda: _listed(rc3, names[-1]))
    logs3 = c.tmp / "logs-3"
    dirs = lambda: {p.name for p in logs3.iterdir() if p.name.startswith("mdpdel")}  # noqa: E731
    assert _wait(lambda: len(dirs()) == 5 * PARTITIONS), sorted(dirs())

    resp = rc1.request(DeleteTopicsRequest(topic_names=["mdpdel0"], timeout_ms=30000, version=3), 3)
    assert [(r.name, r.error_code) for r in resp.responses] == [("mdpdel0", 0)]
    assert _wait(lambda: not any(d.startswith("mdpdel0-") for d in dirs())), sorted(dirs())
    assert _listed(rc3, "mdpdel0") is None
    assert dirs() == {f"{n}-{p}" for n in names[1:] for p in range(PARTITIONS)}
    for n in names[1:]:
        assert _listed(rc3, n), n
    rc1.close()
    rc3.close()
