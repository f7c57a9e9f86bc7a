"""Kafka's settings, defaults and validation messages (facts: research/kafka.md)."""

from __future__ import annotations

import pytest

from broker.config import ConfigException, KafkaConfig, RequirementFailed, collect_props
from broker.properties import env_name_to_property, parse_properties, settings_from_env

TWO = {
    "listeners": "INTERNAL://127.0.0.1:29092,EXTERNAL://127.0.0.1:9092",
    "advertised.listeners": "INTERNAL://broker-1:29092,EXTERNAL://localhost:9092",
    "listener.security.protocol.map": "INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT",
    "inter.broker.listener.name": "INTERNAL",
    "node.id": "1",
}
KRAFT = {
    "process.roles": "broker,controller",
    "node.id": "1",
    "controller.quorum.voters": "1@localhost:9093",
    "listeners": "PLAINTEXT://:9092,CONTROLLER://:9093",
    "controller.listener.names": "CONTROLLER",
    "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
    "advertised.listeners": "PLAINTEXT://localhost:9092",
}


def fails(props, exc=RequirementFailed) -> str:
    with pytest.raises(exc) as info:
        KafkaConfig(props)
    return str(info.value)


def test_defaults_like_kafka():
    c = KafkaConfig({})
    assert [str(e) for e in c.listeners] == ["PLAINTEXT://:9092"]
    assert c.advertised == c.listeners and c.inter_broker_listener == "PLAINTEXT"
    assert c["num.partitions"] == 1 and c["auto.create.topics.enable"] is True
    assert c["socket.request.max.bytes"] == 104857600 and c["message.max.bytes"] == 1048588
    assert c["log.segment.bytes"] == 1073741824 and c.roll_ms == 168 * 3600 * 1000
    assert c.retention_ms == 168 * 3600 * 1000 and c["log.index.interval.bytes"] == 4096
    assert [str(p) for p in c.log_dirs] == ["/tmp/kafka-logs"]


def test_two_listeners_and_names_upper_cased():
    c = KafkaConfig({**TWO, "listeners": "internal://127.0.0.1:29092,EXTERNAL://127.0.0.1:9092"})
    assert [e.listener for e in c.listeners] == ["INTERNAL", "EXTERNAL"]
    assert c.endpoint_for("INTERNAL").host == "broker-1"


def test_retention_and_roll_precedence():
    c = KafkaConfig({"log.retention.hours": "1", "log.retention.minutes": "5", "log.roll.hours": "2"})
    assert c.retention_ms == 5 * 60_000 and c.roll_ms == 2 * 3600_000
    c = KafkaConfig({"log.retention.ms": "1000", "log.retention.minutes": "5", "log.roll.ms": "10"})
    assert c.retention_ms == 1000 and c.roll_ms == 10


def test_unparseable_endpoint():
    assert (
        fails({"listeners": "PLAINTEXT:/localhost:9092"}, ConfigException)
        == "Unable to parse PLAINTEXT:/localhost:9092 to a broker endpoint"
    )


def test_listener_without_security_protocol():
    msg = fails({"listeners": "FOO://:9092"}, ConfigException)
    assert (
        msg
        == "Error creating broker listeners from 'FOO://:9092': No security protocol defined for listener FOO"
    )


def test_duplicate_names_and_ports():
    assert (
        fails({"listeners": "PLAINTEXT://:9092,PLAINTEXT://:9093"})
        == "requirement failed: Each listener must have a different name, listeners: PLAINTEXT://:9092,PLAINTEXT://:9093"
    )
    l = "A://:9092,B://:9092"
    assert (
        fails(
            {
                "listeners": l,
                "listener.security.protocol.map": "A:PLAINTEXT,B:PLAINTEXT",
                "inter.broker.listener.name": "A",
            }
        )
        == f"requirement failed: Each listener must have a different port, listeners: {l}"
    )
    l = "A://127.0.0.1:9092,B://127.0.0.2:9092"
    assert fails(
        {
            "listeners": l,
            "listener.security.protocol.map": "A:PLAINTEXT,B:PLAINTEXT",
            "inter.broker.listener.name": "A",
        }
    ) == (
        "requirement failed: If you have two listeners on the same port then one needs to be IPv4 and the other "
        f"IPv6, listeners: {l}, port: 9092"
    )
    # an IPv4 and an IPv6 literal may share a port (Kafka 3.6+); port 0 is exempt
    KafkaConfig(
        {
            "listeners": "A://127.0.0.1:9092,B://[::1]:9092",
            "listener.security.protocol.map": "A:PLAINTEXT,B:PLAINTEXT",
            "inter.broker.listener.name": "A",
        }
    )
    KafkaConfig(
        {
            "listeners": "A://:0,B://:0",
            "listener.security.protocol.map": "A:PLAINTEXT,B:PLAINTEXT",
            "inter.broker.listener.name": "A",
            "advertised.listeners": "A://h:1,B://h:2",
        }
    )


