"""Every admin change on a three-voter KRaft quorum, asked of a broker that is not the active
controller, takes effect on every broker (Kafka forwards such requests to the active controller,
ForwardingManager / EnvelopeRequest, whose ControllerApis serves them, and brokers learn the
result from `__cluster_metadata-0`). One cluster per layout (combined voters; dedicated
controllers 1-3 with brokers 4-6), shared by the tests of this module; real clients
(confluent-kafka's AdminClient, kafka-python's KafkaAdminClient and protocol classes)."""

from __future__ import annotations

import pytest
from quorumproc import Quorum
from rawclient import RawClient
from test_quorum import _all_brokers, _leader

pytestmark = [pytest.mark.clients, pytest.mark.slow]

AUTHZ = [
    "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
    "super.users=User:ANONYMOUS",
]


@pytest.fixture(scope="module", params=["combined", "isolated"])
def quorum(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"qadm{request.param}")
    q = Quorum(
        tmp, request.param, extra={i: list(AUTHZ) for i in range(1, 4 if request.param == "combined" else 7)}
    )
    try:
        q.start_all()
        st = _leader(q, 1)
        q.active = int(st["LeaderId"])  # type: ignore[attr-defined]
        _all_brokers(q)
        yield q
    finally:
        q.stop_all()


def _brokers(q: Quorum) -> list[int]:
    return [i for i, n in q.nodes.items() if "broker" in n.roles]


def _asked(q: Quorum) -> int:
    """A broker that is not the active controller."""
    return next(i for i in _brokers(q) if i != q.active)  # type: ignore[attr-defined]


def _metadata(q: Quorum, i: int) -> dict[str, dict[int, tuple[int, list[int]]]]:
    """Broker i's own Metadata answer: topic -> partition -> (leader, replicas)."""
    from kafka.protocol.metadata import MetadataRequest

    n = q.nodes[i]
    with RawClient(n.host, n.external) as rc:
        resp = rc.request(MetadataRequest(topics=None, version=1), 1)
    out: dict[str, dict[int, tuple[int, list[int]]]] = {}
    for t in resp.topics:
        name, parts = t[1], t[3]
        out[name] = {p[1]: (p[2], list(p[3])) for p in parts}
    return out


def _everywhere(q: Quorum, check, timeout: float = 15) -> None:
    for i in _brokers(q):
        assert q.wait(lambda i=i: check(_metadata(q, i)), timeout), (i, _metadata(q, i))


def _admin(q: Quorum, i: int):
    from confluent_kafka.admin import AdminClient

    return AdminClient({"bootstrap.servers": q.nodes[i].bootstrap})


def test_topics_created_grown_and_deleted(quorum):
    from confluent_kafka.admin import NewPartitions, NewTopic

    admin = _admin(quorum, _asked(quorum))
    admin.create_topics([NewTopic("qadm", 1, 3)], request_timeout=15)["qadm"].result(20)
    _everywhere(quorum, lambda md: len(md.get("qadm", {})) == 1)
    admin.create_partitions([NewPartitions("qadm", 3)], request_timeout=15)["qadm"].result(20)
    _everywhere(quorum, lambda md: len(md.get("qadm", {})) == 3)
    err = admin.create_partitions([NewPartitions("qadm", 2)], request_timeout=15)["qadm"].exception(20)
    assert err is not None and "INVALID_PARTITIONS" in err.args[0].name(), err
    admin.delete_topics(["qadm"], request_timeout=15)["qadm"].result(20)
    _everywhere(quorum, lambda md: "qadm" not in md)


