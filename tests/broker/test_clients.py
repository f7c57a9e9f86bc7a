"""Real Kafka clients against a real broker on loopback: kcat (librdkafka 2.0.2), confluent-kafka
(librdkafka 2.16), kafka-python 3 (idempotent producer), aiokafka 0.14. Records written by one
client are read back byte-for-byte by the others."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import time

import pytest

pytestmark = [pytest.mark.clients]

KCAT = shutil.which("kcat")


def need_kcat():
    if not KCAT:
        from support import not_runnable_here

        not_runnable_here("kcat is not installed")


def kcat(*args: str, input: bytes | None = None, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run([KCAT, *args], input=input, capture_output=True, timeout=timeout)


# values that stress byte-exactness: empty, binary, non-UTF-8, a NUL, large
PAYLOADS = [b"", b"\x00\x01\x02\xff", "Grüße ✓".encode(), bytes(range(256)) * 4, os.urandom(50_000)]


def ck_produce(bs: str, topic: str, values: list[bytes], **conf) -> None:
    from confluent_kafka import Producer

    p = Producer({"bootstrap.servers": bs, **conf})
    errors = []
    for v in values:
        p.produce(topic, value=v, key=b"k", on_delivery=lambda e, m: errors.append(e) if e else None)
    assert p.flush(20) == 0 and not errors, errors


def ck_consume(bs: str, topic: str, n: int, offset: int = 0) -> list[bytes]:
    from confluent_kafka import Consumer, TopicPartition

    c = Consumer({"bootstrap.servers": bs, "group.id": "unused", "enable.auto.commit": False})
    c.assign([TopicPartition(topic, 0, offset)])
    out, deadline = [], time.monotonic() + 20
    while len(out) < n and time.monotonic() < deadline:
        m = c.poll(0.5)
        if m is not None and not m.error():
            out.append(m.value() or b"")
    c.close()
    return out


def kp_produce(bs: str, topic: str, values: list[bytes]) -> list[int]:
    from kafka import KafkaProducer

    p = KafkaProducer(bootstrap_servers=bs, enable_idempotence=True, acks="all", max_request_size=2_000_000)
    futs = [p.send(topic, value=v, key=b"k") for v in values]
    p.flush(20)
    offsets = [f.get(10).offset for f in futs]
    p.close(5)
    return offsets


def kp_consume(bs: str, topic: str, n: int) -> list[bytes]:
    from kafka import KafkaConsumer, TopicPartition

    c = KafkaConsumer(
        bootstrap_servers=bs,
        enable_auto_commit=False,
        consumer_timeout_ms=5000,
        fetch_max_bytes=10_000_000,
        max_partition_fetch_bytes=10_000_000,
    )
    c.assign([TopicPartition(topic, 0)])
    c.seek_to_beginning()
    out = []
    for m in c:
        out.append(m.value or b"")
        if len(out) == n:
            break
    c.close()
    return out


def ak_produce(bs: str, topic: str, values: list[bytes]) -> list[int]:
    from aiokafka import AIOKafkaProducer

    async def run():
        p = AIOKafkaProducer(bootstrap_servers=bs, max_request_size=2_000_000)
        await p.start()
        try:
            return [(await p.send_and_wait(topic, v, key=b"k")).offset for v in values]
        finally:
            await p.stop()

    return asyncio.run(run())


def ak_consume(bs: str, topic: str, n: int) -> list[bytes]:
    from aiokafka import AIOKafkaConsumer, TopicPartition

    async def run():
        c = AIOKafkaConsumer(
            bootstrap_servers=bs, enable_auto_commit=False, max_partition_fetch_bytes=10_000_000
        )
        await c.start()
        try:
            tp = TopicPartition(topic, 0)
            c.assign([tp])
            await c.seek_to_beginning(tp)
            out = []
            deadline = time.monotonic() + 20
            while len(out) < n and time.monotonic() < deadline:
                for msgs in (await c.getmany(timeout_ms=500)).values():
                    out += [m.value or b"" for m in msgs]
            return out
        finally:
            await c.stop()

    return asyncio.run(run())


def test_kcat_metadata_produce_consume_offsets(broker):
    need_kcat()
    bs = broker.bootstrap
    md = kcat("-b", bs, "-L")
    assert md.returncode == 0, md.stderr
    assert f"broker 1 at 127.0.0.1:{broker.port} (controller)" in md.stdout.decode()
    lines = b"".join(b"line-%d\n" % i for i in range(20))
    pr = kcat("-b", bs, "-P", "-t", "kc", input=lines)
    assert pr.returncode == 0, pr.stderr
    assert "partition 0, leader 1" in kcat("-b", bs, "-L", "-t", "kc").stdout.decode()
    all_ = kcat("-b", bs, "-C", "-t", "kc", "-o", "beginning", "-e", "-q")
    assert all_.returncode == 0 and all_.stdout == lines
    from_15 = kcat("-b", bs, "-C", "-t", "kc", "-o", "15", "-e", "-q")
    assert from_15.stdout.decode().split() == [f"line-{i}" for i in range(15, 20)]
    last_3 = kcat("-b", bs, "-C", "-t", "kc", "-o", "-3", "-e", "-q")
    assert last_3.stdout.decode().split() == ["line-17", "line-18", "line-19"]
    fmt = kcat("-b", bs, "-C", "-t", "kc", "-o", "2", "-c", "1", "-e", "-q", "-f", "%t %p %o %s\n")
    assert fmt.stdout.decode() == "kc 0 2 line-2\n"
    stamps = [int(t) for t in kcat("-b", bs, "-C", "-t", "kc", "-e", "-q", "-f", "%T\n").stdout.split()]
    for ts in sorted(
        set(stamps)
    ):  # -Q: the first offset whose timestamp is at least ts (ListOffsets by time)
        first = stamps.index(ts)
        assert kcat("-b", bs, "-Q", "-t", f"kc:0:{ts}").stdout.decode().strip() == f"kc [0] offset {first}"
    kcat("-b", bs, "-P", "-t", "kc", input=b"later\n")
    later = max(stamps) + 1
    assert kcat("-b", bs, "-Q", "-t", f"kc:0:{later}").stdout.decode().strip() == "kc [0] offset 20"
    assert kcat("-b", bs, "-Q", "-t", "kc:0:99999999999999").stdout.decode().strip() == "kc [0] offset -1"
    end = kcat("-b", bs, "-C", "-t", "kc", "-o", "end", "-e")
    assert end.returncode == 0 and "Reached end of topic kc [0] at offset 21" in end.stderr.decode()


def test_confluent_kafka_roundtrip_and_other_clients_read_it(broker):
    bs = broker.bootstrap
    ck_produce(bs, "from-ck", PAYLOADS, acks="all")
    assert ck_consume(bs, "from-ck", len(PAYLOADS)) == PAYLOADS
    assert kp_consume(bs, "from-ck", len(PAYLOADS)) == PAYLOADS
    assert ak_consume(bs, "from-ck", len(PAYLOADS)) == PAYLOADS


def test_kafka_python_idempotent_producer_and_other_clients_read_it(broker):
    bs = broker.bootstrap
    assert kp_produce(bs, "from-kp", PAYLOADS) == list(range(len(PAYLOADS)))
    assert kp_consume(bs, "from-kp", len(PAYLOADS)) == PAYLOADS
    assert ck_consume(bs, "from-kp", len(PAYLOADS)) == PAYLOADS
    assert ak_consume(bs, "from-kp", len(PAYLOADS)) == PAYLOADS
    assert "InitProducerId" not in broker.output()  # no errors logged about it


def test_aiokafka_producer_and_other_clients_read_it(broker):
    bs = broker.bootstrap
    assert ak_produce(bs, "from-ak", PAYLOADS) == list(range(len(PAYLOADS)))
    assert ak_consume(bs, "from-ak", len(PAYLOADS)) == PAYLOADS
    assert ck_consume(bs, "from-ak", len(PAYLOADS)) == PAYLOADS
    assert kp_consume(bs, "from-ak", len(PAYLOADS)) == PAYLOADS


def test_kcat_reads_what_python_clients_wrote_and_vice_versa(broker):
    need_kcat()
    bs = broker.bootstrap
    text = [b"alpha", b"beta", "gamma-\u00e9".encode()]
    kp_produce(bs, "mixed", text)
    out = kcat("-b", bs, "-C", "-t", "mixed", "-o", "beginning", "-e", "-q", "-D", "\x1e")
    assert out.stdout.split(b"\x1e")[:-1] == text
    kcat("-b", bs, "-P", "-t", "mixed2", "-D", "\x1e", input=b"\x1e".join(text))
    assert ak_consume(bs, "mixed2", 3) == text


def test_confluent_idempotent_producer(broker):
    bs = broker.bootstrap
    values = [b"i%d" % i for i in range(200)]
    ck_produce(bs, "ck-idem", values, **{"enable.idempotence": True, "linger.ms": 1})
    assert ck_consume(bs, "ck-idem", 200) == values


@pytest.mark.parametrize("codec,cid", [("gzip", 1), ("snappy", 2), ("lz4", 3), ("zstd", 4)])
def test_compressed_batches_pass_through_untouched(broker, codec, cid):
    from kafka.protocol.consumer import FetchRequest
    from rawclient import RawClient

    bs = broker.bootstrap
    values = [b"compress me %d " % i * 20 for i in range(300)]
    topic = f"z-{codec}"
    ck_produce(bs, topic, values, **{"compression.type": codec, "linger.ms": 50})
    assert ck_consume(bs, topic, len(values)) == values
    if codec == "gzip":  # the pure-Python clients here decompress gzip only
        assert kp_consume(bs, topic, len(values)) == values
        assert ak_consume(bs, topic, len(values)) == values
    fp = FetchRequest.FetchTopic.FetchPartition(
        partition=0, fetch_offset=0, partition_max_bytes=1 << 20, version=11
    )
    req = FetchRequest(
        replica_id=-1,
        max_wait_ms=0,
        min_bytes=0,
        max_bytes=1 << 20,
        isolation_level=0,
        topics=[FetchRequest.FetchTopic(topic=topic, partitions=[fp], version=11)],
        version=11,
    )
    raw = bytes(RawClient("127.0.0.1", broker.port).request(req, 11).responses[0].partitions[0].records)
    attributes = int.from_bytes(raw[21:23], "big")
    assert attributes & 0x7 == cid  # stored and served as the producer compressed it
    assert len(raw) < sum(map(len, values))


def test_fetch_waiting_on_a_deleted_topic_answers_at_once(broker):
    import threading

    from kafka.protocol.admin import DeleteTopicsRequest
    from rawclient import RawClient
    from test_protocol_edges import create, fetch

    rc = RawClient("127.0.0.1", broker.port)
    create(rc, "doomed")
    box = {}

    def wait():
        c = RawClient("127.0.0.1", broker.port)
        t0 = time.monotonic()
        box["p"] = fetch(c, "doomed", 0, max_wait=20_000, min_bytes=1)
        box["s"] = time.monotonic() - t0

    t = threading.Thread(target=wait)
    t.start()
    time.sleep(0.3)
    assert t.is_alive()
    assert (
        rc.request(DeleteTopicsRequest(topic_names=["doomed"], timeout_ms=1000, version=4), 4)
        .responses[0]
        .error_code
        == 0
    )
    t.join(25)
    assert box["p"].error_code == 3 and box["s"] < 20


def test_admin_clients_create_describe_delete(broker):
    from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic
    from kafka.admin import KafkaAdminClient
    from kafka.admin import NewTopic as KNewTopic

    bs = broker.bootstrap
    a = AdminClient({"bootstrap.servers": bs})
    for f in a.create_topics([NewTopic("adm", 3, 1, config={"retention.ms": "5000"})]).values():
        assert f.result(15) is None
    assert len(a.list_topics(timeout=10).topics["adm"].partitions) == 3
    (cfg,) = [f.result(10) for f in a.describe_configs([ConfigResource("topic", "adm")]).values()]
    assert cfg["retention.ms"].value == "5000" and cfg["cleanup.policy"].value == "delete"
    k = KafkaAdminClient(bootstrap_servers=bs)
    try:
        from kafka.errors import TopicAlreadyExistsError

        with pytest.raises(TopicAlreadyExistsError, match="Topic 'adm' already exists."):
            k.create_topics([KNewTopic("adm", 1, 1)])
        assert "adm" in k.list_topics()
        assert k.describe_cluster()["brokers"][0]["port"] == broker.port
    finally:
        k.close()
    from confluent_kafka import TopicPartition
    from confluent_kafka.admin import OffsetSpec

    ck_produce(bs, "adm", [b"a", b"b", b"c"])  # partitions chosen by the client; all land somewhere
    specs = {TopicPartition("adm", p): OffsetSpec.latest() for p in range(3)}
    latest = {tp.partition: f.result(10).offset for tp, f in a.list_offsets(specs).items()}
    assert sum(latest.values()) == 3
    busiest = max(latest, key=latest.get)
    got = a.list_offsets({TopicPartition("adm", busiest): OffsetSpec.max_timestamp()})
    (res,) = [f.result(10) for f in got.values()]
    assert 0 <= res.offset < latest[busiest] and res.timestamp > 0
    cluster = a.describe_cluster().result(10)  # DescribeCluster (key 60)
    assert [(n.id, n.host, n.port) for n in cluster.nodes] == [(1, "127.0.0.1", broker.port)]
    assert cluster.controller.id == 1 and cluster.cluster_id
    for f in a.delete_topics(["adm"]).values():
        assert f.result(15) is None
    assert "adm" not in a.list_topics(timeout=10).topics


def test_sasl_client_against_plaintext_listener_fails_like_kafka(broker):
    need_kcat()
    out = kcat(
        "-b",
        broker.bootstrap,
        "-L",
        "-m",
        "2",
        "-X",
        "security.protocol=SASL_PLAINTEXT",
        "-X",
        "sasl.mechanisms=PLAIN",
        "-X",
        "sasl.username=u",
        "-X",
        "sasl.password=p",
    )
    assert out.returncode != 0
    err = out.stderr.decode()
    # what librdkafka reports against a real Kafka PLAINTEXT listener (ILLEGAL_SASL_STATE)
    assert "SASL PLAIN mechanism handshake failed: Broker: Request not valid in current SASL state" in err, (
        err
    )


def test_tls_client_against_plaintext_listener_logged_like_kafka(broker):
    need_kcat()
    out = kcat("-b", broker.bootstrap, "-L", "-m", "2", "-X", "security.protocol=SSL")
    assert out.returncode != 0 and "SSL handshake failed" in out.stderr.decode()
    log = broker.output()
    # the TLS ClientHello read as a Kafka size field: the line users search for
    assert (
        "closing connection (org.apache.kafka.common.network.Selector)\n"
        "org.apache.kafka.common.network.InvalidReceiveException: Invalid receive (size = 369295617 larger "
        "than 104857600)"
    ) in log