def test_advertised_may_repeat_ports():
    config = KafkaConfig(
        {**TWO, "advertised.listeners": "INTERNAL://broker-1:9092,EXTERNAL://localhost:9092"}
    )
    assert [(e.listener, e.host, e.port) for e in config.advertised] == [
        ("INTERNAL", "broker-1", 9092),
        ("EXTERNAL", "localhost", 9092),
    ]


def test_nonroutable_meta_address_on_effective_advertised():
    expected = (
        "requirement failed: advertised.listeners cannot use the nonroutable meta-address 0.0.0.0. "
        "Use a routable IP address."
    )
    assert fails({"listeners": "PLAINTEXT://0.0.0.0:9092"}) == expected
    assert fails({"advertised.listeners": "PLAINTEXT://0.0.0.0:9092"}) == expected
    KafkaConfig(
        {"listeners": "PLAINTEXT://0.0.0.0:9092", "advertised.listeners": "PLAINTEXT://localhost:9092"}
    )


def test_inter_broker_listener_rules():
    assert fails(
        {
            **TWO,
            "inter.broker.listener.name": "OTHER",
            "listener.security.protocol.map": "INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT,OTHER:PLAINTEXT",
        }
    ) == (
        "requirement failed: inter.broker.listener.name must be a listener name defined in advertised.listeners. "
        "The valid options based on currently configured listeners are INTERNAL,EXTERNAL"
    )
    assert (
        fails({**TWO, "security.inter.broker.protocol": "PLAINTEXT"}, ConfigException)
        == "Only one of inter.broker.listener.name and security.inter.broker.protocol should be set."
    )
    assert (
        fails({**TWO, "inter.broker.listener.name": "NOPE"}, ConfigException)
        == "Listener with name NOPE defined in inter.broker.listener.name not found in listener.security.protocol.map."
    )
    # unset → the listener named after security.inter.broker.protocol (PLAINTEXT), absent here
    props = {k: v for k, v in TWO.items() if k != "inter.broker.listener.name"}
    assert "inter.broker.listener.name must be a listener name defined in advertised.listeners" in fails(
        props
    )


def test_advertised_names_subset_of_listeners():
    assert fails(
        {
            **TWO,
            "advertised.listeners": "INTERNAL://broker-1:29092,EXTRA://x:1",
            "listener.security.protocol.map": "INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT,EXTRA:PLAINTEXT",
        }
    ) == (
        "requirement failed: advertised.listeners listener names must be equal to or a subset of the ones defined "
        "in listeners. Found INTERNAL,EXTRA. The valid options based on the current configuration are INTERNAL,EXTERNAL"
    )


def test_kraft_rules():
    c = KafkaConfig(KRAFT)
    assert [e.listener for e in c.advertised] == ["PLAINTEXT"] and c.voters == {1: ("localhost", 9093)}
    assert c.unsupported_reasons() == []
    assert fails({k: v for k, v in KRAFT.items() if k != "node.id"}, ConfigException) == (
        "Missing configuration `node.id` which is required when `process.roles` is defined "
        "(i.e. when running in KRaft mode)."
    )
    assert fails({**KRAFT, "controller.quorum.voters": ""}, ConfigException).startswith(
        "If using process.roles, either controller.quorum.bootstrap.servers must contain the set of bootstrap "
        "controllers or controller.quorum.voters must contain a parseable set of controllers."
    )
    assert fails({**KRAFT, "controller.quorum.voters": "2@localhost:9093"}) == (
        "requirement failed: If process.roles contains the 'controller' role, the node id 1 must be included in "
        "the set of voters controller.quorum.voters=Set(2)"
    )
    assert fails({**KRAFT, "controller.quorum.voters": "1-localhost:9093"}, ConfigException) == (
        "Invalid configuration value for controller.quorum.voters. Each entry should be in the form "
        "`{id}@{host}:{port}`."
    )
    assert fails({**KRAFT, "controller.listener.names": ""}) == (
        "requirement failed: controller.listener.names must contain at least one value appearing in the "
        "'listeners' configuration when running the KRaft controller role"
    )
    # advertised.listeners unset: the controller listener is left out of the effective set
    c = KafkaConfig({k: v for k, v in KRAFT.items() if k != "advertised.listeners"})
    assert [e.listener for e in c.advertised] == ["PLAINTEXT"]
    only_ctl = {**KRAFT, "listeners": "CONTROLLER://:9093"}
    only_ctl.pop("advertised.listeners")
    assert fails(only_ctl).startswith(
        "requirement failed: There must be at least one broker advertised listener. "
        "Perhaps all listeners appear in controller.listener.names?"
    )


