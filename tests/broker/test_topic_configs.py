"""Kafka 3.7's topic configs: CreateTopics accepts every one Kafka accepts with Kafka's type and
range checks, and DescribeConfigs answers every one with its source, type and synonyms. The table
(broker/topic_configs.py) is checked directly, then through confluent-kafka's AdminClient and
kafka-python's KafkaAdminClient against a real broker."""

from __future__ import annotations

import pytest
from brokerproc import start_broker

from broker.topic_configs import (
    DEFAULT_CONFIG,
    DYNAMIC_TOPIC_CONFIG,
    STATIC_BROKER_CONFIG,
    TOPIC_CONFIGS,
    InvalidTopicConfig,
    describe,
    validate_topic_configs,
)

# The names `kafka-configs --describe --all --entity-type topics` lists on Kafka 3.7.
KAFKA_37_TOPIC_CONFIGS = {
    "cleanup.policy", "compression.type", "delete.retention.ms", "file.delete.delay.ms",
    "flush.messages", "flush.ms", "follower.replication.throttled.replicas", "index.interval.bytes",
    "leader.replication.throttled.replicas", "local.retention.bytes", "local.retention.ms",
    "max.compaction.lag.ms", "max.message.bytes", "message.downconversion.enable",
    "message.format.version", "message.timestamp.after.max.ms", "message.timestamp.before.max.ms",
    "message.timestamp.difference.max.ms", "message.timestamp.type", "min.cleanable.dirty.ratio",
    "min.compaction.lag.ms", "min.insync.replicas", "preallocate", "remote.storage.enable",
    "retention.bytes", "retention.ms", "segment.bytes", "segment.index.bytes", "segment.jitter.ms",
    "segment.ms", "unclean.leader.election.enable",
}  # fmt: skip

ORDINARY = {
    "compression.type": "lz4",
    "cleanup.policy": "compact,delete",
    "delete.retention.ms": "1000",
    "min.cleanable.dirty.ratio": "0.1",
    "min.compaction.lag.ms": "5",
    "max.compaction.lag.ms": "60000",
    "segment.jitter.ms": "10",
    "preallocate": "true",
    "message.timestamp.type": "LogAppendTime",
    "leader.replication.throttled.replicas": "0:1,1:1",
    "message.format.version": "3.0-IV1",
    "retention.ms": "-1",
}


def test_the_table_is_kafka_37s():
    assert set(TOPIC_CONFIGS) == KAFKA_37_TOPIC_CONFIGS


def test_ordinary_configs_are_accepted_and_typed():
    typed = validate_topic_configs(ORDINARY)
    assert typed["cleanup.policy"] == ["compact", "delete"] and typed["preallocate"] is True
    assert typed["min.cleanable.dirty.ratio"] == 0.1 and typed["retention.ms"] == -1


@pytest.mark.parametrize(
    "configs, message",
    [
        ({"no.such": "1"}, "Unknown topic config name: no.such"),
        ({"retention.ms": None}, "Null value not supported for topic configs: retention.ms"),
        (
            {"retention.ms": "-2"},
            "Invalid value -2 for configuration retention.ms: Value must be at least -1",
        ),
        ({"segment.bytes": "x"}, "Invalid value x for configuration segment.bytes: Not a number of type INT"),
        ({"segment.bytes": "3000000000"}, "Not a number of type INT"),
        ({"preallocate": "yes"}, "preallocate: Expected value to be either true or false"),
        ({"min.cleanable.dirty.ratio": "1.5"}, "min.cleanable.dirty.ratio: Value must be no more than 1"),
        ({"cleanup.policy": "compacted"}, "cleanup.policy: String must be one of: compact, delete"),
        (
            {"compression.type": "brotli"},
            "String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer",
        ),
        ({"leader.replication.throttled.replicas": "a:b"}, "must be the literal '*' or a list of replicas"),
        (
            {"min.compaction.lag.ms": "10", "max.compaction.lag.ms": "5"},
            "conflict topic config setting min.compaction.lag.ms (10) > max.compaction.lag.ms (5)",
        ),
        ({"remote.storage.enable": "true"}, "Tiered Storage functionality is disabled in the broker"),
    ],
)
def test_invalid_configs_are_refused_in_kafkas_words(configs, message):
    with pytest.raises(InvalidTopicConfig) as exc:
        validate_topic_configs(configs)
    assert message in str(exc.value)


def test_the_brokers_own_typed_values_are_read_as_text():
    # the group coordinator creates __consumer_offsets with an int segment.bytes
    assert validate_topic_configs({"segment.bytes": 104857600, "preallocate": False}) == {
        "segment.bytes": 104857600,
        "preallocate": False,
    }
    entries = {e["name"]: e for e in describe({"segment.bytes": 104857600}, {})}
    assert entries["segment.bytes"]["value"] == "104857600"


