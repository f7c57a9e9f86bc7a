"""AlterConfigs and IncrementalAlterConfigs on topics, with confluent-kafka's AdminClient and
kafka-python's KafkaAdminClient against a real broker: the new values are what DescribeConfigs
shows, they act on the log (max.message.bytes), and they survive a restart. Dynamic broker configs
(a broker id, or "" for the cluster-wide default) likewise: described with their sources, acting
on every log without a topic override, persisted."""

from __future__ import annotations

import pytest
from brokerproc import start_broker
from rawclient import RawClient, batch
from test_protocol_edges import create, produce

pytestmark = [pytest.mark.clients]


def _describe(bp, topic: str) -> dict:
    from confluent_kafka.admin import AdminClient, ConfigResource

    admin = AdminClient({"bootstrap.servers": bp.bootstrap})
    res = ConfigResource(ConfigResource.Type.TOPIC, topic)
    return admin.describe_configs([res], request_timeout=15)[res].result(15)


def test_incremental_and_legacy_alter_with_confluent_and_restart(tmp_path):
    from confluent_kafka.admin import AdminClient, AlterConfigOpType, ConfigEntry, ConfigResource

    bp = start_broker(tmp_path)
    try:
        rc = RawClient("127.0.0.1", bp.port)
        assert create(rc, "alt", configs={"retention.ms": "60000"}).error_code == 0
        assert produce(rc, "alt", batch([b"x" * 3000])).error_code == 0
        admin = AdminClient({"bootstrap.servers": bp.bootstrap})
        res = ConfigResource(
            ConfigResource.Type.TOPIC,
            "alt",
            incremental_configs=[
                ConfigEntry("max.message.bytes", "2000", incremental_operation=AlterConfigOpType.SET),
                ConfigEntry("cleanup.policy", "compact", incremental_operation=AlterConfigOpType.APPEND),
                ConfigEntry("retention.ms", None, incremental_operation=AlterConfigOpType.DELETE),
            ],
        )
        admin.incremental_alter_configs([res], request_timeout=15)[res].result(15)
        got = _describe(bp, "alt")
        assert got["max.message.bytes"].value == "2000" and got["max.message.bytes"].source == 1
        assert got["cleanup.policy"].value == "delete,compact"
        assert got["retention.ms"].source == 5  # back to the default
        r = produce(rc, "alt", batch([b"x" * 3000]))
        assert r.error_code == 10  # MESSAGE_TOO_LARGE: the new max.message.bytes acts on the log
        bad = ConfigResource(
            ConfigResource.Type.TOPIC,
            "alt",
            incremental_configs=[
                ConfigEntry("segment.ms", "5", incremental_operation=AlterConfigOpType.APPEND),
            ],
        )
        with pytest.raises(Exception) as exc:
            admin.incremental_alter_configs([bad], request_timeout=15)[bad].result(15)
        assert "because its type is not LIST" in str(exc.value)
        # the legacy AlterConfigs replaces the whole set
        legacy = ConfigResource(ConfigResource.Type.TOPIC, "alt", set_config={"segment.jitter.ms": "9"})
        admin.alter_configs([legacy], request_timeout=15)[legacy].result(15)
        got = _describe(bp, "alt")
        assert got["segment.jitter.ms"].value == "9" and got["max.message.bytes"].source != 1
        rc.close()
    finally:
        assert bp.stop() == 0, bp.output()
    bp = start_broker(tmp_path, port=bp.port, log_dir=bp.log_dir)
    try:
        got = _describe(bp, "alt")
        assert got["segment.jitter.ms"].value == "9" and got["segment.jitter.ms"].source == 1
    finally:
        assert bp.stop() == 0, bp.output()


def test_kafka_python_alter_and_reset(tmp_path):
    from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient

    bp = start_broker(tmp_path)
    admin = KafkaAdminClient(bootstrap_servers=bp.bootstrap, request_timeout_ms=15000)
    try:
        rc = RawClient("127.0.0.1", bp.port)
        assert create(rc, "kpalt").error_code == 0
        rc.close()
        admin.alter_configs(
            [ConfigResource(ConfigResourceType.TOPIC, "kpalt", configs={"retention.ms": "1234"})]
        )
        assert _describe(bp, "kpalt")["retention.ms"].value == "1234"
        admin.reset_configs([ConfigResource(ConfigResourceType.TOPIC, "kpalt", configs=["retention.ms"])])
        assert _describe(bp, "kpalt")["retention.ms"].value == str(168 * 3600 * 1000)
        got = admin.alter_configs(
            [ConfigResource(ConfigResourceType.TOPIC, "kpalt", configs={"retention.ms": "-7"})],
            raise_on_unknown=False,
        )
        assert "InvalidConfigurationError" in repr(got), got  # kafka-python reports, not raises
        assert _describe(bp, "kpalt")["retention.ms"].value == str(168 * 3600 * 1000)
    finally:
        admin.close()
        assert bp.stop() == 0, bp.output()


