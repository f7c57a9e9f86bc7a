"""Transactions with real clients against a real broker process: confluent-kafka (librdkafka) and
aiokafka transactional producers; read_committed consumers see only committed records, the last
stable offset holds them at an open transaction, a zombie is fenced by a newer producer with its
transactional.id, a transaction open past transaction.timeout.ms is aborted by the coordinator,
offsets sent with the transaction become the group's only on commit, and the state (the
coordinator's, the partitions' aborted lists in .txnindex) survives a restart."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import uuid

import pytest
from brokerproc import start_broker
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from support import poll, read_to_eof

TXN_SETTINGS = [
    "transaction.state.log.replication.factor=1",
    "transaction.state.log.min.isr=1",
    "transaction.state.log.num.partitions=5",
    "offsets.topic.replication.factor=1",
    "offsets.topic.num.partitions=5",
    # the coordinator's check for transactions open past their timeout (Kafka: 10 s)
    "transaction.abort.timed.out.transaction.cleanup.interval.ms=300",
    "group.initial.rebalance.delay.ms=0",
]


@pytest.fixture(scope="module")
def txn_broker(tmp_path_factory):
    bp = start_broker(tmp_path_factory.mktemp("txn"), TXN_SETTINGS)
    assert bp.proc.poll() is None, bp.output()
    yield bp
    rc = bp.stop()
    assert rc == 0, f"broker did not shut down cleanly (rc={rc}):\n{bp.output()}"


def _topic(bootstrap: str, partitions: int = 1) -> str:
    name = f"txn_{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": bootstrap})  # kept alive until the answer is in
    admin.create_topics([NewTopic(name, partitions, 1)])[name].result(15)
    return name


def _producer(bootstrap: str, tid: str, **extra) -> Producer:
    p = Producer({"bootstrap.servers": bootstrap, "transactional.id": tid, **extra})
    p.init_transactions(30)
    return p


def _read_all(bootstrap: str, topic: str, isolation: str) -> list[bytes]:
    """Every record up to the end the consumer is told about (EOF), with librdkafka's isolation."""
    return [m.value() for m in read_to_eof(bootstrap, topic, **{"isolation.level": isolation})]


def test_commit_and_abort_read_committed_sees_only_committed(txn_broker):
    bs = txn_broker.bootstrap
    topic = _topic(bs)
    p = _producer(bs, f"tx_{topic}")
    p.begin_transaction()
    p.produce(topic, b"c1")
    p.commit_transaction(30)
    p.begin_transaction()
    p.produce(topic, b"a1")
    p.produce(topic, b"a2")
    p.flush(10)
    p.abort_transaction(30)
    p.begin_transaction()
    p.produce(topic, b"c2")
    p.commit_transaction(30)
    assert _read_all(bs, topic, "read_committed") == [b"c1", b"c2"]
    assert _read_all(bs, topic, "read_uncommitted") == [b"c1", b"a1", b"a2", b"c2"]


def test_open_transaction_holds_the_last_stable_offset(txn_broker):
    bs = txn_broker.bootstrap
    topic = _topic(bs)
    plain = Producer({"bootstrap.servers": bs})
    plain.produce(topic, b"before")
    plain.flush(10)
    p = _producer(bs, f"tx_{topic}")
    p.begin_transaction()
    p.produce(topic, b"open")
    p.flush(10)
    plain.produce(topic, b"after")  # not transactional, but behind the open transaction
    plain.flush(10)
    assert _read_all(bs, topic, "read_committed") == [b"before"]
    assert _read_all(bs, topic, "read_uncommitted") == [b"before", b"open", b"after"]
    c = Consumer({"bootstrap.servers": bs, "group.id": "lso", "isolation.level": "read_committed"})
    try:
        lo, hi = c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
    finally:
        c.close()
    assert hi == 1  # read_committed: ListOffsets(latest) is the last stable offset
    p.commit_transaction(30)
    assert _read_all(bs, topic, "read_committed") == [b"before", b"open", b"after"]


def test_a_newer_producer_fences_the_zombie(txn_broker):
    bs = txn_broker.bootstrap
    topic = _topic(bs)
    tid = f"tx_{topic}"
    zombie = _producer(bs, tid)
    zombie.begin_transaction()
    zombie.produce(topic, b"zombie")
    zombie.flush(10)
    fresh = _producer(bs, tid)  # fences the zombie and aborts its open transaction
    fresh.begin_transaction()
    fresh.produce(topic, b"fresh")
    fresh.commit_transaction(30)
    with pytest.raises(KafkaException) as exc:
        zombie.produce(topic, b"zombie2")
        zombie.commit_transaction(10)
    err = exc.value.args[0]
    assert err.fatal(), err
    assert err.code() in (
        KafkaError._FENCED,
        KafkaError.PRODUCER_FENCED,
        KafkaError.INVALID_PRODUCER_EPOCH,
    ), err
    assert _read_all(bs, topic, "read_committed") == [b"fresh"]
    assert _read_all(bs, topic, "read_uncommitted") == [b"zombie", b"fresh"]