def test_topic_configs_legacy_and_incremental(quorum):
    from confluent_kafka.admin import AlterConfigOpType, ConfigEntry, ConfigResource, NewTopic

    asked = _asked(quorum)
    admin = _admin(quorum, asked)
    admin.create_topics([NewTopic("qcfg", 2, 3)], request_timeout=15)["qcfg"].result(20)
    _everywhere(quorum, lambda md: "qcfg" in md)
    inc = ConfigResource(
        ConfigResource.Type.TOPIC,
        "qcfg",
        incremental_configs=[
            ConfigEntry("max.message.bytes", "1500", incremental_operation=AlterConfigOpType.SET)
        ],
    )
    admin.incremental_alter_configs([inc], request_timeout=15)[inc].result(20)
    r = ConfigResource(ConfigResource.Type.TOPIC, "qcfg")
    for i in _brokers(quorum):
        ai = _admin(quorum, i)  # kept: a destroyed client fails its futures
        got = ai.describe_configs([r], request_timeout=15)[r].result(15)
        assert got["max.message.bytes"].value == "1500", i
    # AlterConfigs (legacy; confluent-kafka sends exactly the given set, where kafka-python adds
    # the other dynamic keys itself) replaces the topic's whole set of overrides
    legacy = ConfigResource(ConfigResource.Type.TOPIC, "qcfg", set_config={"retention.ms": "123456"})
    admin.alter_configs([legacy], request_timeout=15)[legacy].result(20)
    for i in _brokers(quorum):
        ai = _admin(quorum, i)  # kept: a destroyed client fails its futures
        got = ai.describe_configs([r], request_timeout=15)[r].result(15)
        assert got["retention.ms"].value == "123456", i
        assert got["max.message.bytes"].value != "1500", i


def test_broker_configs(quorum):
    from confluent_kafka.admin import AlterConfigOpType, ConfigEntry, ConfigResource

    asked = _asked(quorum)
    target = next(i for i in _brokers(quorum) if i != asked)
    admin = _admin(quorum, asked)
    res = ConfigResource(
        ConfigResource.Type.BROKER,
        str(target),
        incremental_configs=[
            ConfigEntry("message.max.bytes", "1500", incremental_operation=AlterConfigOpType.SET)
        ],
    )
    admin.incremental_alter_configs([res], request_timeout=15)[res].result(20)
    r = ConfigResource(ConfigResource.Type.BROKER, str(target))
    a = _admin(quorum, target)
    assert quorum.wait(
        lambda: (
            a.describe_configs([r], request_timeout=15)[r].result(15)["message.max.bytes"].value == "1500"
        ),
        10,
    )
    _set_cluster_default(quorum.nodes[asked], "log.cleaner.threads", "2")
    for i in _brokers(quorum):
        rb = ConfigResource(ConfigResource.Type.BROKER, str(i))
        ai = _admin(quorum, i)
        assert quorum.wait(
            lambda ai=ai, rb=rb: (
                ai.describe_configs([rb], request_timeout=15)[rb].result(15)["log.cleaner.threads"].value
                == "2"
            ),
            10,
        ), i


def _set_cluster_default(n, name: str, value: str) -> None:
    """IncrementalAlterConfigs of the cluster-wide broker default (resource name ""), which
    confluent-kafka's AdminClient refuses to send; kafka-python's protocol classes."""
    from kafka.protocol.admin import IncrementalAlterConfigsRequest as R

    res = R.AlterConfigsResource(
        resource_type=4,
        resource_name="",
        configs=[R.AlterConfigsResource.AlterableConfig(name=name, config_operation=0, value=value)],
    )
    with RawClient(n.host, n.external) as rc:
        resp = rc.request(R(resources=[res], validate_only=False, version=0), 0)
    assert resp.responses[0].error_code == 0, resp


def test_acls_created_and_deleted(quorum):
    from confluent_kafka.admin import (
        AclBinding,
        AclBindingFilter,
        AclOperation,
        AclPermissionType,
        ResourcePatternType,
        ResourceType,
    )

    admin = _admin(quorum, _asked(quorum))
    b = AclBinding(
        ResourceType.TOPIC,
        "qacl",
        ResourcePatternType.LITERAL,
        "User:alice",
        "*",
        AclOperation.READ,
        AclPermissionType.ALLOW,
    )
    admin.create_acls([b], request_timeout=15)[b].result(20)
    f = AclBindingFilter(
        ResourceType.TOPIC,
        "qacl",
        ResourcePatternType.ANY,
        None,
        None,
        AclOperation.ANY,
        AclPermissionType.ANY,
    )
    for i in _brokers(quorum):
        ai = _admin(quorum, i)
        assert quorum.wait(lambda ai=ai: ai.describe_acls(f, request_timeout=15).result(15) == [b], 10), i
    assert admin.delete_acls([f], request_timeout=15)[f].result(20) == [b]
    for i in _brokers(quorum):
        ai = _admin(quorum, i)
        assert quorum.wait(lambda ai=ai: ai.describe_acls(f, request_timeout=15).result(15) == [], 10), i


