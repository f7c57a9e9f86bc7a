"""DescribeConfigs of a BROKER resource with confluent-kafka and kafka-python against a real
broker: every config of Kafka 3.7's broker ConfigDef (broker/kafka_broker_configs.py) plus the keys
the broker was given, with Kafka's sources, read-only flags (DynamicBrokerConfig.AllDynamicConfigs),
sensitivity (a PASSWORD: value null) and types; a dynamic change listed and persisted."""

from __future__ import annotations

import pytest
from brokerproc import start_broker

from broker.dynamic_broker_configs import ALL_DYNAMIC
from broker.kafka_broker_configs import PUBLIC_CONFIGS

pytestmark = [pytest.mark.clients]

RELOGIN = "sasl.kerberos.min.time.before.relogin"
SECRET = "listener.name.plaintext.ssl.key.password"  # per-listener, as Kafka accepts SSL passwords
THROTTLE = "leader.replication.throttled.rate"
DEFAULT, DYNAMIC_BROKER, STATIC = 5, 2, 4  # ConfigSource ids
GIVEN = {"node.id", "listeners", "log.dirs"}  # what brokerproc.start_broker sets: all Kafka configs


def _confluent(bp) -> dict:
    from confluent_kafka.admin import AdminClient, ConfigResource

    admin = AdminClient({"bootstrap.servers": bp.bootstrap})
    res = ConfigResource(ConfigResource.Type.BROKER, "1")
    return admin.describe_configs([res], request_timeout=15)[res].result(15)


def _kafka_python(bp) -> dict:
    from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=bp.bootstrap, request_timeout_ms=15000)
    try:
        got = admin.describe_configs(
            [ConfigResource(ConfigResourceType.BROKER, "1")], include_synonyms=True, config_filter="all"
        )
    finally:
        admin.close()
    return got["broker"]["1"]


def _alter(bp, configs: dict[str, str]) -> None:
    from confluent_kafka.admin import AdminClient, AlterConfigOpType, ConfigEntry, ConfigResource

    admin = AdminClient({"bootstrap.servers": bp.bootstrap})
    res = ConfigResource(
        ConfigResource.Type.BROKER,
        "1",
        incremental_configs=[
            ConfigEntry(k, v, incremental_operation=AlterConfigOpType.SET) for k, v in configs.items()
        ],
    )
    admin.incremental_alter_configs([res], request_timeout=15)[res].result(15)


def _check_read_only(entries: dict) -> None:
    for name in ("sasl.kerberos.min.time.before.relogin", "num.replica.fetchers", "max.connections"):
        assert name in ALL_DYNAMIC and entries[name].is_read_only is False, name
    for name in ("node.id", "log.dirs", "zookeeper.connect", "log.message.format.version"):
        assert name not in ALL_DYNAMIC and entries[name].is_read_only is True, name


def test_bcfg_confluent_lists_every_config_dynamic_sensitive_and_restart(tmp_path):
    bp = start_broker(tmp_path)
    try:
        entries = _confluent(bp)
        assert set(entries) == set(PUBLIC_CONFIGS) | GIVEN
        assert len(entries) == len(PUBLIC_CONFIGS) == 285
        e = entries[RELOGIN]
        assert (e.value, e.source, e.is_default) == ("60000", DEFAULT, True)
        _check_read_only(entries)
        assert entries["ssl.key.password"].is_sensitive and entries["ssl.key.password"].value is None
        assert entries["log.dirs"].source == STATIC and entries["log.dirs"].value == str(bp.log_dir)
        assert entries["log.cleaner.io.max.bytes.per.second"].value == "1.7976931348623157E308"
        # KafkaConfig.populateSynonyms: node.id=1 given, broker.id described as given too
        assert (entries["broker.id"].value, entries["broker.id"].source) == ("1", STATIC)

        _alter(bp, {RELOGIN: "58000", SECRET: "hunter2"})
        entries = _confluent(bp)
        assert set(entries) == set(PUBLIC_CONFIGS) | GIVEN | {SECRET}
        e = entries[RELOGIN]
        assert (e.value, e.source, e.is_read_only) == ("58000", DYNAMIC_BROKER, False)
        # (confluent-kafka keys synonyms by name, so the dynamic and default ones of one name collapse:
        # the kafka-python test reads the list)
        s = entries[SECRET]
        assert s.is_sensitive and s.value is None and s.source == DYNAMIC_BROKER
        assert "hunter2" not in repr({k: (v.value, v.synonyms) for k, v in entries.items()})
    finally:
        assert bp.stop() == 0, bp.output()
    bp = start_broker(tmp_path, port=bp.port, log_dir=bp.log_dir)
    try:
        entries = _confluent(bp)
        assert (entries[RELOGIN].value, entries[RELOGIN].source) == ("58000", DYNAMIC_BROKER)
        assert entries[SECRET].is_sensitive and entries[SECRET].value is None
    finally:
        assert bp.stop() == 0, bp.output()


def test_bcfg_kafka_python_lists_every_config(tmp_path):
    bp = start_broker(tmp_path)
    try:
        entries = _kafka_python(bp)
        assert set(entries) == set(PUBLIC_CONFIGS) | GIVEN
        before = entries[RELOGIN]
        _alter(bp, {RELOGIN: "58000", SECRET: "hunter2", THROTTLE: "1048576"})
        after = _kafka_python(bp)
        assert set(after) == set(PUBLIC_CONFIGS) | {SECRET, THROTTLE}  # the keys given are listed too
    finally:
        assert bp.stop() == 0, bp.output()
    assert (before["value"], before["config_source"]) == ("60000", "DEFAULT_CONFIG")
    assert before["config_type"] == "LONG" and before["read_only"] is False
    got = after[RELOGIN]
    assert (got["value"], got["config_source"]) == ("58000", "DYNAMIC_BROKER_CONFIG")
    assert [(s["value"], s["source"]) for s in got["synonyms"]] == [
        ("58000", "DYNAMIC_BROKER_CONFIG"),
        ("60000", "DEFAULT_CONFIG"),
    ]
    assert after["node.id"]["read_only"] is True and after["num.io.threads"]["read_only"] is False
    secret = after[SECRET]
    assert (secret["value"], secret["is_sensitive"], secret["config_type"]) == (None, True, "PASSWORD")
    assert [s["value"] for s in secret["synonyms"]] == [None]
    throttle = after[THROTTLE]  # DynamicConfig.Broker's own key: typed, not sensitive
    assert (throttle["value"], throttle["config_type"], throttle["is_sensitive"]) == (
        "1048576",
        "LONG",
        False,
    )
    keystore = after["ssl.keystore.password"]
    assert keystore["value"] is None and keystore["is_sensitive"] and not keystore["read_only"]