def test_transaction_timeout_aborts(txn_broker):
    bs = txn_broker.bootstrap
    topic = _topic(bs)
    # long enough for a second producer and a read_committed consumer to run while it is open
    # (1 s was once too short on 2 loaded cores), short enough to wait for
    p = _producer(bs, f"tx_{topic}", **{"transaction.timeout.ms": 6000})
    p.begin_transaction()
    p.produce(topic, b"too_slow")
    p.flush(10)
    plain = Producer({"bootstrap.servers": bs})
    plain.produce(topic, b"after")  # visible to read_committed only once the transaction ends
    plain.flush(10)
    assert _read_all(bs, topic, "read_committed") == []
    deadline = time.monotonic() + 15
    while f"transactionalId tx_{topic} due to timeout" not in txn_broker.output():
        assert time.monotonic() < deadline, "the coordinator did not abort the transaction in 15 s"
        time.sleep(0.2)
    # the markers follow the PrepareAbort write: then read_committed sees past the aborted batch
    assert poll(lambda: _read_all(bs, topic, "read_committed") == [b"after"], 15, 0.5), _read_all(
        bs, topic, "read_committed"
    )
    assert _read_all(bs, topic, "read_uncommitted") == [b"too_slow", b"after"]
    with pytest.raises(KafkaException):
        p.commit_transaction(10)


def _committed(bs: str, group: str, topic: str) -> int:
    c = Consumer({"bootstrap.servers": bs, "group.id": group})
    try:
        return c.committed([TopicPartition(topic, 0)], timeout=10)[0].offset
    finally:
        c.close()


def test_send_offsets_to_transaction(txn_broker):
    bs = txn_broker.bootstrap
    src, dst = _topic(bs), _topic(bs)
    group = f"g_{src}"
    plain = Producer({"bootstrap.servers": bs})
    for i in range(4):
        plain.produce(src, f"m{i}".encode())
    plain.flush(10)
    consumer = Consumer(
        {
            "bootstrap.servers": bs,
            "group.id": group,
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
            "isolation.level": "read_committed",
        }
    )
    consumer.subscribe([src])
    msgs = []
    deadline = time.monotonic() + 30
    while len(msgs) < 2 and time.monotonic() < deadline:
        m = consumer.poll(1)
        if m is not None and not m.error():
            msgs.append(m)
    assert len(msgs) == 2
    p = _producer(bs, f"tx_{src}")
    p.begin_transaction()
    p.produce(dst, msgs[-1].value())
    p.send_offsets_to_transaction(
        [TopicPartition(src, 0, msgs[-1].offset() + 1)], consumer.consumer_group_metadata(), 30
    )
    p.abort_transaction(30)
    consumer.close()
    assert _committed(bs, group, src) < 0  # aborted: nothing committed
    consumer = Consumer({"bootstrap.servers": bs, "group.id": group, "enable.auto.commit": False})
    p.begin_transaction()
    p.produce(dst, b"copied")
    p.send_offsets_to_transaction([TopicPartition(src, 0, 2)], consumer.consumer_group_metadata(), 30)
    p.commit_transaction(30)
    consumer.close()
    assert _committed(bs, group, src) == 2
    assert _read_all(bs, dst, "read_committed") == [b"copied"]


def test_aiokafka_transactional_producer(txn_broker):
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
    from aiokafka import TopicPartition as ATP

    bs = txn_broker.bootstrap
    topic = _topic(bs)

    async def run() -> tuple[list[bytes], list[bytes]]:
        p = AIOKafkaProducer(bootstrap_servers=bs, transactional_id=f"tx_{topic}")
        await p.start()
        try:
            async with p.transaction():
                await p.send_and_wait(topic, b"ai_c1")
            await p.begin_transaction()
            await p.send_and_wait(topic, b"ai_a1")
            await p.abort_transaction()
            async with p.transaction():
                await p.send_and_wait(topic, b"ai_c2")
                # offsets of a consume-transform-produce loop, committed with the transaction
                await p.send_offsets_to_transaction({ATP(topic, 0): 3}, f"ai_group_{topic}")
        finally:
            await p.stop()
        out = []
        for iso in ("read_committed", "read_uncommitted"):
            c = AIOKafkaConsumer(bootstrap_servers=bs, isolation_level=iso, enable_auto_commit=False)
            await c.start()
            try:
                tp = ATP(topic, 0)
                c.assign([tp])
                c.seek(tp, 0)
                got: list[bytes] = []
                deadline = time.monotonic() + 15
                while time.monotonic() < deadline:
                    batch = await c.getmany(tp, timeout_ms=500)
                    got += [r.value for r in batch.get(tp, [])]
                    if len(got) >= (2 if iso == "read_committed" else 3) and not batch:
                        break
                out.append(got)
            finally:
                await c.stop()
        return out[0], out[1]

    committed, uncommitted = asyncio.run(run())
    assert committed == [b"ai_c1", b"ai_c2"]
    assert uncommitted == [b"ai_c1", b"ai_a1", b"ai_c2"]
    assert _committed(bs, f"ai_group_{topic}", topic) == 3