def test_kraft_broker_only_rules():
    b = {
        **KRAFT,
        "process.roles": "broker",
        "controller.quorum.voters": "2@c:9093",
        "listeners": "PLAINTEXT://:9092",
    }
    assert fails({**b, "controller.quorum.voters": "1@c:9093"}) == (
        "requirement failed: If process.roles contains just the 'broker' role, the node id 1 must not be included "
        "in the set of voters controller.quorum.voters=Set(1)"
    )
    assert fails({**b, "controller.listener.names": ""}) == (
        "requirement failed: controller.listener.names must contain at least one value when running KRaft with "
        "just the broker role"
    )
    assert fails({**b, "listeners": "PLAINTEXT://:9092,CONTROLLER://:9093"}) == (
        "requirement failed: controller.listener.names must not contain a value appearing in the 'listeners' "
        "configuration when running KRaft with just the broker role"
    )
    assert KafkaConfig(b).unsupported_reasons() == []  # a broker of a single-voter cluster (docs/cluster.md)


def test_unsupported_but_valid_configs_are_named():
    multi = {**KRAFT, "controller.quorum.voters": "1@a:9093,2@b:9093,3@c:9093"}
    assert KafkaConfig(multi).unsupported_reasons() == []  # a Raft quorum (broker/raft/)
    boot = {
        **{k: v for k, v in KRAFT.items() if k != "controller.quorum.voters"},
        "controller.quorum.bootstrap.servers": "a:9093,b:9093",
    }
    assert any("a dynamic KRaft quorum (KIP-853" in r for r in KafkaConfig(boot).unsupported_reasons())
    one = {**boot, "controller.quorum.bootstrap.servers": "localhost:9093"}
    assert KafkaConfig(one).unsupported_reasons() == []
    ssl = {"listeners": "PLAINTEXT://:9092,SSL://:9093"}
    assert KafkaConfig(ssl).unsupported_reasons() == [
        "Listener SSL uses security protocol SSL, which this broker does not support (PLAINTEXT listeners only; "
        "no silent fallback)"
    ]


def test_malformed_values():
    assert (
        fails({"num.partitions": "many"}, ConfigException)
        == "Invalid value many for configuration num.partitions: Not a number of type INT"
    )
    assert (
        fails({"num.partitions": "0"}, ConfigException)
        == "Invalid value 0 for configuration num.partitions: Value must be at least 1"
    )
    assert (
        fails({"auto.create.topics.enable": "yes"}, ConfigException)
        == "Invalid value yes for configuration auto.create.topics.enable: Expected value to be either true or false"
    )
    assert (
        fails({"node.id": "1", "broker.id": "2"}, ConfigException)
        == "You must set `node.id` to the same value as `broker.id`."
    )
    assert "Unknown process role 'zookeeper'" in fails({"process.roles": "zookeeper"}, ConfigException)
    assert "unknown security protocol 'TLS'" in fails(
        {"listener.security.protocol.map": "PLAINTEXT:TLS"}, ConfigException
    )


def test_unknown_settings_warn_like_kafka():
    warnings = []
    KafkaConfig({"no.such.setting": "1", "socket.send.buffer.bytes": "1"}, warn=warnings.append)
    assert warnings == ["The configuration 'no.such.setting' was supplied but isn't a known config."]


def test_properties_file_syntax():
    text = "# comment\n! also\nlisteners = PLAINTEXT://:9092\nlog.dirs:/a,\\\n  /b\nnum.partitions 3\nkey\\=x=1\n\n"
    assert parse_properties(text) == {
        "listeners": "PLAINTEXT://:9092",
        "log.dirs": "/a,/b",
        "num.partitions": "3",
        "key=x": "1",
    }


def test_docker_environment_names():
    assert env_name_to_property("KAFKA_ADVERTISED_LISTENERS") == "advertised.listeners"
    assert env_name_to_property("KAFKA_CFG_LOG_DIRS") == "log.dirs"
    assert env_name_to_property("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP") == "listener.security.protocol.map"
    assert env_name_to_property("KAFKA_SOME__UNDERSCORE___DASH") == "some_underscore-dash"
    assert env_name_to_property("KAFKA_HEAP_OPTS") is None and env_name_to_property("PATH") is None
    env = {"KAFKA_NODE_ID": "3", "KAFKA_CFG_NODE_ID": "4", "HOME": "/root"}
    assert settings_from_env(env) == {"node.id": "4"}


def test_precedence_file_env_override():
    props = collect_props(
        "node.id=1\nnum.partitions=2\n",
        {"KAFKA_NUM_PARTITIONS": "3", "KAFKA_BROKER_RACK": "r"},
        ["broker.rack=r2"],
    )
    assert props == {"node.id": "1", "num.partitions": "3", "broker.rack": "r2"}
    with pytest.raises(ConfigException, match="expected key=value"):
        collect_props(None, {}, ["novalue"])
