"""Small pure pieces: listener ports from broker argv, record counting, story wording."""

from __future__ import annotations

from kp_codec import record_batch

from netlab.capture.kafka import count_records
from netlab.capture.labinfo import broker_ports, listener_ports
from netlab.capture.story import Story
from netlab.capture.stream import ConnEvent, KafkaMessage, looks_like_api_versions


def test_listener_ports(tmp_path):
    assert listener_ports("PLAINTEXT://:9092,INTERNAL://broker-1:29092, V6://[::1]:9093,CTRL://x:0") == {
        9092,
        29092,
        9093,
    }
    props = tmp_path / "server.properties"
    props.write_text(
        "# comment\nlisteners = PLAINTEXT://0.0.0.0:9092\nadvertised.listeners=PLAINTEXT://h:1\n"
    )
    assert broker_ports(["python", "-m", "broker", str(props), "--override", "listeners=A://:19092"]) == {
        9092,
        19092,
    }
    assert broker_ports(["python", "-m", "broker", "--override", "listeners=A://:19092,B://:19093"]) == {
        19092,
        19093,
    }
    assert broker_ports(["python", "-m", "broker", str(tmp_path / "missing.properties")]) == set()


def test_record_counting():
    blob = record_batch(3) + record_batch(2)
    c = count_records(blob)
    assert (c.batches, c.records, c.partial_bytes) == (2, 5, 0)
    cut = count_records(blob[:-7])  # a fetch response may end inside a batch
    assert (cut.batches, cut.records, cut.partial_bytes) == (1, 3, len(record_batch(2)) - 7)
    assert count_records(None).records == 0


