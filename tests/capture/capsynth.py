"""Synthetic Kafka conversations as pcaps: requests/responses encoded by kafka-python's
``kafka.protocol`` (an independent encoder), carried in real TCP segments built with scapy.

Legitimate test data for the dissector next to pcaps of real client↔broker traffic.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scapy.layers.inet import IP, TCP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether
from scapy.utils import wrpcap


@dataclass
class Conversation:
    client: tuple[str, int]
    server: tuple[str, int]
    packets: list = field(default_factory=list)
    cseq: int = 1000
    sseq: int = 5000
    ts: float = 1_700_000_000.0
    mss: int = 1400

    def _pkt(self, from_client: bool, flags: str, payload: bytes = b""):
        (s, sp), (d, dp) = (self.client, self.server) if from_client else (self.server, self.client)
        seq, ack = (self.cseq, self.sseq) if from_client else (self.sseq, self.cseq)
        ip = IPv6(src=s, dst=d) if ":" in s else IP(src=s, dst=d)
        p = (
            Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
            / ip
            / TCP(sport=sp, dport=dp, flags=flags, seq=seq, ack=ack if "A" in flags else 0)
            / payload
        )
        self.ts += 0.0001
        p.time = self.ts
        self.packets.append(p)
        return p

    def handshake(self) -> Conversation:
        self._pkt(True, "S")
        self.cseq += 1
        self._pkt(False, "SA")
        self.sseq += 1
        self._pkt(True, "A")
        return self

    def refused(self) -> Conversation:
        self._pkt(True, "S")
        self.cseq += 1
        self._pkt(False, "RA")
        return self

    def send(self, from_client: bool, data: bytes) -> Conversation:
        for i in range(0, len(data), self.mss):
            chunk = data[i : i + self.mss]
            self._pkt(from_client, "PA", chunk)
            if from_client:
                self.cseq += len(chunk)
            else:
                self.sseq += len(chunk)
        return self

    def exchange(self, request, response, corr: int, client_id: str = "synth"):
        request.with_header(correlation_id=corr, client_id=client_id)
        self.send(True, bytes(request.encode(header=True, framed=True)))
        if response is not None:
            response.with_header(correlation_id=corr)
            self.send(False, bytes(response.encode(header=True, framed=True)))
        return self


def write(path, *conversations: Conversation) -> None:
    pkts = sorted((p for c in conversations for p in c.packets), key=lambda p: p.time)
    wrpcap(str(path), pkts)


def make(cls, values: dict):
    """A body/struct packet from plain values; keys a version lacks are ignored, others default."""
    from netlab.capture.kafka.fields import KafkaArrayField

    pkt = cls()
    for f in cls.fields_desc:
        if f.name not in values:
            continue
        v = values[f.name]
        if isinstance(f, KafkaArrayField) and f.is_struct and v is not None:
            v = [make(f.elem, x) for x in v]
        pkt.setfieldval(f.name, v)
    return pkt


_KP = None


def kp_message(api_key: int, version: int, kind: str, /, **values):
    """A kafka-python message object holding these values (encoded by us, then checked by
    kafka-python: it must decode and re-encode to the very same bytes)."""
    global _KP
    from kp_codec import kp_classes

    from netlab.capture.kafka import body_class

    if _KP is None:
        _KP = kp_classes()
    _check_names(api_key, kind, values)
    data = bytes(make(body_class(api_key, version, kind), values))
    msg = _KP[api_key][kind].decode(data, version=version)
    msg._header = None
    assert bytes(msg.encode(version=version)) == data, "kafka-python disagrees with our encoding"
    return msg


def _check_names(api_key: int, kind: str, values) -> None:
    """`make` skips keys a version lacks; a key no version of the declared message has is a typo
    (or an old name) and would silently leave the field at its default."""
    from broker.protocol import schema as ks
    from broker.protocol.messages import DECLARED

    known: set[str] = set()

    def walk(t) -> None:
        if isinstance(t, ks.Array):
            walk(t.item)
        elif isinstance(t, ks.Struct):
            for f in t.fields:
                known.add(f.name)
                walk(f.type)

    api = DECLARED[api_key]
    walk((api.request if kind == "request" else api.response).body)

    def check(v) -> None:
        if isinstance(v, dict):
            unknown = set(v) - known
            assert not unknown, f"{api.name} {kind} declares no field {sorted(unknown)}"
            for x in v.values():
                check(x)
        elif isinstance(v, list):
            for x in v:
                check(x)

    check(values)


def subscription(topics: list[str]) -> bytes:
    from kafka.protocol.consumer.metadata import ConsumerProtocolSubscription as S

    return bytes(S(topics=topics, user_data=None).encode(version=0))


def assignment(topic: str, partitions: list[int]) -> bytes:
    from kafka.protocol.consumer.metadata import ConsumerProtocolAssignment as A

    return bytes(
        A(assigned_partitions=[A.TopicPartition(topic=topic, partitions=partitions)], user_data=None).encode(
            version=0
        )
    )


BROKERS = [
    {"node_id": 1, "host": "broker-1", "port": 29092, "rack": None},
    {"node_id": 2, "host": "broker-2", "port": 29093, "rack": "r2"},
]


def bootstrap(c: Conversation, metadata_versions=range(0, 10), corr: int = 1) -> int:
    """ApiVersions then one Metadata exchange per version (brokers, a topic, an error topic)."""
    c.exchange(
        kp_message(18, 3, "request", client_software_name="synth", client_software_version="1"),
        kp_message(
            18,
            3,
            "response",
            error_code=0,
            api_keys=[
                {"api_key": k, "min_version": 0, "max_version": m}
                for k, m in ((0, 8), (1, 11), (3, 9), (18, 3))
            ],
        ),
        corr,
        "kcat",
    )
    corr += 1
    for v in metadata_versions:
        topics = [
            {
                "error_code": 0,
                "name": "orders",
                "is_internal": 0,
                "partitions": [
                    {
                        "error_code": 0,
                        "partition_index": p,
                        "leader_id": 1 + p % 2,
                        "leader_epoch": 0,
                        "replica_nodes": [1, 2],
                        "isr_nodes": [1, 2],
                        "offline_replicas": [],
                    }
                    for p in range(3)
                ],
            },
            {"error_code": 3, "name": "missing", "partitions": []},
        ]
        c.exchange(
            kp_message(3, v, "request", topics=[{"name": "orders"}], allow_auto_topic_creation=1),
            kp_message(
                3, v, "response", brokers=BROKERS, cluster_id="cluster-x", controller_id=1, topics=topics
            ),
            corr,
            "kcat",
        )
        corr += 1
    return corr


def rebalance(c: Conversation, version_sets, members: int = 3, corr: int = 100) -> int:
    """A group rebalance per version set: FindCoordinator, JoinGroup (leader sees all members),
    SyncGroup, Heartbeat, OffsetFetch, OffsetCommit, LeaveGroup."""
    sub = subscription(["orders"])
    for vs in version_sets:
        fc, jg, sg, hb, of, oc, lg = vs
        c.exchange(
            kp_message(10, fc, "request", key="my-group", key_type=0),
            kp_message(
                10, fc, "response", error_code=0, error_message=None, node_id=1, host="broker-1", port=29092
            ),
            corr,
            "consumer-1",
        )
        member_list = [
            {"member_id": f"consumer-{i}-uuid", "group_instance_id": None, "metadata": sub}
            for i in range(members)
        ]
        c.exchange(
            kp_message(
                11,
                jg,
                "request",
                group_id="my-group",
                session_timeout_ms=10000,
                rebalance_timeout_ms=30000,
                member_id="",
                group_instance_id=None,
                protocol_type="consumer",
                protocols=[{"name": "range", "metadata": sub}],
            ),
            kp_message(
                11,
                jg,
                "response",
                error_code=0,
                generation_id=1,
                protocol_type="consumer",
                protocol_name="range",
                leader="consumer-0-uuid",
                member_id="consumer-0-uuid",
                members=member_list,
            ),
            corr + 1,
            "consumer-1",
        )
        c.exchange(
            kp_message(
                14,
                sg,
                "request",
                group_id="my-group",
                generation_id=1,
                member_id="consumer-0-uuid",
                group_instance_id=None,
                assignments=[
                    {"member_id": f"consumer-{i}-uuid", "assignment": assignment("orders", [i])}
                    for i in range(members)
                ],
            ),
            kp_message(14, sg, "response", error_code=0, assignment=assignment("orders", [0])),
            corr + 2,
            "consumer-1",
        )
        c.exchange(
            kp_message(
                12,
                hb,
                "request",
                group_id="my-group",
                generation_id=1,
                member_id="consumer-0-uuid",
                group_instance_id=None,
            ),
            kp_message(12, hb, "response", error_code=27),
            corr + 3,
            "consumer-1",
        )
        c.exchange(
            kp_message(
                9, of, "request", group_id="my-group", topics=[{"name": "orders", "partition_indexes": [0]}]
            ),
            kp_message(
                9,
                of,
                "response",
                error_code=0,
                topics=[
                    {
                        "name": "orders",
                        "partitions": [
                            {
                                "partition_index": 0,
                                "committed_offset": 5,
                                "committed_leader_epoch": -1,
                                "metadata": "",
                                "error_code": 0,
                            }
                        ],
                    }
                ],
            ),
            corr + 4,
            "consumer-1",
        )
        c.exchange(
            kp_message(
                8,
                oc,
                "request",
                group_id="my-group",
                generation_id=1,
                member_id="consumer-0-uuid",
                group_instance_id=None,
                retention_time_ms=-1,
                topics=[
                    {
                        "name": "orders",
                        "partitions": [
                            {
                                "partition_index": 0,
                                "committed_offset": 6,
                                "committed_leader_epoch": -1,
                                "commit_timestamp": -1,
                                "committed_metadata": "",
                            }
                        ],
                    }
                ],
            ),
            kp_message(
                8,
                oc,
                "response",
                topics=[{"name": "orders", "partitions": [{"partition_index": 0, "error_code": 0}]}],
            ),
            corr + 5,
            "consumer-1",
        )
        c.exchange(
            kp_message(
                13,
                lg,
                "request",
                group_id="my-group",
                member_id="consumer-0-uuid",
                members=[{"member_id": "consumer-0-uuid", "group_instance_id": None}],
            ),
            kp_message(
                13,
                lg,
                "response",
                error_code=0,
                members=[{"member_id": "consumer-0-uuid", "group_instance_id": None, "error_code": 0}],
            ),
            corr + 6,
            "consumer-1",
        )
        corr += 7
    return corr


def produce_consume(c: Conversation, version_pairs, batch: bytes, corr: int = 500) -> int:
    for pv, fv in version_pairs:
        c.exchange(
            kp_message(
                0,
                pv,
                "request",
                transactional_id=None,
                acks=-1,
                timeout_ms=30000,
                topic_data=[{"name": "orders", "partition_data": [{"index": 0, "records": batch}]}],
            ),
            kp_message(
                0,
                pv,
                "response",
                responses=[
                    {
                        "name": "orders",
                        "partition_responses": [
                            {
                                "index": 0,
                                "error_code": 0,
                                "base_offset": 10,
                                "log_append_time_ms": -1,
                                "log_start_offset": 0,
                                "record_errors": [],
                                "error_message": None,
                            }
                        ],
                    }
                ],
            ),
            corr,
            "producer-1",
        )
        c.exchange(
            kp_message(
                1,
                fv,
                "request",
                replica_id=-1,
                max_wait_ms=500,
                min_bytes=1,
                max_bytes=1 << 20,
                isolation_level=0,
                session_id=0,
                session_epoch=-1,
                topics=[
                    {
                        "topic": "orders",
                        "partitions": [
                            {
                                "partition": 0,
                                "current_leader_epoch": -1,
                                "fetch_offset": 0,
                                "log_start_offset": -1,
                                "partition_max_bytes": 1 << 20,
                            }
                        ],
                    }
                ],
                forgotten_topics_data=[],
                rack_id="",
            ),
            kp_message(
                1,
                fv,
                "response",
                error_code=0,
                session_id=0,
                responses=[
                    {
                        "topic": "orders",
                        "partitions": [
                            {
                                "partition_index": 0,
                                "error_code": 0,
                                "high_watermark": 13,
                                "last_stable_offset": 13,
                                "log_start_offset": 0,
                                "aborted_transactions": None,
                                "preferred_read_replica": -1,
                                "records": batch,
                            }
                        ],
                    }
                ],
            ),
            corr + 1,
            "consumer-1",
        )
        corr += 2
    return corr