def test_delete_records_elect_leaders_and_reassignment(quorum):
    from confluent_kafka import TopicPartition
    from kafka import TopicPartition as KTP
    from kafka.admin import KafkaAdminClient, NewTopic

    asked = _asked(quorum)
    brokers = _brokers(quorum)
    a, b, c = brokers
    kp = KafkaAdminClient(bootstrap_servers=quorum.nodes[asked].bootstrap, request_timeout_ms=20000)
    try:
        kp.create_topics([NewTopic("qre", replica_assignments={0: [a, b]})])
        kp.create_topics([NewTopic("qdr", replica_assignments={0: [a, b, c]})])
        _everywhere(quorum, lambda md: md.get("qre", {}).get(0) == (a, [a, b]) and "qdr" in md)
        _produce(quorum, "qre", 5)
        _produce(quorum, "qdr", 5)
        # DeleteRecords goes to the partition's leader (broker-local in Kafka too)
        admin = _admin(quorum, asked)
        res = admin.delete_records([TopicPartition("qdr", 0, 3)], request_timeout=15)
        assert list(res.values())[0].result(20).low_watermark == 3
        # reassignment: [a, b] -> [b, c]; the leader moves off a
        tp = KTP("qre", 0)
        assert kp.alter_partition_reassignments({tp: [b, c]}) == {tp: None}
        _everywhere(quorum, lambda md: md.get("qre", {}).get(0) == (b, [b, c]), 20)
        assert kp.list_partition_reassignments() == {}
        # reorder the replicas: the leader stays b until a preferred election makes it c
        assert kp.alter_partition_reassignments({tp: [c, b]}) == {tp: None}
        _everywhere(quorum, lambda md: md.get("qre", {}).get(0, (0, []))[1] == [c, b], 20)
        resp = kp.elect_leaders(0, {"qre": [0]}, raise_errors=False)
        (r,) = resp.replica_election_results
        assert r.partition_result[0].error_code in (0, 84), r  # 84: already c (election not needed)
        _everywhere(quorum, lambda md: md.get("qre", {}).get(0) == (c, [c, b]), 20)
    finally:
        kp.close()


def _produce(q: Quorum, topic: str, n: int) -> None:
    from confluent_kafka import Producer

    prod = Producer({"bootstrap.servers": q.bootstrap, "acks": "all"})
    for v in range(n):
        prod.produce(topic, b"r%d" % v, partition=0)
    assert prod.flush(20) == 0


def test_reassignment_after_delete_records(quorum):
    from confluent_kafka import TopicPartition
    from kafka import TopicPartition as KTP
    from kafka.admin import KafkaAdminClient, NewTopic

    a, b, c = _brokers(quorum)
    kp = KafkaAdminClient(bootstrap_servers=quorum.nodes[_asked(quorum)].bootstrap, request_timeout_ms=20000)
    try:
        kp.create_topics([NewTopic("qdr2", replica_assignments={0: [a, b]})])
        _everywhere(quorum, lambda md: "qdr2" in md)
        _produce(quorum, "qdr2", 5)
        admin = _admin(quorum, a)
        res = admin.delete_records([TopicPartition("qdr2", 0, 3)], request_timeout=15)
        assert list(res.values())[0].result(20).low_watermark == 3
        tp = KTP("qdr2", 0)
        assert kp.alter_partition_reassignments({tp: [b, c]}) == {tp: None}
        _everywhere(quorum, lambda md: md.get("qdr2", {}).get(0, (0, []))[1] == [b, c], 10)
    finally:
        kp.close()


