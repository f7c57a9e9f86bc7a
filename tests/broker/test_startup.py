"""The broker process: start, refuse bad configs the way Kafka does, bind rules, clean shutdown."""

from __future__ import annotations

import signal
import socket

import pytest
from brokerproc import free_port, run_broker_to_exit, start_broker

FATAL = "ERROR Exiting Kafka due to fatal exception (kafka.Kafka$)"


def test_starts_serves_and_stops_cleanly_on_sigterm(tmp_path):
    bp = start_broker(tmp_path)
    out = bp.output()
    assert (
        f"INFO Awaiting socket connections on 127.0.0.1:{bp.port}. (kafka.network.DataPlaneAcceptor)" in out
    )
    assert "INFO [KafkaServer id=1] started (kafka.server.KafkaServer)" in out
    with socket.create_connection(("127.0.0.1", bp.port), timeout=5):
        pass
    assert bp.stop(signal.SIGTERM) == 0
    assert "shut down completed" in bp.output()
    assert (bp.log_dir / "meta.properties").exists()


def test_invalid_config_exits_1_with_kafkas_message(tmp_path):
    rc, out = run_broker_to_exit(tmp_path, ["advertised.listeners=PLAINTEXT://0.0.0.0:9092"])
    assert rc == 1, out
    assert FATAL in out
    assert (
        "java.lang.IllegalArgumentException: requirement failed: advertised.listeners cannot use the "
        "nonroutable meta-address 0.0.0.0. Use a routable IP address."
    ) in out


def test_malformed_value_exits_1(tmp_path):
    rc, out = run_broker_to_exit(tmp_path, ["num.partitions=lots"])
    assert rc == 1 and FATAL in out
    assert (
        "org.apache.kafka.common.config.ConfigException: Invalid value lots for configuration num.partitions: "
        "Not a number of type INT"
    ) in out


def test_ssl_listener_refused_at_start(tmp_path):
    port = free_port()
    rc, out = run_broker_to_exit(
        tmp_path, [f"listeners=PLAINTEXT://127.0.0.1:{free_port()},SSL://127.0.0.1:{port}"]
    )
    assert rc == 1 and FATAL in out
    assert "Listener SSL uses security protocol SSL, which this broker does not support" in out


CONTROLLER_KEYS = [1, 18, 52, 53, 54, 55, 60, 62, 63, 32000]


def test_dynamic_quorum_refused(tmp_path):
    p = free_port()
    rc, out = run_broker_to_exit(
        tmp_path,
        [
            "process.roles=broker,controller",
            f"listeners=PLAINTEXT://127.0.0.1:{p},CONTROLLER://127.0.0.1:{free_port()}",
            "controller.listener.names=CONTROLLER",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "controller.quorum.bootstrap.servers=127.0.0.1:9093,127.0.0.2:9093",
        ],
    )
    assert rc == 1 and "a dynamic KRaft quorum (KIP-853" in out


def test_kraft_single_node_starts_and_controller_listener_serves_only_api_versions(tmp_path):
    p, c = free_port(), free_port()
    bp = start_broker(
        tmp_path,
        [
            "process.roles=broker,controller",
            f"listeners=PLAINTEXT://127.0.0.1:{p},CONTROLLER://127.0.0.1:{c}",
            "controller.listener.names=CONTROLLER",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            f"controller.quorum.voters=1@127.0.0.1:{c}",
        ],
        port=p,
    )
    try:
        out = bp.output()
        assert "Kafka Server started" in out, out
        assert f"Awaiting socket connections on 127.0.0.1:{c}." in out
        from kafka.protocol.metadata import ApiVersionsRequest, MetadataRequest
        from rawclient import RawClient

        rc = RawClient("127.0.0.1", c)
        resp = rc.request(ApiVersionsRequest(version=0), 0)
        # Fetch (of __cluster_metadata-0), the KRaft RPCs, DescribeCluster (KIP-919), the controller RPCs
        assert resp.error_code == 0 and [k.api_key for k in resp.api_keys] == CONTROLLER_KEYS
        rc.request(MetadataRequest(topics=None, version=1), 1, expect_response=False)
        assert rc.closed_by_peer()
        rc = RawClient("127.0.0.1", p)
        md = rc.request(MetadataRequest(topics=None, version=1), 1)
        assert [(b.host, b.port) for b in md.brokers] == [
            ("127.0.0.1", p)
        ]  # controller listener not advertised
    finally:
        assert bp.stop() == 0