def raw_alter_broker(rc, resource: str, name: str, value: str) -> int:
    from kafka.protocol.admin import IncrementalAlterConfigsRequest as Req

    cfg = Req.AlterConfigsResource.AlterableConfig(name=name, config_operation=0, value=value, version=1)
    r = Req.AlterConfigsResource(resource_type=4, resource_name=resource, configs=[cfg], version=1)
    resp = rc.request(Req(resources=[r], validate_only=False, version=1), 1)
    return resp.responses[0].error_code


def raw_describe_broker(rc, resource: str) -> list:
    from kafka.protocol.admin import DescribeConfigsRequest as Req

    r = Req.DescribeConfigsResource(
        resource_type=4, resource_name=resource, configuration_keys=None, version=4
    )
    resp = rc.request(Req(resources=[r], include_synonyms=True, version=4), 4)
    assert resp.results[0].error_code == 0
    return resp.results[0].configs


def test_dynamic_broker_configs_both_clients_and_restart(tmp_path):
    from confluent_kafka.admin import AdminClient, AlterConfigOpType, ConfigEntry, ConfigResource
    from kafka.admin import ConfigResource as KpResource
    from kafka.admin import ConfigResourceType, KafkaAdminClient

    bp = start_broker(tmp_path)
    try:
        rc = RawClient("127.0.0.1", bp.port)
        assert create(rc, "dyn").error_code == 0
        admin = AdminClient({"bootstrap.servers": bp.bootstrap})
        res = ConfigResource(
            ConfigResource.Type.BROKER,
            "1",
            incremental_configs=[
                ConfigEntry("log.retention.ms", "3600000", incremental_operation=AlterConfigOpType.SET)
            ],
        )
        admin.incremental_alter_configs([res], request_timeout=15)[res].result(15)
        rm = _describe(bp, "dyn")["retention.ms"]
        assert (rm.value, rm.source) == ("3600000", 2)  # DYNAMIC_BROKER_CONFIG
        assert [(s.name, s.source) for s in rm.synonyms.values()][0] == ("log.retention.ms", 2)
        b = ConfigResource(ConfigResource.Type.BROKER, "1")
        entries = admin.describe_configs([b], request_timeout=15)[b].result(15)
        assert entries["log.retention.ms"].value == "3600000" and not entries["log.retention.ms"].is_read_only
        assert entries["node.id"].is_read_only
        bad = ConfigResource(ConfigResource.Type.BROKER, "1", set_config={"node.id": "7"})
        with pytest.raises(Exception) as exc:
            admin.alter_configs([bad], request_timeout=15)[bad].result(15)
        assert "Cannot update these configs dynamically: Set(node.id)" in str(exc.value)

        kp = KafkaAdminClient(bootstrap_servers=bp.bootstrap, request_timeout_ms=15000)
        try:  # the cluster-wide default ("")
            kp.alter_configs(
                [KpResource(ConfigResourceType.BROKER, "1", configs={"message.max.bytes": "2000"})]
            )
        finally:
            kp.close()
        assert produce(rc, "dyn", batch([b"x" * 3000])).error_code == 10  # MESSAGE_TOO_LARGE now
        rc.close()
    finally:
        assert bp.stop() == 0, bp.output()
    bp = start_broker(tmp_path, port=bp.port, log_dir=bp.log_dir)
    try:
        rc = RawClient("127.0.0.1", bp.port)
        assert produce(rc, "dyn", batch([b"x" * 3000])).error_code == 10  # persisted
        assert _describe(bp, "dyn")["retention.ms"].value == "3600000"
        admin = AdminClient({"bootstrap.servers": bp.bootstrap})
        # the cluster-wide default (resource ""): neither admin client can name it, so our raw client
        assert raw_alter_broker(rc, "", "message.max.bytes", "100000") == 0
        assert produce(rc, "dyn", batch([b"x" * 3000])).error_code == 10  # the per-broker value wins
        res = ConfigResource(
            ConfigResource.Type.BROKER,
            "1",
            incremental_configs=[
                ConfigEntry("message.max.bytes", None, incremental_operation=AlterConfigOpType.DELETE)
            ],
        )
        admin.incremental_alter_configs([res], request_timeout=15)[res].result(15)
        (entry,) = raw_describe_broker(rc, "")
        assert (entry.name, entry.value, entry.config_source) == ("message.max.bytes", "100000", 3)
        assert produce(rc, "dyn", batch([b"x" * 3000])).error_code == 0
        rc.close()
    finally:
        assert bp.stop() == 0, bp.output()