def test_client_quotas(quorum):
    """AlterClientQuotas through a broker that is not the active controller: validated there
    (Kafka's messages), written as ClientQuotaRecords, described by every broker from its own
    replayed metadata; validate_only writes nothing; a removal reaches every broker too."""
    from test_quotas import _alter, _describe

    n = quorum.nodes[_asked(quorum)]
    with RawClient(n.host, n.external) as rc:
        assert _alter(rc, "qslow", "consumer_byte_rate", 30000.0).entries[0].error_code == 0
        assert _alter(rc, None, "request_percentage", 50.0).entries[0].error_code == 0
        bad = _alter(rc, "qslow", "producer_byte_rate", 1.5).entries[0]
        assert (bad.error_code, bad.error_message) == (42, "producer_byte_rate cannot be a fractional value.")
        assert _alter_only(rc, "qcheck", "producer_byte_rate", 1000.0).entries[0].error_code == 0
    want = {"qslow": {"consumer_byte_rate": 30000.0}, None: {"request_percentage": 50.0}}
    for i in _brokers(quorum):
        m = quorum.nodes[i]
        with RawClient(m.host, m.external) as rc:
            assert quorum.wait(lambda rc=rc: _describe(rc) == want, 20), (i, _describe(rc))
    other = quorum.nodes[next(i for i in _brokers(quorum) if i != _asked(quorum))]
    with RawClient(other.host, other.external) as rc:
        assert _alter(rc, "qslow", "consumer_byte_rate", 0.0, remove=True).entries[0].error_code == 0
    for i in _brokers(quorum):
        m = quorum.nodes[i]
        with RawClient(m.host, m.external) as rc:
            assert quorum.wait(lambda rc=rc: "qslow" not in _describe(rc), 20), (i, _describe(rc))


def _alter_only(rc: RawClient, name: str, key: str, value: float):
    """AlterClientQuotas with validate_only."""
    from kafka.protocol.admin.client_quotas import AlterClientQuotasRequest

    E = AlterClientQuotasRequest.EntryData
    entry = E(
        entity=[E.EntityData(entity_type="client-id", entity_name=name)],
        ops=[E.OpData(key=key, value=value, remove=False)],
    )
    return rc.request(AlterClientQuotasRequest(entries=[entry], validate_only=True, version=1), 1)


def test_client_quotas_five_voters_and_a_new_leader(tmp_path):
    """Five combined voters: a quota set through a follower is described by every broker; the
    active controller SIGKILLed, the new one (which replayed the records as a standby) keeps it,
    refuses what Kafka refuses and accepts the next change, which the survivors describe."""
    from test_quotas import _alter, _alter_entity, _describe

    q = Quorum(tmp_path, "combined", voters=5)
    try:
        q.start_all()
        first = int(_leader(q, 1)["LeaderId"])
        _all_brokers(q, 5)
        asked = next(i for i in q.nodes if i != first)

        def alter(i: int, *args, **kw):
            n = q.nodes[i]
            with RawClient(n.host, n.external) as rc:
                return _alter(rc, *args, **kw).entries[0]

        def described(i: int) -> dict:
            n = q.nodes[i]
            with RawClient(n.host, n.external) as rc:
                return _describe(rc)

        assert alter(asked, "quo5", "producer_byte_rate", 4096.0).error_code == 0
        for i in q.nodes:
            assert q.wait(lambda i=i: described(i) == {"quo5": {"producer_byte_rate": 4096.0}}, 10), i
        q.kill(first)
        survivors = [i for i in q.nodes if i != first]
        second = int(
            q.wait(
                lambda: (
                    (s := q.status(survivors[0])) and s.get("LeaderId") not in (None, "-1", str(first)) and s
                )
            )["LeaderId"]
        )
        assert q.wait(lambda: alter(survivors[-1], "quo5", "consumer_byte_rate", 2048.0).error_code == 0, 20)
        n = q.nodes[survivors[-1]]
        with RawClient(n.host, n.external) as rc:
            bad = _alter_entity(rc, [("user", "u"), ("ip", "10.0.0.1")], "producer_byte_rate", 1.0).entries[0]
        assert (bad.error_code, bad.error_message) == (
            42,
            "Invalid quota entity combination, IP entity shouldnot be combined with User or ClientId",
        )
        want = {"quo5": {"producer_byte_rate": 4096.0, "consumer_byte_rate": 2048.0}}
        for i in survivors:
            assert q.wait(lambda i=i: described(i) == want, 10), (i, second)
    finally:
        q.stop_all()