def test_zookeeper_style_config_starts_as_single_node(tmp_path):
    """broker.id without process.roles and without zookeeper.connect: a single node. (With
    zookeeper.connect it is ZooKeeper mode: tests/broker/test_zk_cluster.py.)"""
    p = free_port()
    bp = start_broker(tmp_path, ["broker.id=7"], port=p)
    try:
        assert "INFO [KafkaServer id=7] started (kafka.server.KafkaServer)" in bp.output(), bp.output()
        assert "node.id=7" in (bp.log_dir / "meta.properties").read_text()
    finally:
        assert bp.stop() == 0


def test_bind_failures_are_fatal_with_kafkas_reason(tmp_path):
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    port = busy.getsockname()[1]
    try:
        rc, out = run_broker_to_exit(tmp_path, [f"listeners=PLAINTEXT://127.0.0.1:{port}"])
    finally:
        busy.close()
    assert rc == 1
    assert f"Socket server failed to bind to 127.0.0.1:{port}: Address already in use." in out
    assert "ERROR [KafkaServer id=1] Fatal error during broker startup. Prepare to shutdown" in out
    # 198.51.100.7 is on no interface here: binding fails locally, no packet is sent
    rc, out = run_broker_to_exit(
        tmp_path,
        ["listeners=PLAINTEXT://198.51.100.7:9092", "advertised.listeners=PLAINTEXT://localhost:9092"],
    )
    assert rc == 1
    assert "Socket server failed to bind to 198.51.100.7:9092: Cannot assign requested address." in out


@pytest.mark.clients
def test_restart_keeps_topics_ids_and_offsets(tmp_path):
    from kafka.protocol.consumer import ListOffsetsRequest
    from kafka.protocol.metadata import MetadataRequest
    from rawclient import RawClient

    port = free_port()
    bp = start_broker(tmp_path, ["num.partitions=3"], port=port)
    from confluent_kafka import Producer

    p = Producer({"bootstrap.servers": bp.bootstrap})
    for i in range(30):
        p.produce("kept", value=b"%d" % i, partition=i % 3)
    assert p.flush(15) == 0
    md1 = RawClient("127.0.0.1", port).request(MetadataRequest(topics=None, version=10), 10)
    assert bp.stop() == 0
    bp = start_broker(tmp_path, ["num.partitions=3"], port=port)
    try:
        md2 = RawClient("127.0.0.1", port).request(MetadataRequest(topics=None, version=10), 10)
        t1 = {t.name: (t.topic_id, len(t.partitions)) for t in md1.topics}
        t2 = {t.name: (t.topic_id, len(t.partitions)) for t in md2.topics}
        assert t1 == t2 and t2["kept"][1] == 3
        assert md1.cluster_id == md2.cluster_id
        lp = [
            ListOffsetsRequest.ListOffsetsTopic.ListOffsetsPartition(
                partition_index=i, timestamp=-1, version=1
            )
            for i in range(3)
        ]
        req = ListOffsetsRequest(
            replica_id=-1,
            topics=[ListOffsetsRequest.ListOffsetsTopic(name="kept", partitions=lp, version=1)],
            version=1,
        )
        lo = RawClient("127.0.0.1", port).request(req, 1)
        assert sorted(p.offset for p in lo.topics[0].partitions) == [10, 10, 10]
    finally:
        assert bp.stop() == 0


def test_idempotent_producer_state_rebuilt_from_the_log(tmp_path):
    from kafka.protocol.producer import InitProducerIdRequest
    from rawclient import RawClient, batch
    from test_protocol_edges import create, list_offset, produce

    port = free_port()
    bp = start_broker(tmp_path, port=port)
    rc = RawClient("127.0.0.1", port)
    pid = rc.request(
        InitProducerIdRequest(transactional_id=None, transaction_timeout_ms=1000, version=1), 1
    ).producer_id
    create(rc, "pstate")
    b = batch([b"x", b"y"], producer_id=pid, epoch=0, base_sequence=0)
    assert produce(rc, "pstate", b).base_offset == 0
    rc.close()
    assert bp.stop() == 0
    bp = start_broker(tmp_path, port=port)
    try:
        rc = RawClient("127.0.0.1", port)
        dup = produce(rc, "pstate", b)  # the retry of an acknowledged batch after a restart
        assert (dup.error_code, dup.base_offset) == (0, 0)
        assert list_offset(rc, "pstate", -1).offset == 2
        assert (
            produce(rc, "pstate", batch([b"z"], producer_id=pid, epoch=0, base_sequence=9)).error_code == 45
        )
        new = rc.request(
            InitProducerIdRequest(transactional_id=None, transaction_timeout_ms=1000, version=1), 1
        )
        assert new.producer_id > pid  # never hands out an id the log already knows
    finally:
        assert bp.stop() == 0


