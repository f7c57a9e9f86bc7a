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