def test_dump_log_shows_markers_and_state_survives_restart(tmp_path):
    bp = start_broker(tmp_path, TXN_SETTINGS)
    try:
        bs = bp.bootstrap
        topic = _topic(bs)
        p = _producer(bs, "tx_restart")
        p.begin_transaction()
        p.produce(topic, b"kept")
        p.commit_transaction(30)
        p.begin_transaction()
        p.produce(topic, b"dropped")
        p.flush(10)
        p.abort_transaction(30)
        p.flush(1)
        del p
    finally:
        assert bp.stop() == 0, bp.output()
    part = tmp_path / "kafka-logs" / f"{topic}-0"
    seg = part / "00000000000000000000.log"
    out = subprocess.run(
        [sys.executable, "-m", "broker.dump_log", "--files", str(seg), "--print-data-log"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "isTransactional: true isControl: false" in text
    assert "isTransactional: true isControl: true" in text
    assert "endTxnMarker: COMMIT coordinatorEpoch: 0" in text
    assert "endTxnMarker: ABORT coordinatorEpoch: 0" in text
    index = part / "00000000000000000000.txnindex"
    assert index.exists() and index.stat().st_size == 34  # one AbortedTxn entry, Kafka's size
    out = subprocess.run(
        [sys.executable, "-m", "broker.dump_log", "--files", str(index)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    # offsets: 0 kept, 1 COMMIT marker, 2 dropped, 3 ABORT marker
    assert "version: 0 producerId: 0 firstOffset: 2 lastOffset: 3 lastStableOffset: 2" in out.stdout, out

    bp = start_broker(tmp_path, TXN_SETTINGS)
    try:
        bs = bp.bootstrap
        assert _read_all(bs, topic, "read_committed") == [b"kept"]
        p = _producer(bs, "tx_restart")  # the coordinator's state came back from __transaction_state
        p.begin_transaction()
        p.produce(topic, b"after_restart")
        p.commit_transaction(30)
        assert _read_all(bs, topic, "read_committed") == [b"kept", b"after_restart"]
        assert "Initialized transactionalId tx_restart with producerId 0 and producer epoch 1" in bp.output()
    finally:
        assert bp.stop() == 0, bp.output()


def test_transactional_offsets_are_replayed_by_their_markers(tmp_path):
    """TxnOffsetCommit's records go to __consumer_offsets as transactional records of the producer;
    after a restart the group's offset is the committed transaction's, not the aborted one's."""
    bp = start_broker(tmp_path, TXN_SETTINGS)
    try:
        bs = bp.bootstrap
        topic = _topic(bs)
        group = f"g_{topic}"
        meta = Consumer({"bootstrap.servers": bs, "group.id": group}).consumer_group_metadata()
        p = _producer(bs, f"tx_{topic}")
        for offset, commit in ((2, True), (3, False)):
            p.begin_transaction()
            p.produce(topic, b"x")
            p.send_offsets_to_transaction([TopicPartition(topic, 0, offset)], meta, 30)
            p.commit_transaction(30) if commit else p.abort_transaction(30)
        assert _committed(bs, group, topic) == 2
        del p
    finally:
        assert bp.stop() == 0, bp.output()
    dumps = "".join(
        subprocess.run(
            [sys.executable, "-m", "broker.dump_log", "--files", str(seg)],
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout
        for seg in (tmp_path / "kafka-logs").glob("__consumer_offsets-*/*.log")
    )
    assert dumps.count("isTransactional: true isControl: false") == 2  # the two offset commits
    assert dumps.count("isTransactional: true isControl: true") == 2  # their COMMIT and ABORT markers
    bp = start_broker(tmp_path, TXN_SETTINGS)
    try:
        assert _committed(bp.bootstrap, group, topic) == 2  # replayed: the aborted 3 is not there
    finally:
        assert bp.stop() == 0, bp.output()
