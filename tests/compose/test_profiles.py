"""Each image profile against the entrypoint rules it cites (see the module docstrings)."""

from __future__ import annotations

from netlab.compose.profiles import (
    ImageRef,
    ZooKeeperRole,
    apache,
    bitnami,
    configure_service,
    confluent,
    family_of,
    wurstmeister,
    zookeeper,
)


def img(text: str) -> ImageRef:
    return ImageRef.parse(text)


def test_image_refs():
    assert img("docker.io/bitnami/kafka:3.7") == ImageRef("bitnami/kafka", "3.7")
    assert img("confluentinc/cp-kafka") == ImageRef("confluentinc/cp-kafka", "latest")
    assert img("registry.example.com:5000/apache/kafka:3.9.0") == ImageRef("apache/kafka", "3.9.0")
    assert img("zookeeper:3.9@sha256:abc") == ImageRef("zookeeper", "3.9")
    assert img("docker.io/library/zookeeper") == ImageRef("zookeeper", "latest")
    assert family_of(img("confluentinc/cp-server:7.6.0")) == "confluent"
    assert family_of(img("nginx")) is None


# --- confluentinc/cp-kafka: kafka-images kafka/include/etc/confluent/docker/configure ---

CP_KRAFT = {
    "KAFKA_NODE_ID": "1",
    "KAFKA_PROCESS_ROLES": "broker,controller",
    "KAFKA_ADVERTISED_LISTENERS": "PLAINTEXT://broker:29092,PLAINTEXT_HOST://localhost:9092",
    "KAFKA_CONTROLLER_QUORUM_VOTERS": "1@broker:29093",
    "CLUSTER_ID": "MkU3OEVBNTcwNTJENDM2Qk",
    "KAFKA_LOG4J_LOGGERS": "kafka=INFO",
    "KAFKA_JMX_PORT": "9101",
    "KAFKA_CONFLUENT_SUPPORT_CUSTOMER__ID": "anon",
}


def test_cp_listeners_derived_from_advertised_hosts_to_0000():
    role = confluent.configure(img("confluentinc/cp-kafka:7.6.0"), CP_KRAFT)
    assert role.entrypoint_error is None
    assert role.props["listeners"] == "PLAINTEXT://0.0.0.0:29092,PLAINTEXT_HOST://0.0.0.0:9092"
    assert "derived" in role.derived["listeners"]
    assert role.props["cluster.id"] == "MkU3OEVBNTcwNTJENDM2Qk"
    assert "log4j.loggers" not in role.props and "jmx.port" not in role.props  # excluded variables
    assert role.props["confluent.support.customer_id"] == "anon"  # __ -> _
    assert role.kafka_version == "3.6.0"


def test_cp_kraft_needs_cluster_id_and_advertised():
    env = {k: v for k, v in CP_KRAFT.items() if k != "CLUSTER_ID"}
    assert "CLUSTER_ID" in confluent.configure(img("confluentinc/cp-kafka:7.6.0"), env).entrypoint_error
    env = {k: v for k, v in CP_KRAFT.items() if k != "KAFKA_ADVERTISED_LISTENERS"}
    assert (
        "KAFKA_ADVERTISED_LISTENERS"
        in confluent.configure(img("confluentinc/cp-kafka:7.6.0"), env).entrypoint_error
    )


def test_cp_controller_must_not_advertise():
    env = {**CP_KRAFT, "KAFKA_PROCESS_ROLES": "controller"}
    role = confluent.configure(img("confluentinc/cp-kafka:7.6.0"), env)
    assert role.entrypoint_error == "KAFKA_ADVERTISED_LISTENERS is not supported on a KRaft controller."


def test_cp_zookeeper_mode_7x_and_not_8x():
    env = {"KAFKA_ZOOKEEPER_CONNECT": "zk:2181", "KAFKA_ADVERTISED_LISTENERS": "PLAINTEXT://kafka:9092"}
    role = confluent.configure(img("confluentinc/cp-kafka:7.4.1"), env)
    assert role.entrypoint_error is None and role.zookeeper_connect == "zk:2181" and not role.kraft
    assert (
        "KAFKA_PROCESS_ROLES" in confluent.configure(img("confluentinc/cp-kafka:8.0.0"), env).entrypoint_error
    )
    assert (
        "KAFKA_PROCESS_ROLES"
        in confluent.configure(img("confluentinc/cp-kafka:latest"), env).entrypoint_error
    )


