"""AlterConfigs and IncrementalAlterConfigs on topics, with confluent-kafka's AdminClient and
kafka-python's KafkaAdminClient against a real broker: the new values are what DescribeConfigs
shows, they act on the log (max.message.bytes), and they survive a restart. Broker resources are
refused loudly (docs/broker.md)."""

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
        broker = ConfigResource(ConfigResource.Type.BROKER, "1", set_config={"message.max.bytes": "5"})
        with pytest.raises(Exception) as exc:
            admin.alter_configs([broker], request_timeout=15)[broker].result(15)
        assert "does not support dynamic broker configs" in str(exc.value)
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