def test_topic_config_overrides_survive_a_restart(tmp_path):
    from kafka.protocol.admin import DescribeConfigsRequest
    from rawclient import RawClient
    from test_protocol_edges import create

    port = free_port()
    bp = start_broker(tmp_path, port=port)
    assert (
        create(
            RawClient("127.0.0.1", port), "tuned", 2, {"retention.ms": "123456", "segment.bytes": "1048576"}
        ).error_code
        == 0
    )
    assert bp.stop() == 0
    bp = start_broker(tmp_path, port=port)
    try:
        res = DescribeConfigsRequest.DescribeConfigsResource(
            resource_type=2,
            resource_name="tuned",
            configuration_keys=["retention.ms", "segment.bytes"],
            version=1,
        )
        dc = RawClient("127.0.0.1", port).request(DescribeConfigsRequest(resources=[res], version=1), 1)
        assert {(c.name, c.value, c.config_source) for c in dc.results[0].configs} == {
            ("retention.ms", "123456", 1),
            ("segment.bytes", "1048576", 1),
        }
    finally:
        assert bp.stop() == 0


def test_a_name_binds_the_one_ipv4_address_it_resolves_to(tmp_path):
    port = free_port()
    bp = start_broker(tmp_path, [f"listeners=PLAINTEXT://localhost:{port}"], port=port)
    try:
        assert f"Awaiting socket connections on localhost:{port}." in bp.output(), bp.output()
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
        with pytest.raises(OSError):  # bound to 127.0.0.1 only, not the wildcard: 127.0.0.2 is refused
            socket.create_connection(("127.0.0.2", port), timeout=5).close()
    finally:
        assert bp.stop() == 0


def test_properties_file_environment_and_overrides_together(tmp_path):
    import os

    from kafka.protocol.metadata import MetadataRequest
    from rawclient import RawClient

    port = free_port()
    props = tmp_path / "server.properties"
    props.write_text(
        f"# like config/kraft/server.properties\nnode.id=1\nnum.partitions=2\n"
        f"listeners=PLAINTEXT://127.0.0.1:{port}\nlog.dirs={tmp_path / 'from-file'}\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAFKA_")}
    env.update(
        KAFKA_NUM_PARTITIONS="3",
        KAFKA_CFG_DEFAULT_REPLICATION_FACTOR="1",
        KAFKA_ADVERTISED_LISTENERS=f"PLAINTEXT://localhost:{port}",
    )
    bp = start_broker(
        tmp_path,
        [f"log.dirs={tmp_path / 'from-override'}"],
        port=port,
        properties=props,
        use_env=True,
        env=env,
        log_dir=tmp_path / "from-override",
    )
    try:
        md = RawClient("127.0.0.1", port).request(
            MetadataRequest(
                topics=[MetadataRequest.MetadataRequestTopic(name="auto", version=4)],
                allow_auto_topic_creation=True,
                version=4,
            ),
            4,
        )
        assert [(b.host, b.port) for b in md.brokers] == [("localhost", port)]  # from the environment
        assert len(md.topics[0].partitions) == 3  # environment beats the file
        assert (tmp_path / "from-override" / "auto-0").is_dir() and not (tmp_path / "from-file").exists()
    finally:
        assert bp.stop() == 0


def test_acks_all_with_min_insync_above_the_isr(tmp_path):
    from rawclient import RawClient, batch
    from test_protocol_edges import create, produce

    port = free_port()
    bp = start_broker(tmp_path, ["min.insync.replicas=2"], port=port)
    try:
        rc = RawClient("127.0.0.1", port)
        create(rc, "isr")
        r = produce(rc, "isr", batch([b"x"]), acks=-1)
        assert r.error_code == 19  # NOT_ENOUGH_REPLICAS: one node cannot make an ISR of 2
        assert (
            "The size of the current ISR Set(1) is insufficient to satisfy the min.isr requirement of 2"
            in r.error_message
        )
        assert produce(rc, "isr", batch([b"x"]), acks=1).error_code == 0
    finally:
        assert bp.stop() == 0