def test_cp_deprecated_port_variable_stops_the_container():
    env = {
        "KAFKA_ZOOKEEPER_CONNECT": "zk:2181",
        "KAFKA_ADVERTISED_LISTENERS": "PLAINTEXT://k:9092",
        "KAFKA_PORT": "9092",
    }
    role = confluent.configure(img("confluentinc/cp-kafka:7.2.0"), env)
    assert role.entrypoint_error == "port is deprecated. Please use KAFKA_ADVERTISED_LISTENERS instead."


def test_cp_versions():
    assert confluent.kafka_version("7.9.0") == "3.9.0"
    assert confluent.kafka_version("7.9") == "3.9"
    assert confluent.kafka_version("8.0.1") == "4.0.1"
    assert confluent.kafka_version("6.2.1") == "2.8.1"


# --- apache/kafka: docker/resources/common-scripts + KafkaDockerWrapper ---


def test_apache_without_kafka_variables_uses_the_default_server_properties():
    role = apache.configure(img("apache/kafka:3.9.0"), {})
    assert role.props["listeners"] == apache.DEFAULT_SERVER_PROPERTIES["listeners"]
    assert role.props["cluster.id"] == "5L6g3nShT-eMCtK--X86sw"
    assert all("default" in why for k, why in role.derived.items() if k != "cluster.id")


def test_apache_default_cluster_id_shared_and_listeners_derived():
    env = {
        "KAFKA_NODE_ID": "2",
        "KAFKA_PROCESS_ROLES": "broker",
        "KAFKA_ADVERTISED_LISTENERS": "PLAINTEXT://kafka-2:19092",
        "KAFKA_CONTROLLER_LISTENER_NAMES": "CONTROLLER",
    }
    role = apache.configure(img("apache/kafka:3.8.0"), env)
    assert role.props["cluster.id"] == apache.DEFAULT_CLUSTER_ID
    assert "default CLUSTER_ID" in role.derived["cluster.id"]
    assert role.props["listeners"] == "PLAINTEXT://0.0.0.0:19092"
    assert "advertised.listeners" in role.props and "node.id" in role.props
    assert "controller.quorum.voters" not in role.props  # env-only: no defaults mixed in


def test_apache_wrapper_key_rules():
    assert apache.wrapper_key("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP") == "listener.security.protocol.map"
    assert apache.wrapper_key("KAFKA_CONFLUENT_X__Y") == "confluent.x_y"
    assert apache.wrapper_key("KAFKA_A___B") == "a-b"


def test_apache_controller_with_advertised_exits():
    env = {"KAFKA_PROCESS_ROLES": "controller", "KAFKA_ADVERTISED_LISTENERS": "CONTROLLER://c:9093"}
    assert (
        "not supported on a KRaft controller"
        in apache.configure(img("apache/kafka:3.9.0"), env).entrypoint_error
    )


# --- bitnami/kafka: libkafka.sh ---


def test_bitnami_cfg_variables_and_validation():
    env = {
        "KAFKA_CFG_NODE_ID": "0",
        "KAFKA_CFG_PROCESS_ROLES": "controller,broker",
        "KAFKA_CFG_CONTROLLER_QUORUM_VOTERS": "0@kafka:9093",
        "KAFKA_CFG_LISTENERS": "PLAINTEXT://:9092,CONTROLLER://:9093",
    }
    role = bitnami.configure(img("bitnami/kafka:3.7"), env, "p-kafka")
    assert role.entrypoint_error is None
    assert role.props["listeners"] == "PLAINTEXT://:9092,CONTROLLER://:9093"
    assert role.props["offsets.topic.replication.factor"] == "1"  # left in the distribution's file
    # no KAFKA_KRAFT_CLUSTER_ID: each container formats with its own random id
    other = bitnami.configure(img("bitnami/kafka:3.7"), env, "p-kafka2")
    assert role.props["cluster.id"] != other.props["cluster.id"]
    assert len(role.props["cluster.id"]) == 22
    shared = bitnami.configure(img("bitnami/kafka:3.7"), {**env, "KAFKA_KRAFT_CLUSTER_ID": "abc"}, "x")
    assert shared.props["cluster.id"] == "abc"