def test_scram_credentials(quorum):
    """AlterUserScramCredentials through a broker that is not the active controller: forwarded,
    validated by the controller (a deletion of what is not there: RESOURCE_NOT_FOUND), written as
    UserScramCredentialRecords, described by every broker from its own replayed metadata; a
    deletion through another broker reaches every broker too."""
    from confluent_kafka.admin import (
        ScramCredentialInfo,
        ScramMechanism,
        UserScramCredentialDeletion,
        UserScramCredentialUpsertion,
    )
    from test_scram_credentials import _alter, _describe, _rows

    asked = _asked(quorum)
    up = UserScramCredentialUpsertion(
        "scrq", ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), b"scr-secret", b"scrsalt"
    )
    admin = _admin(quorum, asked)  # kept: a client destroyed fails its futures
    assert admin.alter_user_scram_credentials([up])["scrq"].result(15) is None
    n = quorum.nodes[asked]
    with RawClient(n.host, n.external) as rc:
        assert _alter(rc, deletions=[("scrq", 1)], upsertions=[("scrq2", 2, 100)]) == {
            "scrq": (91, "Attempt to delete a user credential that does not exist"),
            "scrq2": (93, "Too few iterations"),
        }

    def described(i: int) -> dict:
        m = quorum.nodes[i]
        with RawClient(m.host, m.external) as rc:
            return _rows(_describe(rc, ["scrq"]))

    want = {"scrq": (0, None, [(2, 8192)])}
    for i in _brokers(quorum):
        assert quorum.wait(lambda i=i: described(i) == want, 20), (i, described(i))
    other = next(i for i in _brokers(quorum) if i != asked)
    gone = UserScramCredentialDeletion("scrq", ScramMechanism.SCRAM_SHA_512)
    admin = _admin(quorum, other)
    assert admin.alter_user_scram_credentials([gone])["scrq"].result(15) is None
    for i in _brokers(quorum):
        assert quorum.wait(lambda i=i: described(i)["scrq"][0] == 91, 20), (i, described(i))


def test_scram_credentials_new_leader_and_restart(tmp_path):
    """Three combined voters: a credential set through a follower; the active controller
    SIGKILLed, the new one (a standby that replayed the records) keeps it and validates against
    it; the killed node restarted replays it from its own log and describes it too."""
    from test_scram_credentials import _alter, _describe, _rows

    q = Quorum(tmp_path, "combined")
    try:
        q.start_all()
        first = int(_leader(q, 1)["LeaderId"])
        _all_brokers(q)
        asked = next(i for i in q.nodes if i != first)

        def call(i: int, fn, *args, **kw):
            n = q.nodes[i]
            with RawClient(n.host, n.external) as rc:
                return fn(rc, *args, **kw)

        assert call(asked, _alter, upsertions=[("scrlead", 2, 8192)]) == {"scrlead": (0, None)}
        q.kill(first)
        survivors = [i for i in q.nodes if i != first]
        assert q.wait(
            lambda: (s := q.status(survivors[0])) and s.get("LeaderId") not in (None, "-1", str(first)), 20
        )
        # the new controller knows the credential: deleting the other mechanism is refused, this one works
        assert q.wait(
            lambda: (
                call(survivors[-1], _alter, deletions=[("scrlead", 1)])
                == {"scrlead": (91, "Attempt to delete a user credential that does not exist")}
            ),
            20,
        )
        assert call(survivors[0], _alter, upsertions=[("scrlead2", 1, 4096)]) == {"scrlead2": (0, None)}
        q.start(first)
        want = {"scrlead": (0, None, [(2, 8192)]), "scrlead2": (0, None, [(1, 4096)])}
        for i in q.nodes:
            assert q.wait(lambda i=i: _rows(call(i, _describe, None)) == want, 20), (
                i,
                _rows(call(i, _describe, None)),
            )
    finally:
        q.stop_all()