def test_api_versions_heuristic():
    from kafka.protocol.metadata import ApiVersionsRequest, MetadataRequest

    for v in range(5):
        r = (
            ApiVersionsRequest[v](client_software_name="x", client_software_version="1")
            if v >= 3
            else ApiVersionsRequest[v]()
        )
        r.with_header(correlation_id=1, client_id="kcat")
        assert looks_like_api_versions(bytes(r.encode(header=True, framed=True)))
    m = MetadataRequest[4](topics=None, allow_auto_topic_creation=True)
    m.with_header(correlation_id=1, client_id="kcat")
    assert not looks_like_api_versions(bytes(m.encode(header=True, framed=True)))
    assert not looks_like_api_versions(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")


def _msg(kind, key, version, decoded, src="10.5.0.2:40000", dst="10.5.0.3:9092", client="kcat", ts=1):
    return KafkaMessage(ts, src, dst, kind, 1, key, version, client, decoded=decoded)


def test_story_wording():
    story = Story(
        names={"10.5.0.2": "client-1", "10.5.0.3": "broker"},
        hosts={"broker": {"10.5.0.3"}},
        local_node="client-1",
    )
    assert story.lines(_msg("request", 3, 0, {"topics": []})) == [
        "client-1 → 10.5.0.3:9092  Metadata v0 request — all topics (kcat)"
    ]
    assert story.lines(_msg("request", 3, 4, {"topics": []})) == [
        "client-1 → 10.5.0.3:9092  Metadata v4 request — no topics (kcat)"
    ]
    meta = {
        "brokers": [{"node_id": 1, "host": "broker", "port": 9092}],
        "topics": [
            {
                "name": "t",
                "error_code": 0,
                "partitions": [{"partition_index": 0, "leader_id": -1, "error_code": 72}],
            }
        ],
    }
    assert story.lines(_msg("response", 3, 9, meta, src="10.5.0.3:9092", dst="10.5.0.2:40000")) == [
        "10.5.0.3:9092 → client-1  Metadata response: broker 1 at broker:9092; "
        "topic t: p0→-1 LISTENER_NOT_FOUND"
    ]
    assert story.lines(
        _msg("response", 10, 2, {"error_code": 15}, src="10.5.0.3:9092", dst="10.5.0.2:1")
    ) == ["10.5.0.3:9092 → client-1  FindCoordinator response: COORDINATOR_NOT_AVAILABLE"]
    assert story.lines(ConnEvent(2, "[::1]:5555", "[::1]:9092", "refused")) == [
        "client-1 → [::1]:9092  SYN … RST (connection refused)"
    ]
    # broker:9092 was advertised at ts 1 and client-1 connected to it at ts 3: nothing to say
    story.lines(ConnEvent(3, "10.5.0.2:40001", "10.5.0.3:9092", "syn"))
    assert story.finish() == []


class _FakeCapture:
    """Stands in for the socket side only: hands packets to the sink as fast as it can."""

    linktype = 1

    def __init__(self, frames):
        self.frames = frames

    def run(self, sink, count=None, duration=None):
        from netlab.capture.capture import CaptureStats

        for i, f in enumerate(self.frames):
            sink(i, f, len(f))
        return CaptureStats(captured=len(self.frames))


def test_live_backlog_is_bounded_and_the_pcap_stays_complete(tmp_path, monkeypatch):
    import threading

    from capsynth import Conversation

    from netlab.capture import live
    from netlab.capture.pcapio import read_packets

    frames = [
        bytes(p)
        for p in Conversation(("10.0.0.1", 1234), ("10.0.0.2", 5000)).send(True, b"x" * 50_000).packets
    ]
    monkeypatch.setattr(live, "MAX_BACKLOG", 5)
    gate = threading.Event()
    lines, notes = [], []

    def slow_out(line):
        gate.wait(5)  # the printing thread is stuck until every packet has been offered
        lines.append(line)

    cap = _FakeCapture(frames)
    original_run = cap.run

    def run_then_release(sink, count=None, duration=None):
        stats = original_run(sink, count, duration)
        gate.set()
        return stats

    cap.run = run_then_release
    out = tmp_path / "all.pcap"
    live.run_live(cap, live.LiveOptions(write=str(out)), slow_out, Story(), note=notes.append)
    # kafka=False + write: the writer-only path, nothing queued, nothing skipped
    assert sum(1 for _ in read_packets(out)[1]) == len(frames) and notes == [] and lines == []
    # one line per packet, printing stuck: the backlog holds 5, the printer took at most one
    gate.clear()
    live.run_live(cap, live.LiveOptions(), slow_out, Story(), note=notes.append)
    assert len(notes) == 1, notes
    skipped = int(notes[0].split()[0])
    assert skipped in (len(frames) - 5, len(frames) - 6) and "pcap" not in notes[0]
    assert len(lines) == len(frames) - skipped
    # decoding while writing: whatever the decoder keeps up with, the pcap has every packet
    out.unlink()
    live.run_live(cap, live.LiveOptions(write=str(out), kafka=True), slow_out, Story(), note=notes.append)
    assert sum(1 for _ in read_packets(out)[1]) == len(frames)


def test_story_names_topics_from_decoded_bodies():
    """The story reads the field names of the declared messages (Kafka's: Metadata and Produce
    topics are `name`, Fetch topics `topic`), checked on bodies kafka-python encoded."""
    from kafka.protocol.consumer.fetch import FetchRequest
    from kafka.protocol.metadata import MetadataRequest, MetadataResponse
    from kafka.protocol.producer import ProduceRequest

    from netlab.capture.decode import decode_body

    def decoded(kind, obj, key, version, corr=1):
        body = bytes(obj.encode(version=version))
        return decode_body(
            KafkaMessage(1, "10.5.0.2:40000", "10.5.0.3:9092", kind, corr, key, version, "kcat", body=body)
        )

    story = Story(names={"10.5.0.2": "client-1"}, hosts={}, local_node="client-1")
    md = MetadataRequest[4](
        topics=[MetadataRequest.MetadataRequestTopic(name="orders")], allow_auto_topic_creation=True
    )
    assert story.lines(decoded("request", md, 3, 4))[0].endswith("Metadata v4 request — orders (kcat)")
    pd = ProduceRequest.TopicProduceData.PartitionProduceData(index=0, records=record_batch(2))
    pr = ProduceRequest[7](
        transactional_id=None,
        acks=1,
        timeout_ms=100,
        topic_data=[ProduceRequest.TopicProduceData(name="orders", partition_data=[pd])],
    )
    assert story.lines(decoded("request", pr, 0, 7))[0].endswith(
        "Produce v7 request — 2 records to orders[0] (kcat)"
    )
    fp = FetchRequest.FetchTopic.FetchPartition(partition=0, fetch_offset=0, partition_max_bytes=1024)
    fr = FetchRequest[11](
        replica_id=-1,
        max_wait_ms=500,
        min_bytes=1,
        max_bytes=1 << 20,
        isolation_level=0,
        session_id=0,
        session_epoch=-1,
        topics=[FetchRequest.FetchTopic(topic="orders", partitions=[fp])],
        forgotten_topics_data=[],
        rack_id="",
    )
    assert story.lines(decoded("request", fr, 1, 11))[0].endswith("Fetch v11 request — from orders[0] (kcat)")
    topic = MetadataResponse.MetadataResponseTopic(
        error_code=0,
        name="orders",
        is_internal=False,
        partitions=[
            MetadataResponse.MetadataResponseTopic.MetadataResponsePartition(
                error_code=0,
                partition_index=0,
                leader_id=1,
                leader_epoch=0,
                replica_nodes=[1],
                isr_nodes=[1],
                offline_replicas=[],
            )
        ],
    )
    mr = MetadataResponse[7](
        throttle_time_ms=0,
        brokers=[MetadataResponse.MetadataResponseBroker(node_id=1, host="b", port=9092, rack=None)],
        cluster_id="c",
        controller_id=1,
        topics=[topic],
    )
    resp = decoded("response", mr, 3, 7)
    resp.src, resp.dst = resp.dst, resp.src
    assert story.lines(resp)[0].endswith("Metadata response: broker 1 at b:9092; topic orders: p0→1")