def test_bitnami_refusals():
    assert "either Raft or Zookeper" in bitnami.configure(img("bitnami/kafka:3.7"), {}, "x").entrypoint_error
    env = {"KAFKA_CFG_PROCESS_ROLES": "broker", "KAFKA_CFG_CONTROLLER_QUORUM_VOTERS": "0@c:9093"}
    assert "KAFKA_CFG_NODE_ID" in bitnami.configure(img("bitnami/kafka:3.7"), env, "x").entrypoint_error


def test_bitnami_old_aliases_only_before_3_5():
    env = {"KAFKA_ZOOKEEPER_CONNECT": "zk:2181"}
    assert bitnami.configure(img("bitnami/kafka:2"), env, "x").zookeeper_connect == "zk:2181"
    assert bitnami.configure(img("bitnami/kafka:3.7"), env, "x").entrypoint_error is not None


# --- wurstmeister/kafka: start-kafka.sh ---


def test_wurstmeister_advertised_host_name_and_default_port():
    env = {"KAFKA_ADVERTISED_HOST_NAME": "localhost", "KAFKA_ZOOKEEPER_CONNECT": "zookeeper:2181"}
    role = wurstmeister.configure(img("wurstmeister/kafka:2.13-2.8.1"), env)
    assert role.props["listeners"] == "PLAINTEXT://:9092"
    assert role.props["advertised.listeners"] == "PLAINTEXT://localhost:9092"
    assert role.props["broker.id"] == "-1"
    assert role.kafka_version == "2.8.1"
    assert "advertised.host.name" not in role.props


def test_wurstmeister_port_and_advertised_port():
    env = {
        "KAFKA_PORT": "9094",
        "KAFKA_ADVERTISED_PORT": "19094",
        "KAFKA_ADVERTISED_HOST_NAME": "h",
        "KAFKA_ZOOKEEPER_CONNECT": "z:2181",
    }
    role = wurstmeister.configure(img("wurstmeister/kafka"), env)
    assert role.props["listeners"] == "PLAINTEXT://:9094"
    assert role.props["advertised.listeners"] == "PLAINTEXT://h:19094"


def test_wurstmeister_refusals():
    assert "KAFKA_ZOOKEEPER_CONNECT" in wurstmeister.configure(img("wurstmeister/kafka"), {}).entrypoint_error
    env = {"KAFKA_ZOOKEEPER_CONNECT": "z:2181", "KAFKA_ADVERTISED_LISTENERS": "PLAINTEXT://k:9092"}
    assert "KAFKA_LISTENERS" in wurstmeister.configure(img("wurstmeister/kafka"), env).entrypoint_error
    env = {"KAFKA_ZOOKEEPER_CONNECT": "z:2181"}
    assert "No listener" in wurstmeister.configure(img("wurstmeister/kafka"), env).entrypoint_error


def test_wurstmeister_hostname_command():
    env = {"KAFKA_ZOOKEEPER_CONNECT": "z:2181", "HOSTNAME_COMMAND": "route -n | awk '/UG[ \\t]/{print $$2}'"}
    role = wurstmeister.configure(img("wurstmeister/kafka"), env, {"gateway": "172.18.0.1"})
    assert role.props["advertised.listeners"] == "PLAINTEXT://172.18.0.1:9092"
    env = {
        "KAFKA_ZOOKEEPER_CONNECT": "z:2181",
        "HOSTNAME_COMMAND": "docker info | grep ^Name: | cut -d' ' -f 2",
        "KAFKA_LISTENERS": "INSIDE://:9092,OUTSIDE://:9094",
        "KAFKA_ADVERTISED_LISTENERS": "INSIDE://:9092,OUTSIDE://_{HOSTNAME_COMMAND}:9094",
    }
    role = wurstmeister.configure(img("wurstmeister/kafka"), env, {"host": "host"})
    assert role.props["advertised.listeners"] == "INSIDE://:9092,OUTSIDE://host:9094"


