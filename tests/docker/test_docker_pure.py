"""The Docker side without an engine: the env mapping the images read, and the refusals that keep
`check --docker` from running anything in the wrong namespace."""

from __future__ import annotations

import subprocess
import sys

import pytest

from broker.properties import env_name_to_property
from netlab.docker.deploy import property_to_env
from netlab.docker.enter import ContainerGone, container_prefix, host_prefix
from netlab.docker.project import Container
from netlab.errors import InputError


@pytest.mark.parametrize(
    ("prop", "env"),
    [
        ("advertised.listeners", "KAFKA_ADVERTISED_LISTENERS"),
        ("listener.security.protocol.map", "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"),
        ("offsets.topic.replication.factor", "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"),
        ("confluent.some_key", "KAFKA_CONFLUENT_SOME__KEY"),
        ("a-dashed.name", "KAFKA_A___DASHED_NAME"),
        ("a-b_c.d", "KAFKA_A___B__C_D"),
    ],
)
def test_property_to_env_is_the_images_mapping_both_ways(prop, env):
    assert property_to_env(prop) == env
    assert env_name_to_property(env) == prop


def _container(pid: int) -> Container:
    return Container("0" * 64, "c", "c", "c", "img", {}, pid, "running", "default")


def test_a_remote_engine_is_refused_before_anything_runs():
    # a remote engine's pids count on another machine: /proc/<pid> here is some other process
    with pytest.raises(InputError, match="not on this machine") as exc:
        container_prefix(_container(1), None)
    assert exc.value.exit_code == 2 and "unix://" in str(exc.value)
    with pytest.raises(InputError, match="not on this machine"):
        host_prefix(None)


def test_a_gone_engine_is_an_error_not_our_namespace():
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    gone = int(done.stdout)  # a pid that just ended (reuse within this test is not a concern)
    with pytest.raises(ContainerGone, match=f"pid {gone}\\) is gone"):
        host_prefix(gone)


def test_a_known_kafka_image_is_read_as_its_entrypoint_configures_it():
    """cp-kafka derives `listeners` from KAFKA_ADVERTISED_LISTENERS (hosts -> 0.0.0.0), as the
    compose import's profile does; the generated rows then reach every derived listener."""
    from netlab.docker.project import Attachment, Container
    from netlab.docker.to_topology import broker_block, is_broker, listener_ports

    env = {
        "KAFKA_ADVERTISED_LISTENERS": "PLAINTEXT://kafka:29092,PLAINTEXT_HOST://localhost:9092",
        "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP": "PLAINTEXT:PLAINTEXT,PLAINTEXT_HOST:PLAINTEXT",
        "KAFKA_ZOOKEEPER_CONNECT": "zookeeper:2181",
        "KAFKA_BROKER_ID": "1",
        "PATH": "/usr/bin",
    }
    c = Container(
        id="a" * 64, name="p-kafka-1", service="kafka", hostname="aaaaaaaaaaaa",
        image="confluentinc/cp-kafka:7.6.1", env=env, pid=1, state="running", network_mode="p_default",
        attachments=[Attachment("p_default", "172.18.0.3", 16, ("kafka",))],
    )  # fmt: skip
    assert is_broker(c)
    block = broker_block(c)
    assert block["listeners"] == "PLAINTEXT://0.0.0.0:29092,PLAINTEXT_HOST://0.0.0.0:9092"
    assert "log.dirs" not in block and "PATH" not in block
    assert listener_ports(c) == [29092, 9092]
    plain = Container(
        id="b" * 64, name="p-app-1", service="app", hostname="bbbbbbbbbbbb", image="python:3.12",
        env={"PATH": "/usr/bin"}, pid=2, state="running", network_mode="p_default",
    )  # fmt: skip
    assert not is_broker(plain)
