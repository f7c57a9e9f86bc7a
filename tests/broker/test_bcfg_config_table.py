"""The one schema of broker settings: broker/config.py SETTINGS agrees with Kafka 3.7's broker
ConfigDef table (broker/kafka_broker_configs.py), and the dynamic-config sets name its keys."""

from __future__ import annotations

import pytest

from broker.broker_config_entries import config_type, synonyms_of
from broker.config import NOT_IN_KAFKA_37, SETTINGS, ConfigException, convert_setting, setting_for
from broker.dynamic_broker_configs import ALL_DYNAMIC, PER_BROKER, check, update_mode
from broker.kafka_broker_configs import BROKER_CONFIGS, LONG_MAX, PUBLIC_CONFIGS, TYPES, java_double
from broker.topic_configs import TOPIC_CONFIGS


def test_bcfg_every_setting_takes_kafkas_type_and_default():
    for name, s in SETTINGS.items():
        if name in NOT_IN_KAFKA_37:
            assert name not in BROKER_CONFIGS, name
            continue
        d = BROKER_CONFIGS[name]
        assert (s.type, s.default) == (d.type.lower(), d.default), name
        assert not d.internal, name


def test_bcfg_table_facts_from_kafka_37():
    assert len(BROKER_CONFIGS) == 295 and len(PUBLIC_CONFIGS) == 285
    assert all(d.type in TYPES for d in BROKER_CONFIGS.values())
    facts = {
        "sasl.kerberos.min.time.before.relogin": ("LONG", 60000),
        "offsets.topic.replication.factor": ("SHORT", 3),
        "security.inter.broker.protocol": ("STRING", "PLAINTEXT"),
        "log.flush.interval.messages": ("LONG", LONG_MAX),
        "ssl.key.password": ("PASSWORD", None),
        "principal.builder.class": (
            "CLASS",
            "org.apache.kafka.common.security.authenticator.DefaultKafkaPrincipalBuilder",
        ),
        "inter.broker.protocol.version": ("STRING", "3.7-IV4"),
        "log.local.retention.ms": ("LONG", -2),  # RemoteLogManagerConfig
        "log.cleanup.policy": ("LIST", ["delete"]),
    }
    for name, fact in facts.items():
        assert (BROKER_CONFIGS[name].type, BROKER_CONFIGS[name].default) == fact, name
    assert BROKER_CONFIGS["unstable.api.versions.enable"].internal
    assert "unstable.api.versions.enable" not in PUBLIC_CONFIGS


def test_bcfg_dynamic_names_and_topic_synonyms_are_kafka_configs():
    assert ALL_DYNAMIC <= set(PUBLIC_CONFIGS)
    for d in TOPIC_CONFIGS.values():
        for s in d.synonyms:
            assert s.name in BROKER_CONFIGS, s.name
    assert "log.message.format.version" not in ALL_DYNAMIC  # DynamicLogConfig.ExcludedConfigs
    assert update_mode("ssl.keystore.location") == "per-broker" and "ssl.keystore.location" in PER_BROKER
    assert update_mode("num.io.threads") == "cluster-wide"
    assert update_mode("node.id") == "read-only"


def test_bcfg_types_of_listener_prefixed_and_unknown_names():
    assert synonyms_of("listener.name.int.ssl.key.password") == [
        "listener.name.int.ssl.key.password",
        "ssl.key.password",
    ]
    assert synonyms_of("listener.name.int.plain.sasl.jaas.config")[1] == "sasl.jaas.config"
    assert config_type("listener.name.int.ssl.key.password") == "PASSWORD"
    assert config_type("listener.name.int.ssl.protocol") == "STRING"
    assert config_type("confluent.support.metrics.enable") is None  # unknown: sensitive
    assert synonyms_of("log.retention.minutes") == ["log.retention.minutes", "log.retention.hours"]


def test_bcfg_dynamic_values_checked_by_kafkas_types():
    err, msg = check({"sasl.kerberos.min.time.before.relogin": "soon"}, per_broker=True)
    assert err and msg == (
        "Invalid value soon for configuration sasl.kerberos.min.time.before.relogin: "
        "Not a number of type LONG"
    )
    assert check({"sasl.kerberos.min.time.before.relogin": "58000"}, per_broker=True) == (0, None)
    with pytest.raises(ConfigException, match="Not a number of type SHORT"):
        convert_setting(setting_for("offsets.topic.replication.factor"), "40000")
    assert convert_setting(setting_for("log.cleaner.io.buffer.load.factor"), "0.75") == 0.75


def test_bcfg_doubles_print_as_java_does():
    assert java_double(1.7976931348623157e308) == "1.7976931348623157E308"
    assert (java_double(0.9), java_double(0.05), java_double(1e7)) == ("0.9", "0.05", "1.0E7")


def test_bcfg_names_kafka_accepts_dynamically():
    # DynamicConfig.Broker.nonDynamicProps: only KafkaConfig's non-dynamic keys are refused
    assert check({"node.id": "7"}, per_broker=True) == (
        42,
        "Cannot update these configs dynamically: Set(node.id)",
    )
    assert check({"my.custom.setting": "x"}, per_broker=True) == (0, None)
    assert check({"leader.replication.throttled.rate": "1048576"}, per_broker=False) == (0, None)
    err, msg = check({"leader.replication.throttled.rate": "-1"}, per_broker=True)
    assert (err, msg) == (
        40,
        "Invalid value -1 for configuration leader.replication.throttled.rate: Value must be at least 0",
    )
    assert config_type("leader.replication.throttled.rate") == "LONG"


def test_bcfg_topic_config_synonym_defaults_are_the_tables():
    # topic_configs keeps each broker synonym's default for DescribeConfigs; they are Kafka's too
    for d in TOPIC_CONFIGS.values():
        for s in d.synonyms:
            assert s.default == BROKER_CONFIGS[s.name].default, (d.name, s.name)