# --- ZooKeeper images ---


def test_zookeeper_images():
    assert (
        zookeeper.configure(
            img("confluentinc/cp-zookeeper:7.8.0"), {"ZOOKEEPER_CLIENT_PORT": "2182"}
        ).client_port
        == 2182
    )
    assert zookeeper.configure(img("confluentinc/cp-zookeeper:7.8.0"), {}).entrypoint_error
    assert zookeeper.configure(img("bitnami/zookeeper:3.9"), {}).entrypoint_error
    assert (
        zookeeper.configure(img("bitnami/zookeeper:3.9"), {"ALLOW_ANONYMOUS_LOGIN": "yes"}).entrypoint_error
        is None
    )
    assert zookeeper.configure(img("zookeeper:3.9"), {"ZOO_MY_ID": "3"}).server_id == 3
    assert isinstance(
        configure_service(img("wurstmeister/zookeeper"), {}, container="c", facts={}), ZooKeeperRole
    )
    assert configure_service(img("redis:7"), {}, container="c", facts={}) is None


# --- the image tag picks the Kafka version whose rules apply (profiles/versions.py) ---


def test_kafka_3_9_0_refuses_an_unadvertised_controller_on_0000():
    env = {
        "KAFKA_NODE_ID": "1",
        "KAFKA_PROCESS_ROLES": "broker,controller",
        "KAFKA_CONTROLLER_QUORUM_VOTERS": "1@kafka:9093",
        "KAFKA_CONTROLLER_LISTENER_NAMES": "CONTROLLER",
        "KAFKA_LISTENERS": "PLAINTEXT://0.0.0.0:9092,CONTROLLER://0.0.0.0:9093",
        "KAFKA_ADVERTISED_LISTENERS": "PLAINTEXT://kafka:9092",
        "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "CLUSTER_ID": "MkU3OEVBNTcwNTJENDM2Qk",
    }
    for tag, refused in (("7.9.0", True), ("7.9.1", False), ("8.0.0", False), ("7.8.0", False)):
        role = configure_service(img(f"confluentinc/cp-kafka:{tag}"), env, container="c", facts={})
        assert (role.entrypoint_error is not None) == refused, (tag, role.entrypoint_error)
    role = configure_service(img("apache/kafka:3.9.0"), env, container="c", facts={})
    assert role.entrypoint_error.endswith(
        "advertised.listeners cannot use the nonroutable meta-address 0.0.0.0. Use a routable IP address."
    )
    fixed = {**env, "KAFKA_LISTENERS": "PLAINTEXT://0.0.0.0:9092,CONTROLLER://:9093"}
    assert (
        configure_service(img("apache/kafka:3.9.0"), fixed, container="c", facts={}).entrypoint_error is None
    )


def test_kafka_before_2_7_needs_distinct_advertised_ports():
    env = {
        "KAFKA_ZOOKEEPER_CONNECT": "zk:2181",
        "KAFKA_LISTENERS": "IN://0.0.0.0:29092,OUT://0.0.0.0:9092",
        "KAFKA_ADVERTISED_LISTENERS": "IN://kafka:9092,OUT://localhost:9092",
        "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP": "IN:PLAINTEXT,OUT:PLAINTEXT",
        "KAFKA_INTER_BROKER_LISTENER_NAME": "IN",
    }
    old = configure_service(img("confluentinc/cp-kafka:6.0.1"), env, container="c", facts={})
    assert "Each listener must have a different port" in old.entrypoint_error
    assert (
        configure_service(img("confluentinc/cp-kafka:6.1.0"), env, container="c", facts={}).entrypoint_error
        is None
    )