def test_describe_sources_and_synonyms():
    entries = {e["name"]: e for e in describe({"cleanup.policy": "compact"}, {"log.retention.hours": "2"})}
    assert set(entries) == KAFKA_37_TOPIC_CONFIGS
    cp = entries["cleanup.policy"]
    assert (cp["value"], cp["config_source"], cp["config_type"]) == ("compact", DYNAMIC_TOPIC_CONFIG, 7)
    assert [(s["name"], s["source"]) for s in cp["synonyms"]] == [
        ("cleanup.policy", DYNAMIC_TOPIC_CONFIG),
        ("log.cleanup.policy", DEFAULT_CONFIG),
    ]
    rm = entries["retention.ms"]  # the broker's log.retention.hours, converted to ms
    assert (rm["value"], rm["config_source"], rm["config_type"]) == ("7200000", STATIC_BROKER_CONFIG, 5)
    assert [(s["name"], s["value"], s["source"]) for s in rm["synonyms"]] == [
        ("log.retention.hours", "2", STATIC_BROKER_CONFIG),
        ("log.retention.hours", "168", DEFAULT_CONFIG),
    ]
    rse = entries["remote.storage.enable"]  # no broker synonym: the LogConfig default
    assert (rse["value"], rse["config_source"], rse["synonyms"]) == ("false", DEFAULT_CONFIG, [])
    assert entries["min.cleanable.dirty.ratio"]["config_type"] == 6


# --- against a real broker ---


@pytest.fixture(scope="module")
def cbroker(tmp_path_factory):
    bp = start_broker(tmp_path_factory.mktemp("topiccfg"), ["log.retention.hours=2"])
    assert bp.proc.poll() is None, bp.output()
    yield bp
    assert bp.stop() == 0, bp.output()


@pytest.mark.clients
def test_confluent_admin_creates_with_ordinary_configs_and_describes_them(cbroker):
    from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic
    from confluent_kafka.error import KafkaError

    admin = AdminClient({"bootstrap.servers": cbroker.bootstrap})
    futs = admin.create_topics(
        [
            NewTopic("cfg-ok", 1, 1, config=ORDINARY),
            NewTopic("cfg-bad", 1, 1, config={"delete.retention.ms": "-5"}),
        ],
        request_timeout=15,
    )
    futs["cfg-ok"].result(15)
    with pytest.raises(Exception) as exc:
        futs["cfg-bad"].result(15)
    err = exc.value.args[0]
    assert err.code() == KafkaError.INVALID_CONFIG
    assert "Invalid value -5 for configuration delete.retention.ms: Value must be at least 0" in err.str()

    res = ConfigResource(ConfigResource.Type.TOPIC, "cfg-ok")
    entries = admin.describe_configs([res], request_timeout=15)[res].result(15)
    assert set(entries) == KAFKA_37_TOPIC_CONFIGS
    ct = entries["compression.type"]
    assert ct.value == "lz4" and ct.source == DYNAMIC_TOPIC_CONFIG and not ct.is_default
    rm = entries["retention.ms"]
    assert rm.value == "-1" and rm.source == DYNAMIC_TOPIC_CONFIG
    assert [s.name for s in rm.synonyms.values()][:2] == ["retention.ms", "log.retention.hours"]
    sm = entries["segment.ms"]
    assert sm.value == str(168 * 3600 * 1000) and sm.source == DEFAULT_CONFIG


@pytest.mark.clients
def test_kafka_python_admin_sees_config_types_and_sources(cbroker):
    from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient, NewTopic
    from kafka.errors import InvalidConfigurationError

    admin = KafkaAdminClient(bootstrap_servers=cbroker.bootstrap, request_timeout_ms=15000)
    try:
        admin.create_topics(
            [NewTopic("kp-cfg", 1, 1, topic_configs={"cleanup.policy": "compact", "segment.jitter.ms": "7"})]
        )
        with pytest.raises(InvalidConfigurationError):
            admin.create_topics([NewTopic("kp-bad", 1, 1, topic_configs={"preallocate": "maybe"})])
        got = admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, "kp-cfg")], include_synonyms=True, config_filter="all"
        )
        configs = got["topic"]["kp-cfg"]
        assert set(configs) == KAFKA_37_TOPIC_CONFIGS
        cp = configs["cleanup.policy"]
        assert (cp["value"], cp["config_source"], cp["config_type"]) == (
            "compact",
            "DYNAMIC_TOPIC_CONFIG",
            "LIST",
        )
        rm = configs["retention.ms"]
        assert (rm["value"], rm["config_source"], rm["config_type"]) == (
            "7200000",
            "STATIC_BROKER_CONFIG",
            "LONG",
        )
        assert rm["synonyms"][0] == {
            "name": "log.retention.hours",
            "value": "2",
            "source": "STATIC_BROKER_CONFIG",
        }
        modified = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, "kp-cfg")])
        assert set(modified["topic"]["kp-cfg"]) == {"cleanup.policy", "segment.jitter.ms"}
    finally:
        admin.close()
